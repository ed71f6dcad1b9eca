"""The course configuration: which pull requests are graded against which rubric.

A YAML file (``GRADER_COURSES``), validated like a rubric, with every problem
named by file, line and field::

    assignments:
      - id: week01-generators
        rubric: rubrics/week01-generators/rubric.yaml   # relative to this file
        repositories: ["python-de-2026/*"]              # globs on owner/name
        paths: ["week01/*"]                             # optional: a changed path must match

A pull request is graded against every assignment whose repository glob matches
its base repository and, when the assignment lists ``paths``, one of whose
globs matches a changed file. Globs are ``fnmatch`` patterns, case-insensitive
for repositories (GitHub's names are); ``*`` also crosses ``/``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.errors import RubricError, RubricProblem
from grader.rubric.loader import load_model

_REPOSITORY_GLOB = r"^[A-Za-z0-9_.*?\[\]!-]+/[A-Za-z0-9_.*?\[\]!-]+$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Assignment(_Model):
    """One assignment: its rubric and the pull requests it applies to."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    """Assignment identifier, shown on GitHub and in exports, e.g. `week01-generators`."""
    rubric: Path
    """The rubric file, relative to the course configuration."""
    repositories: tuple[str, ...] = ("*/*",)
    """Globs on `owner/name` of the pull request's base repository."""
    paths: tuple[str, ...] | None = None
    """Globs on changed paths; the pull request must change one. Unset: any change."""

    @field_validator("repositories")
    @classmethod
    def _owner_slash_name(cls, globs: tuple[str, ...]) -> tuple[str, ...]:
        for glob in globs:
            if not re.match(_REPOSITORY_GLOB, glob):
                raise ValueError(f"{glob!r} is not an `owner/name` glob, e.g. `my-course/*`")
        if not globs:
            raise ValueError("list at least one repository glob, e.g. `my-course/*`")
        return globs

    @field_validator("paths")
    @classmethod
    def _some_paths(cls, globs: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if globs is not None and not globs:
            raise ValueError("list at least one path glob, or leave `paths` out")
        return globs


class CourseConfig(_Model):
    """Every assignment the service grades."""

    assignments: tuple[Assignment, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> CourseConfig:
        seen: set[str] = set()
        for assignment in self.assignments:
            if assignment.id in seen:
                raise ValueError(f"assignment id {assignment.id!r} appears twice")
            seen.add(assignment.id)
        return self


@dataclass(frozen=True)
class Route:
    """An assignment a pull request maps to, with its loaded rubric."""

    assignment: Assignment
    loaded: LoadedRubric
    digest: str
    """Digest of the rubric folder (rubric and hidden tests): a change regrades."""

    @property
    def id(self) -> str:
        return self.assignment.id

    def wants(self, changed: Iterable[str]) -> bool:
        """True when the assignment applies to a pull request changing these paths."""
        if self.assignment.paths is None:
            return True
        return any(fnmatchcase(path, glob) for path in changed for glob in self.assignment.paths)


@dataclass(frozen=True)
class Courses:
    """The loaded course configuration."""

    path: Path
    routes: tuple[Route, ...]

    def for_repository(self, repository: str) -> list[Route]:
        """The assignments whose repository globs match ``owner/name``."""
        name = repository.lower()
        return [
            route
            for route in self.routes
            if any(fnmatchcase(name, glob.lower()) for glob in route.assignment.repositories)
        ]

    def get(self, assignment_id: str) -> Route | None:
        return next((route for route in self.routes if route.id == assignment_id), None)


def load_courses(path: Path) -> Courses:
    """Read and validate the course configuration and every rubric it names.

    Raises ``RubricError`` with every problem, each naming its file and line.
    """
    config, _raw, _index = load_model(path, CourseConfig)
    routes: list[Route] = []
    problems: list[RubricProblem] = []
    for number, assignment in enumerate(config.assignments):
        rubric_path = (path.parent / assignment.rubric).resolve()
        if not rubric_path.is_file():
            problems.append(
                RubricProblem(
                    path,
                    None,
                    None,
                    f"assignments[{number}].rubric",
                    f"{assignment.rubric}: no such file (relative to {path.parent})",
                )
            )
            continue
        try:
            loaded = load_rubric(rubric_path)
        except RubricError as exc:
            problems.extend(exc.problems)
            continue
        routes.append(Route(assignment, loaded, folder_digest(loaded.folder)))
    if problems:
        raise RubricError(problems)
    return Courses(path.resolve(), tuple(routes))


def folder_digest(folder: Path, skip: Sequence[str] = ("__pycache__", ".pytest_cache")) -> str:
    """A digest of every file's path and bytes under ``folder``, in a stable order."""
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if not file.is_file() or any(part in skip for part in file.relative_to(folder).parts):
            continue
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()
