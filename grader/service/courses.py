"""The course configuration: which pull requests are graded against which rubric.

A YAML file (``GRADER_COURSES``), validated like a rubric, with every problem
named by file, line and field::

    courses:
      - id: python-de-2026
        title: Python Mastery + Data Engineering 2026
        staff:
          owners: [prof-ada]                           # GitHub logins
          instructors: []
          tas: [ta-bob]
          teams: ["python-de-2026/staff"]              # org/team: its members are TAs
        late_days: 5                                   # optional course-wide budget
        canvas: {url: "https://canvas.example.edu", course_id: 1234}   # optional passback
        assignments:
          - id: week01-generators
            rubric: rubrics/week01-generators/rubric.yaml   # relative to this file
            repositories: ["python-de-2026/*"]              # globs on owner/name
            paths: ["week01/*"]                             # optional: a changed path must match
            counts: last_on_time                            # or best, or last
            feedback: {gradings: 5, hours: 24}              # optional feedback budget
            canvas_id: 5678                                 # optional: its Canvas assignment

A file with only a top-level ``assignments:`` list (the first form of this file) is one
course, ``course``, whose staff are the operators (``GRADER_ADMINS``).

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
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.errors import RubricError, RubricProblem
from grader.rubric.loader import load_model

_REPOSITORY_GLOB = r"^[A-Za-z0-9_.*?\[\]!-]+/[A-Za-z0-9_.*?\[\]!-]+$"
_LOGIN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"
_TEAM = r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
LEGACY_COURSE = "course"
"""The id of the one course a file with a top-level ``assignments:`` list describes."""

Counts = Literal["last_on_time", "best", "last"]
"""Which submission of a student counts: the last one on time (falling back to the last
late one when none was on time), the best score, or the last one."""
Role = Literal["owner", "instructor", "ta"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class FeedbackBudget(_Model):
    """How much feedback a student may ask for: ``gradings`` per ``hours`` (a sliding
    window). A push over it is recorded and answered with a neutral check run saying when
    feedback returns; the grade that counts is still computed at the due date."""

    gradings: int = Field(ge=1, le=1000)
    """Gradings a student may have in any window of `hours`, e.g. `5`."""
    hours: float = Field(default=24.0, gt=0, le=24 * 31)
    """The window's length in hours, e.g. `24`."""


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
    counts: Counts = "last_on_time"
    """Which submission counts for the gradebook: `last_on_time`, `best` or `last`."""
    feedback: FeedbackBudget | None = None
    """A feedback budget per student, e.g. `{gradings: 5, hours: 24}`; unset: no limit."""
    canvas_id: int | None = Field(default=None, ge=1)
    """The Canvas assignment the grades are passed back to (with the course's `canvas`)."""

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


class Staff(_Model):
    """Who teaches a course; everyone else who signs in is a student."""

    owners: tuple[str, ...] = ()
    """GitHub logins of the course's owners."""
    instructors: tuple[str, ...] = ()
    """GitHub logins of its instructors."""
    tas: tuple[str, ...] = ()
    """GitHub logins of its teaching assistants."""
    teams: tuple[str, ...] = ()
    """GitHub teams as `org/team-slug`: their members are teaching assistants."""

    @field_validator("owners", "instructors", "tas")
    @classmethod
    def _logins(cls, logins: tuple[str, ...]) -> tuple[str, ...]:
        for login in logins:
            if not re.match(_LOGIN, login):
                raise ValueError(f"{login!r} is not a GitHub login")
        return tuple(login.lower() for login in logins)

    @field_validator("teams")
    @classmethod
    def _teams(cls, teams: tuple[str, ...]) -> tuple[str, ...]:
        for team in teams:
            if not re.match(_TEAM, team):
                raise ValueError(f"{team!r} is not `org/team-slug`")
        return tuple(team.lower() for team in teams)

    def role(self, login: str) -> Role | None:
        """The highest role the login has by name (teams are asked of GitHub at sign-in)."""
        name = login.lower()
        if name in self.owners:
            return "owner"
        if name in self.instructors:
            return "instructor"
        if name in self.tas:
            return "ta"
        return None


class CanvasLink(_Model):
    """Where a course's grades go in Canvas (``grader course canvas push``)."""

    url: str = Field(pattern=r"^https?://[^\s/]+(:\d+)?/?$", max_length=200)
    """The Canvas instance, e.g. `https://canvas.example.edu` (`http://` only on this host:
    the token must not cross a network in clear)."""
    course_id: int = Field(ge=1)
    """The Canvas course's id (the number in its address)."""
    match: Literal["sis_user_id", "email", "login_id"] = "sis_user_id"
    """How a roster student is found among the Canvas course's students: the roster's
    `student_id` as Canvas's `sis_user_id`, the roster's `email`, or the roster's
    `student_id` as Canvas's `login_id`."""

    @field_validator("url")
    @classmethod
    def _https_unless_local(cls, url: str) -> str:
        host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
        if url.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"{url!r}: use https:// (http:// only for 127.0.0.1 or localhost)")
        return url


class Course(_Model):
    """One course: its staff, its late-day budget and its assignments."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    """Course identifier, in the console's addresses, e.g. `python-de-2026`."""
    title: str = Field(min_length=1, max_length=200)
    """The course's name on the console."""
    staff: Staff = Staff()
    late_days: int | None = Field(default=None, ge=0, le=365)
    """A course-wide budget of late days, spent automatically on late work; unset: none."""
    canvas: CanvasLink | None = None
    """Grade passback to Canvas; each assignment names its `canvas_id`."""
    assignments: tuple[Assignment, ...] = ()


class CourseConfig(_Model):
    """Every course and assignment the service grades."""

    courses: tuple[Course, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    """The first form of this file: assignments of one course, `course`."""

    @model_validator(mode="after")
    def _unique_ids(self) -> CourseConfig:
        if self.courses and self.assignments:
            raise ValueError("list assignments under `courses:`, or only `assignments:`, not both")
        seen: set[str] = set()
        for assignment in self.all_assignments():
            if assignment.id in seen:
                raise ValueError(f"assignment id {assignment.id!r} appears twice")
            seen.add(assignment.id)
        course_ids = [course.id for course in self.courses]
        if len(set(course_ids)) != len(course_ids):
            raise ValueError("a course id appears twice")
        return self

    def all_courses(self) -> tuple[Course, ...]:
        """The courses, the first form of the file read as one course."""
        if self.courses:
            return self.courses
        return (Course(id=LEGACY_COURSE, title="Course", assignments=self.assignments),)

    def all_assignments(self) -> list[Assignment]:
        return [assignment for course in self.all_courses() for assignment in course.assignments]


@dataclass(frozen=True)
class Route:
    """An assignment a pull request maps to, with its loaded rubric."""

    assignment: Assignment
    loaded: LoadedRubric
    digest: str
    """Digest of the rubric folder (rubric and hidden tests): a change regrades."""
    course: str = LEGACY_COURSE
    """The id of the course the assignment belongs to."""

    @property
    def id(self) -> str:
        return self.assignment.id

    @property
    def due(self) -> datetime | None:
        """The rubric's deadline (its late policy's ``due``); None without a late policy."""
        late = self.loaded.rubric.late
        return late.due if late is not None else None

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
    courses: tuple[Course, ...] = ()
    """Every course (the first form of the file: one, ``course``)."""

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

    def course(self, course_id: str) -> Course | None:
        return next((course for course in self.courses if course.id == course_id), None)

    def course_routes(self, course_id: str) -> list[Route]:
        """The course's assignments that loaded, in the file's order."""
        return [route for route in self.routes if route.course == course_id]


def load_courses(path: Path) -> Courses:
    """Read and validate the course configuration and every rubric it names.

    Raises ``RubricError`` with every problem, each naming its file and line.
    """
    config, _raw, _index = load_model(path, CourseConfig)
    routes: list[Route] = []
    problems: list[RubricProblem] = []
    for field, course, number, assignment in _numbered(config):
        rubric_path = (path.parent / assignment.rubric).resolve()
        if not rubric_path.is_file():
            problems.append(
                RubricProblem(
                    path,
                    None,
                    None,
                    f"{field}assignments[{number}].rubric",
                    f"{assignment.rubric}: no such file (relative to {path.parent})",
                )
            )
            continue
        try:
            loaded = load_rubric(rubric_path)
        except RubricError as exc:
            problems.extend(exc.problems)
            continue
        routes.append(Route(assignment, loaded, folder_digest(loaded.folder), course.id))
    if problems:
        raise RubricError(problems)
    return Courses(path.resolve(), tuple(routes), config.all_courses())


def _numbered(config: CourseConfig) -> Iterable[tuple[str, Course, int, Assignment]]:
    """Each assignment with its course and where it sits in the file."""
    if not config.courses:
        course = config.all_courses()[0]
        for number, assignment in enumerate(config.assignments):
            yield "", course, number, assignment
        return
    for index, course in enumerate(config.courses):
        for number, assignment in enumerate(course.assignments):
            yield f"courses[{index}].", course, number, assignment


def folder_digest(folder: Path, skip: Sequence[str] = ("__pycache__", ".pytest_cache")) -> str:
    """A digest of every file's path and bytes under ``folder``, in a stable order."""
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if not file.is_file() or any(part in skip for part in file.relative_to(folder).parts):
            continue
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()
