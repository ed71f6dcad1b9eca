"""The check registry: one list of kinds, and the union, schema, docs table and dispatch derived from it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import threading
import typing
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from support import ROOT
from typer.testing import CliRunner

import grader.checks
from grader.checks.base import CheckContext, WorkspaceFile, result
from grader.checks.kind import CheckKind
from grader.checks.registry import KINDS, REGISTRY, Rubric
from grader.checks.rubric import load_rubric
from grader.cli import app
from grader.errors import RubricError
from grader.pipeline.grade import grade_submission
from grader.report.model import CriterionResult
from grader.rubric.model import CriterionBase, NamedPath, StaticCriterion
from grader.sandbox.local import LocalSandbox
from grader.scoring import Points

README = ROOT / "rubrics" / "README.md"
SHARED_FIELDS = {"id", "kind", "title", "points", "hint", "learn_more"}


def _check_modules() -> list[str]:
    return [info.name for info in pkgutil.iter_modules(grader.checks.__path__)]


def test_every_check_module_with_a_kind_is_registered_exactly_once() -> None:
    """Each check module's KIND is in KINDS, and no kind name or model appears twice."""
    declared = []
    for name in _check_modules():
        module = importlib.import_module(f"grader.checks.{name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, CheckKind):
            declared.append(kind)
    assert sorted(kind.name for kind in declared) == sorted(kind.name for kind in KINDS)
    assert len({kind.name for kind in KINDS}) == len(KINDS)
    assert len({kind.model for kind in KINDS}) == len(KINDS)
    assert REGISTRY.names == (
        "tests",
        "lint",
        "types",
        "security",
        "complexity",
        "coverage",
        "benchmark",
        "test_quality",
    )


def test_a_kind_registered_twice_is_refused() -> None:
    """Two kinds with the same name cannot make one registry."""
    with pytest.raises(ValueError, match="registered twice: lint"):
        REGISTRY.with_kinds(KINDS[1])


def test_a_kind_whose_model_has_no_literal_kind_is_refused() -> None:
    """A criterion model must name its kind with one Literal, or the union cannot be keyed on it."""
    with pytest.raises(TypeError, match="needs a field `kind"):
        CheckKind(model=StaticCriterion, run=run_toy, tool="-", fields="-", score="-")


def test_the_rubric_union_is_the_registered_models_in_order() -> None:
    """The criteria union of ``Rubric`` holds exactly the kinds' models, in the registry's order."""
    item = typing.get_args(Rubric.model_fields["criteria"].annotation)[0]
    union = typing.get_args(item)[0]
    assert typing.get_args(union) == tuple(kind.model for kind in KINDS)
    assert REGISTRY.rubric is Rubric


def test_the_schema_lists_the_registered_kinds_and_matches_the_shipped_file() -> None:
    """The schema's criteria are one `oneOf` entry per kind, keyed on `kind`, as in rubrics/schema.json."""
    schema = REGISTRY.json_schema()
    items = schema["properties"]["criteria"]["items"]  # type: ignore[index]
    refs = [entry["$ref"].rpartition("/")[2] for entry in items["oneOf"]]
    assert refs == [kind.model.__name__ for kind in KINDS]
    assert sorted(items["discriminator"]["mapping"]) == sorted(REGISTRY.names)
    shipped = (ROOT / "rubrics" / "schema.json").read_text(encoding="utf-8")
    assert shipped == json.dumps(schema, indent=2, sort_keys=True) + "\n"


def test_the_readme_table_of_kinds_is_the_generated_one() -> None:
    """rubrics/README.md holds the registry's table verbatim (`grader rubric kinds` prints it)."""
    table = REGISTRY.docs_table()
    assert table in README.read_text(encoding="utf-8"), "run: grader rubric kinds"
    assert table.count("\n") == len(KINDS) + 2


def test_the_kinds_command_prints_the_table() -> None:
    """The hidden `grader rubric kinds` command prints the docs table."""
    printed = CliRunner().invoke(app, ["rubric", "kinds"])
    assert printed.exit_code == 0
    assert printed.output == REGISTRY.docs_table()


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_docs_row_names_every_field_of_its_kind(kind: CheckKind[CriterionBase]) -> None:
    """A kind's docs row mentions each of its own fields, so a new field cannot go undocumented."""
    own = set(kind.model.model_fields) - SHARED_FIELDS
    missing = sorted(name for name in own if f"`{name}`" not in kind.fields)
    assert missing == []


def test_only_the_benchmark_runs_alone() -> None:
    """The pipeline's one scheduling rule is the criterion's flag, and only benchmarks set it."""
    assert [kind.name for kind in KINDS if kind.model.runs_alone] == ["benchmark"]


def test_the_workspace_gets_the_shared_files_once() -> None:
    """The files the kinds declare are put once each: pytest's ini and plugin, and mypy's config."""
    assert [file.path for file in REGISTRY.workspace_files] == [
        "grader/pytest.ini",
        "grader/plugins/grader_pytest_plugin.py",
        "grader/mypy.ini",
    ]


# A toy kind, defined here and nowhere else: no other module knows about it.

TOY_FILE = WorkspaceFile("grader/toy.txt", "toy setup\n")
RAN: list[str] = []
RAN_LOCK = threading.Lock()


class ToyCriterion(CriterionBase):
    """Count the submission's Python files (a test's toy kind)."""

    kind: Literal["toy"]
    """A toy."""
    marker: str = "toy.cfg"
    """A file in the rubric folder the toy needs."""

    def named_paths(self) -> tuple[NamedPath, ...]:
        """The marker file."""
        return (NamedPath("marker", self.marker, "file"),)


class LoneToyCriterion(StaticCriterion):
    """A toy that, like a benchmark, runs alone after the others."""

    runs_alone: ClassVar[bool] = True
    kind: Literal["lone_toy"]
    """A toy that runs alone."""


def run_toy(criterion: CriterionBase, ctx: CheckContext) -> CriterionResult:
    """Full points when the toy's workspace file is there; records the order the toys ran in."""
    with RAN_LOCK:
        RAN.append(criterion.id)
    setup = ctx.workspace.read_bytes(TOY_FILE.path, 1024)
    score = criterion.points if setup == b"toy setup\n" else 0.0
    return result(criterion, Points(score, f"setup file seen: {score}"), "toy ran")


TOY = CheckKind(
    model=ToyCriterion,
    run=run_toy,
    tool="nothing",
    fields="`marker` (toy.cfg)",
    score="all the points",
    workspace_files=(TOY_FILE,),
)
LONE_TOY = CheckKind(
    model=LoneToyCriterion, run=run_toy, tool="nothing", fields="`include`, `exclude`", score="-"
)
TOYS = REGISTRY.with_kinds(TOY, LONE_TOY)

TOY_RUBRIC = """\
id: toys
title: Toys
criteria:
  - {id: alone, kind: lone_toy, points: 1}
  - {id: first, kind: toy, points: 2}
  - {id: second, kind: toy, points: 3, marker: other.cfg}
"""


def write_toy_rubric(folder: Path) -> Path:
    path = folder / "rubric.yaml"
    path.write_text(TOY_RUBRIC, encoding="utf-8")
    (folder / "toy.cfg").write_text("", encoding="utf-8")
    (folder / "other.cfg").write_text("", encoding="utf-8")
    return path


def test_a_registered_toy_kind_is_accepted_by_the_loader(tmp_path: Path) -> None:
    """A rubric using a kind registered only in this test loads with the registry that has it."""
    loaded = load_rubric(write_toy_rubric(tmp_path), TOYS)
    assert [criterion.kind for criterion in loaded.rubric.criteria] == ["lone_toy", "toy", "toy"]
    assert isinstance(loaded.rubric, Rubric) and loaded.rubric.max_score == 6
    assert loaded.registry is TOYS


def test_the_default_registry_rejects_the_toy_kind(tmp_path: Path) -> None:
    """Without the toy registered, `kind: toy` is an unknown kind, listed against the real ones."""
    with pytest.raises(RubricError) as caught:
        load_rubric(write_toy_rubric(tmp_path))
    assert "'toy' is not one of tests, lint, types" in str(caught.value)


def test_a_criterion_without_a_kind_lists_every_registered_kind(tmp_path: Path) -> None:
    """A criterion with no `kind` is told the kinds of the registry it is loaded with."""
    path = write_toy_rubric(tmp_path)
    path.write_text(TOY_RUBRIC.replace("kind: lone_toy, ", ""), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path, TOYS)
    [problem] = caught.value.problems
    kinds = ", ".join(TOYS.names)
    assert (
        str(problem) == f"{path}:4:5: criteria[0]: missing required field 'kind' (one of {kinds})"
    )


def test_the_loader_asks_the_toy_for_its_named_paths(tmp_path: Path) -> None:
    """The toy's missing marker file is reported at its line, with no code in the loader for it."""
    path = write_toy_rubric(tmp_path)
    (tmp_path / "other.cfg").unlink()
    with pytest.raises(RubricError) as caught:
        load_rubric(path, TOYS)
    [problem] = caught.value.problems
    assert str(problem).startswith(
        f"{path}:6:48: criteria[2].marker: marker 'other.cfg': does not exist"
    )


def test_a_registered_toy_kind_is_scheduled_by_the_pipeline(tmp_path: Path) -> None:
    """The pipeline puts the toy's workspace file, runs its check, and runs the lone toy last."""
    loaded = load_rubric(write_toy_rubric(tmp_path), TOYS)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "solution.py").write_text("x = 1\n", encoding="utf-8")
    RAN.clear()
    report = grade_submission(submission, loaded, LocalSandbox(tmp_path / "cache"))
    assert [(c.id, c.kind, c.score) for c in report.criteria] == [
        ("alone", "lone_toy", 1),
        ("first", "toy", 2),
        ("second", "toy", 3),
    ]
    assert RAN[-1] == "alone" and sorted(RAN) == ["alone", "first", "second"]


def test_a_registered_toy_kind_appears_in_the_schema_and_docs() -> None:
    """The toy's model joins the schema's union and its row the docs table; the default schema is untouched."""
    schema = TOYS.json_schema()
    mapping = schema["properties"]["criteria"]["items"]["discriminator"]["mapping"]  # type: ignore[index]
    assert mapping["toy"] == "#/$defs/ToyCriterion"
    assert "ToyCriterion" in schema["$defs"]  # type: ignore[operator]
    assert "ToyCriterion" not in REGISTRY.json_schema()["$defs"]  # type: ignore[operator]
    assert "| `toy` | nothing | `marker` (toy.cfg) | all the points |" in TOYS.docs_table()


def _numbers(spec: dict[str, object]) -> list[dict[str, object]]:
    """The number and integer schemas in a property (through anyOf and array items)."""
    found = [spec] if spec.get("type") in ("integer", "number") else []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in typing.cast(list[dict[str, object]], spec.get(key, [])):
            found += _numbers(sub)
    items = spec.get("items")
    if spec.get("type") == "array" and isinstance(items, dict):
        found += _numbers(items)
    return found


def test_every_number_a_rubric_can_give_has_an_upper_bound() -> None:
    """Each kind's numeric fields are bounded (`points: 1e308`, `timeout: 10**100` were accepted);
    byte sizes (a number or a `512MiB` text) are bounded by their validator, at 1TiB."""
    schema = REGISTRY.json_schema()
    definitions = [
        ("Rubric", schema),
        *typing.cast(dict[str, dict[str, object]], schema["$defs"]).items(),
    ]
    unbounded = [
        f"{name}.{field}"
        for name, definition in definitions
        for field, spec in typing.cast(
            dict[str, dict[str, object]], definition.get("properties", {})
        ).items()
        for number in _numbers(spec)
        if "maximum" not in number and "exclusiveMaximum" not in number
        if not any(
            "pattern" in option
            for option in typing.cast(list[dict[str, object]], spec.get("anyOf", []))
        )
    ]
    assert unbounded == []
