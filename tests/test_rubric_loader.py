"""Rubric loading: every problem names the file, line, column and field, with the near miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import ROOT, WEEK01

from grader.checks.registry import Rubric
from grader.checks.rubric import load_rubric
from grader.cli import rubric_json_schema
from grader.errors import RubricError

GOOD = """\
id: demo
title: Demo
criteria:
  - {id: style, kind: lint, points: 10}
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "rubric.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_week01_rubric_loads_with_its_digest() -> None:
    """A valid rubric loads, and its sha256 is the digest of the file's bytes."""
    import hashlib

    loaded = load_rubric(WEEK01 / "rubric.yaml")
    assert loaded.rubric.id == "week01-generators"
    assert loaded.rubric.max_score == 100
    assert loaded.sha256 == hashlib.sha256((WEEK01 / "rubric.yaml").read_bytes()).hexdigest()


def test_a_misspelt_field_names_line_column_and_the_near_miss(tmp_path: Path) -> None:
    """`pionts` is reported at its own line and column, with `points` suggested."""
    path = write(
        tmp_path,
        "id: demo\ntitle: Demo\ncriteria:\n  - id: style\n    kind: lint\n    pionts: 10\n",
    )
    found = problems(path)
    assert (
        f"{path}:6:5: criteria[0].pionts: unknown field 'pionts'; did you mean 'points'?" in found
    )
    assert f"{path}:4:5: criteria[0]: missing required field 'points'" in found


def test_an_unknown_kind_suggests_the_nearest(tmp_path: Path) -> None:
    """A criterion kind that does not exist lists the kinds and suggests the near one."""
    path = write(tmp_path, GOOD.replace("kind: lint", "kind: lnit"))
    [message] = problems(path)
    assert message.startswith(f"{path}:4:23: criteria[0].kind: 'lnit' is not one of tests, lint")
    assert message.endswith("did you mean 'lint'?")


def test_a_bad_enum_value_is_located_and_suggested(tmp_path: Path) -> None:
    """A misspelt visibility points at the value and suggests the right word."""
    (tmp_path / "tests").mkdir()
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: tests\n    visibility: hiden\n",
    )
    [message] = problems(path)
    assert (
        message
        == f"{path}:8:17: criteria[0].visibility: 'hiden' is not one of visible, hidden, after_due; did you mean 'hidden'?"
    )


def test_nested_mappings_suggest_from_their_own_model(tmp_path: Path) -> None:
    """Unknown keys inside `per_test` and `submission` are matched against those models' fields."""
    (tmp_path / "tests").mkdir()
    text = "id: d\ntitle: D\nsubmission: {requierd: [a.py]}\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: tests\n    per_test:\n      '*lazy*': {wieght: 2}\n"
    found = problems(write(tmp_path, text))
    assert any(
        "submission.requierd: unknown field 'requierd'; did you mean 'required'?" in line
        for line in found
    )
    assert any(
        ":10:18: criteria[0].per_test.*lazy*.wieght: unknown field 'wieght'; did you mean 'weight'?"
        in line
        for line in found
    )


def test_a_missing_test_folder_is_an_error_at_its_line(tmp_path: Path) -> None:
    """A `tests` path that does not exist beside the rubric is reported where it is written."""
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: nowhere/\n",
    )
    [message] = problems(path)
    assert message.startswith(f"{path}:7:12: criteria[0].tests: tests 'nowhere/': does not exist")


def test_the_paths_of_benchmark_and_test_quality_are_checked_at_their_lines(
    tmp_path: Path,
) -> None:
    """A benchmark's reference and input file, and a test_quality's faults, must be there."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "faults").mkdir()  # empty: no fault folders in it
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n"
        '  - {id: b, kind: benchmark, points: 1, call: "m:f", inputs: "gen.py:make", sizes: [1], max_ratio: 2}\n'
        "  - {id: q, kind: test_quality, points: 1, faults: faults}\n",
    )
    messages = problems(path)
    assert [message.split(": ", 2)[1:] for message in messages] == [
        [
            "criteria[0].inputs",
            f"inputs 'gen.py': does not exist (looked for {tmp_path / 'gen.py'})",
        ],
        [
            "criteria[1].faults",
            f"faults 'faults': holds no fault folders (one subfolder per faulty implementation) (looked for {tmp_path / 'faults'})",
        ],
    ]
    assert messages[0].startswith(f"{path}:4:")


def test_duplicate_keys_are_reported_not_silently_overwritten(tmp_path: Path) -> None:
    """YAML would keep the second of two equal keys; the loader says so."""
    path = write(tmp_path, GOOD + "title: Again\n")
    assert f"{path}:5:1: title: key 'title' appears twice; the second would win" in problems(path)


def test_duplicate_criterion_ids_are_rejected(tmp_path: Path) -> None:
    """Two criteria with one id would make reports ambiguous."""
    path = write(tmp_path, GOOD + "  - {id: style, kind: types, points: 5}\n")
    [message] = problems(path)
    assert "criterion id 'style' is used twice" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: [unclosed\n", "not valid YAML"),
        ("", "the file is empty"),
        (b"id: caf\xe9\n", "not UTF-8 text (byte 0xe9)"),
        ("- just\n- a list\n", "Input should be a valid dictionary"),
        ("id: d\ntitle: D\ncriteria: []\n", "at least 1 item"),
        (
            "id: d\ntitle: D\nlimits: {memory: lots}\ncriteria:\n  - {id: s, kind: lint, points: 1}\n",
            "limits.memory",
        ),
        (
            "id: d\ntitle: D\ncriteria:\n  - {id: s, kind: lint, points: -1}\n",
            "greater than or equal to 0",
        ),
        (
            "id: d\ntitle: D\ncriteria:\n  - {id: s, kind: lint, points: 1}\nlate: {due: 2026-12-01T00:00:00, penalty_per_day: 5, max_days: 1}\n",
            "timezone",
        ),
    ],
)
def test_malformed_rubrics_get_a_clear_message(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    """Each kind of broken rubric raises RubricError naming the file and the problem."""
    path = write(tmp_path, content)
    found = problems(path)
    assert any(expected in line and str(path) in line for line in found), found


def test_a_missing_file_and_a_folder_are_input_errors(tmp_path: Path) -> None:
    """Pointing at nothing, or at a folder, is explained rather than crashing."""
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    assert "is a folder" in problems(tmp_path)[0]


def test_the_shipped_schema_is_in_sync_with_the_models() -> None:
    """rubrics/schema.json is exactly what `grader rubric schema` prints today."""
    shipped = json.loads((ROOT / "rubrics" / "schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(rubric_json_schema()))


def test_every_schema_field_has_a_description() -> None:
    """Editors show a description for every field an instructor can type."""
    schema = Rubric.model_json_schema()
    missing = [
        f"{name}.{field}"
        for name, definition in [("Rubric", schema), *schema["$defs"].items()]
        for field, spec in definition.get("properties", {}).items()
        if "description" not in spec
    ]
    assert missing == []
