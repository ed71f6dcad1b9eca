"""The rubric: what an instructor writes in YAML, as frozen pydantic models.

Every model forbids unknown keys and every field carries its description (the
attribute docstrings become the JSON Schema that editors use). This module holds
what every check kind shares and what the layers below the checks need; each
kind's own criterion model lives in its check module (``grader.checks.*``), and
the registry (``grader.checks.registry``) builds the ``Rubric`` with its union
of criteria keyed on ``kind``. The generic loader, whose errors name the file,
line, column and field, is ``grader.rubric.loader``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveInt,
)

from grader.errors import RubricProblem

Visibility = Literal["visible", "names", "hidden", "after_due"]

CriterionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
HttpLink = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2048)]

MAX_POINTS = 10_000.0
"""Most points one criterion (or one deduction) may be worth; a course uses 100 or 1,000."""
PointCount = Annotated[float, Field(ge=0, le=MAX_POINTS)]
"""A number of points: at least 0, at most ``MAX_POINTS``."""

MAX_BYTES = 1024**4
_BINARY_UNITS = {"b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_ANY_UNITS = {**_BINARY_UNITS, "pib": 1024**5, "eib": 1024**6}
_SIZE_TEXT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


def _binary_units_only(value: object) -> object:
    """Refuse `512MB`: MB (10**6) or MiB (2**20) is a guess an instructor should not leave to us."""
    if not isinstance(value, str):
        return value
    match = _SIZE_TEXT.fullmatch(value)
    if match is None or match.group(2).lower() in ("", *_ANY_UNITS):
        return value  # ByteSize explains anything else
    number, unit = match.groups()
    binary = {"k": "KiB", "m": "MiB", "g": "GiB", "t": "TiB"}.get(unit[0].lower())
    if binary is None:
        raise ValueError(f"unknown unit {unit!r}: use B, KiB, MiB, GiB or TiB")
    decimal = float(number) * 1000 ** ("kmgt".index(unit[0].lower()) + 1)
    raise ValueError(
        f"{value.strip()!r} is in decimal units ({decimal / 1024**2:,.1f}MiB); "
        f"write binary units, e.g. {number}{binary} (KiB, MiB, GiB, TiB: powers of 1024)"
    )


def _at_most_one_tib(value: ByteSize) -> ByteSize:
    if value > MAX_BYTES:
        raise ValueError(f"{value / 1024**2:,.0f}MiB is more than the most allowed, 1TiB")
    if value < 1:
        raise ValueError("must be at least 1 byte")
    return value


def _at_least_16_mib(value: ByteSize) -> ByteSize:
    # 0 would mean "no limit" to Docker, and a few KiB cannot start an interpreter
    if value < MIN_SANDBOX_BYTES:
        raise ValueError(f"{value / 1024**2:,.2f}MiB is less than the least allowed, 16MiB")
    return value


MIN_SANDBOX_BYTES = 16 * 1024**2
Bytes = Annotated[ByteSize, BeforeValidator(_binary_units_only), AfterValidator(_at_most_one_tib)]
"""A size in bytes, written in binary units (`512MiB`, `1GiB`, or a number of bytes), at most 1 TiB."""
SandboxBytes = Annotated[Bytes, AfterValidator(_at_least_16_mib)]
"""A sandbox's memory or disk: a size of at least 16 MiB."""

MAX_PATH_CHARS = 1024


def _relative_path(value: str) -> str:
    """A path that stays inside its folder: relative, no `..`, no component over 255 bytes."""
    path = PurePosixPath(value)
    if path.is_absolute() or value.startswith("~"):
        raise ValueError(f"{value!r} is absolute: give a path relative to its folder")
    if ".." in path.parts:
        raise ValueError(f"{value!r} leaves its folder (`..`): give a path inside it")
    if any(len(part.encode()) > 255 for part in path.parts):
        raise ValueError("a path component is longer than 255 bytes")
    return value


RelativePath = Annotated[str, Field(max_length=MAX_PATH_CHARS), AfterValidator(_relative_path)]
"""A path inside its folder (the rubric's, or the submission's root): relative, without `..`."""


class RubricModel(BaseModel):
    """A part of the rubric: frozen, closed to unknown keys, described by its attribute docstrings."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False
    )


class Submission(RubricModel):
    """Where the student's files are and which must be there."""

    root: RelativePath = "."
    """Folder inside the student's repository that holds this assignment (e.g. `week01`)."""
    required: tuple[RelativePath, ...] = Field(default=(), max_length=100)
    """Files that must exist under `root`; a missing one is reported and its tests fail."""


class Limits(RubricModel):
    """Resource limits for every step run on the student's code."""

    timeout: PositiveInt = Field(default=120, le=86_400)
    """Wall-clock seconds allowed for each step (one tool run) before it is killed (at most a day)."""
    run_timeout: PositiveInt = Field(default=600, le=86_400)
    """Wall-clock seconds for the whole grading run; the Docker sandbox is destroyed at this deadline."""
    test_timeout: PositiveInt = Field(default=10, le=3_600)
    """Seconds allowed for any single test before it fails with a timeout (at most an hour)."""
    memory: SandboxBytes = ByteSize(512 * 1024 * 1024)
    """Memory for the student's code, in binary units: e.g. `512MiB` or `1GiB` (at most 1TiB)."""
    cpus: float = Field(default=1.0, gt=0, le=64)
    """CPU cores the sandbox may use (enforced by container sandboxes)."""
    pids: PositiveInt = Field(default=128, le=100_000)
    """Processes and threads the sandbox may hold (enforced by container sandboxes)."""
    disk: SandboxBytes = ByteSize(256 * 1024 * 1024)
    """Writable space for the run, e.g. `256MiB`: the largest file, and the size of `/tmp` and of the work folder (container sandboxes)."""


PathKind = Literal["exists", "file", "folder", "faults"]


@dataclass(frozen=True)
class NamedPath:
    """A path a criterion names, relative to the rubric file, checked when the rubric is loaded."""

    field: str
    """The criterion's field that names it, where a problem is reported."""
    path: str
    """The path, relative to the rubric file."""
    must_be: PathKind
    """`exists`; a `file`; a `folder`; or a folder of `faults` (one subfolder per fault)."""
    defines: str | None = None
    """A name the file (Python) must define at its top level, found by parsing it, never importing."""


class CriterionBase(RubricModel):
    """What every criterion has; each check kind's model adds its ``kind`` and its settings."""

    if TYPE_CHECKING:  # each kind declares it as a Literal, so the union can be keyed on it
        kind: str

    runs_alone: ClassVar[bool] = False
    """Run after every other criterion, one at a time with nothing else running (a benchmark:
    no grading step may compete with the code being timed)."""

    id: CriterionId
    """Stable identifier, unique within the rubric (lower case, digits, `-`, `_`)."""
    title: str | None = None
    """Heading shown to students; defaults to the id."""
    points: PointCount
    """Points this criterion is worth (at most 10,000)."""
    hint: str | None = None
    """Advice shown to the student when points are lost."""
    learn_more: HttpLink | None = None
    """Link to course material, shown with the hint when points are lost."""

    @property
    def heading(self) -> str:
        """The title, or the id when the rubric gives no title."""
        return self.title or self.id

    def named_paths(self) -> tuple[NamedPath, ...]:
        """The paths in the rubric folder this criterion reads; a missing one fails the load."""
        return ()

    def rubric_problems(self, folder: Path) -> list[RubricProblem]:
        """Problems in the rubric folder's files beyond their being there (e.g. a fault that
        does not apply), found when the rubric is loaded; ``folder`` holds the rubric file."""
        return []


class TestOverride(RubricModel):
    """Weight and visibility for the tests whose name matches a glob."""

    __test__ = False  # not a pytest test class, despite the name

    weight: NonNegativeFloat = Field(default=1.0, le=1_000)
    """Relative weight of each matching test (1 = an ordinary test, 0 = not graded)."""
    visibility: Visibility | None = None
    """Visibility of the matching tests; defaults to the criterion's."""


class StaticCriterion(CriterionBase):
    """A criterion that reads the submission's files without running them, chosen by globs."""

    include: tuple[str, ...] = ("*.py",)
    """Globs (fnmatch, relative to `root`) of the files to check; `*` also crosses folders."""
    exclude: tuple[str, ...] = ()
    """Globs of files to leave out, e.g. `tests/*`."""


class FaultEdit(BaseModel):
    """One change to a file of the reference."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    file: str = Field(min_length=1)
    """The file to change, relative to the reference folder."""
    replace: str = Field(min_length=1)
    """Text that occurs exactly once in that file (after the edits listed before this one)."""
    with_: str = Field(alias="with")
    """What that text becomes (empty to delete it)."""


class FaultSpec(BaseModel):
    """A fault folder's `fault.yaml`: a faulty implementation as edits to the reference."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    description: str = Field(min_length=1)
    """What the faulty implementation gets wrong, in a sentence; shown to students who miss it."""
    edits: list[FaultEdit] = Field(default_factory=list)
    """The changes, made in order; files beside `fault.yaml` are laid over the reference as well."""


class LatePolicy(RubricModel):
    """How late submissions are penalised."""

    due: AwareDatetime
    """Deadline, with a time zone (e.g. `2026-12-01T23:59:00Z`)."""
    penalty_per_day: float = Field(ge=0, le=100)
    """Percent of the score deducted per day (or part of a day) late."""
    max_days: int = Field(ge=0, le=3_650)
    """Days after the deadline that submissions are still accepted; later ones score 0."""
    grace_minutes: int = Field(default=0, ge=0, le=525_600)
    """Minutes after the deadline that still count as on time."""


def days_late(policy: LatePolicy, submitted_at: datetime) -> int:
    """Whole days (a started day counts) between the deadline plus grace and the submission."""
    deadline = policy.due + timedelta(minutes=policy.grace_minutes)
    if submitted_at <= deadline:
        return 0
    late = submitted_at - deadline
    return late.days + (1 if late.seconds or late.microseconds else 0)
