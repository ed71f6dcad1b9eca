"""Load a rubric file into the registry's ``Rubric``: every problem at once, at its line.

On top of the generic loader (``grader.rubric.loader``: YAML, positions, pydantic
errors explained), every path a criterion names must be in the rubric's folder,
and each criterion checks the files it reads (a ``test_quality`` criterion's
faults must apply to the reference). Both are asked of the criterion, so no kind
is special here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grader.checks.registry import REGISTRY, CheckRegistry, Rubric
from grader.errors import RubricError, RubricProblem
from grader.rubric.faults import fault_folders
from grader.rubric.loader import PositionIndex, load_model, problem_at
from grader.rubric.model import PathKind


@dataclass(frozen=True)
class LoadedRubric:
    """A validated rubric with where it came from."""

    rubric: Rubric
    path: Path
    """The rubric file."""
    sha256: str
    """Hex digest of the file's bytes, recorded in every report."""
    registry: CheckRegistry = REGISTRY
    """The kinds the rubric was validated against, which also grade it."""

    @property
    def folder(self) -> Path:
        """The folder that paths in the rubric are relative to."""
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        """A path the rubric names, relative to the rubric file, on the host."""
        return (self.folder / relative).resolve()


def load_rubric(path: Path, registry: CheckRegistry = REGISTRY) -> LoadedRubric:
    """Read, parse and validate a rubric file, raising ``RubricError`` with every problem."""
    rubric, raw, index = load_model(path, registry.rubric)
    problems = _missing_files(path, index, rubric)
    for criterion in rubric.criteria:
        problems += criterion.rubric_problems(path.parent)
    if problems:
        raise RubricError(problems)
    return LoadedRubric(
        rubric=rubric,
        path=path.resolve(),
        sha256=hashlib.sha256(raw).hexdigest(),
        registry=registry,
    )


def _missing_files(path: Path, index: PositionIndex, rubric: Rubric) -> list[RubricProblem]:
    """Paths the rubric names that are not in its folder, each at its line in the file."""
    problems = []
    for number, criterion in enumerate(rubric.criteria):
        for named in criterion.named_paths():
            target = path.parent / named.path
            message = _path_problem(target, named.must_be)
            if message:
                problems.append(
                    problem_at(
                        path,
                        index,
                        ("criteria", number, named.field),
                        f"{named.field} {named.path!r}: {message} (looked for {target})",
                    )
                )
    return problems


def _path_problem(target: Path, want: PathKind) -> str | None:
    """Why ``target`` is not what the rubric needs, or None."""
    if not target.exists():
        return "does not exist"
    if want == "file" and not target.is_file():
        return "is not a file"
    if want in ("folder", "faults") and not target.is_dir():
        return "is not a folder"
    if want == "faults" and not fault_folders(target):
        return "holds no fault folders (one subfolder per faulty implementation)"
    return None
