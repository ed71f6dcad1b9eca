"""Load a rubric file into the registry's ``Rubric``: every problem at once, at its line.

On top of the generic loader (``grader.rubric.loader``: YAML, positions, pydantic
errors explained), every path a criterion names must be in the rubric's folder,
and each criterion checks the files it reads (a ``test_quality`` criterion's
faults must apply to the reference). Both are asked of the criterion, so no kind
is special here.

A named path must stay inside the rubric folder: relative, without ``..``, and
still inside once symbolic links are resolved (``faults: /`` would otherwise walk
the disk). A criterion whose paths are wrong is not asked about its files. A
Python file that must define a name is parsed, never imported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grader.checks.registry import REGISTRY, CheckRegistry, Rubric
from grader.errors import RubricError, RubricProblem
from grader.rubric.faults import fault_folders
from grader.rubric.loader import load_model, outside_folder
from grader.rubric.model import NamedPath, PathKind
from grader.rubric.positions import PositionIndex, problem_at
from grader.rubric.pyfile import missing_definition


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
    problems = []
    for number, criterion in enumerate(rubric.criteria):
        found = _path_problems(path, index, number, criterion.named_paths())
        problems += found or criterion.rubric_problems(path.parent)
    if problems:
        raise RubricError(problems)
    return LoadedRubric(
        rubric=rubric,
        path=path.resolve(),
        sha256=hashlib.sha256(raw).hexdigest(),
        registry=registry,
    )


def _path_problems(
    path: Path, index: PositionIndex, number: int, named_paths: tuple[NamedPath, ...]
) -> list[RubricProblem]:
    """A criterion's paths that are not in the rubric's folder, each at its line in the file."""
    problems = []
    for named in named_paths:
        target = path.parent / named.path
        try:
            message = outside_folder(path.parent, named.path) or _path_problem(
                target, named.must_be
            )
            if message is None and named.defines is not None:
                message = missing_definition(target, named.defines)
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte
            message = f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
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
