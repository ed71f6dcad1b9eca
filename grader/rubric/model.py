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

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveInt,
)

from grader.errors import RubricProblem

Visibility = Literal["visible", "hidden", "after_due"]

CriterionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
HttpLink = Annotated[str, Field(pattern=r"^https?://\S+$")]


class RubricModel(BaseModel):
    """A part of the rubric: frozen, closed to unknown keys, described by its attribute docstrings."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Submission(RubricModel):
    """Where the student's files are and which must be there."""

    root: str = "."
    """Folder inside the student's repository that holds this assignment (e.g. `week01`)."""
    required: tuple[str, ...] = ()
    """Files that must exist under `root`; a missing one is reported and its tests fail."""


class Limits(RubricModel):
    """Resource limits for every step run on the student's code."""

    timeout: PositiveInt = 120
    """Wall-clock seconds allowed for each step (one tool run) before it is killed."""
    run_timeout: PositiveInt = 600
    """Wall-clock seconds for the whole grading run; the Docker sandbox is destroyed at this deadline."""
    test_timeout: PositiveInt = 10
    """Seconds allowed for any single test before it fails with a timeout."""
    memory: ByteSize = ByteSize(512 * 1024 * 1024)
    """Memory for the student's code, e.g. `512MiB` or `1GiB`."""
    cpus: float = Field(default=1.0, gt=0, le=64)
    """CPU cores the sandbox may use (enforced by container sandboxes)."""
    pids: PositiveInt = 128
    """Processes and threads the sandbox may hold (enforced by container sandboxes)."""
    disk: ByteSize = ByteSize(256 * 1024 * 1024)
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
    points: NonNegativeFloat
    """Points this criterion is worth."""
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

    weight: NonNegativeFloat = 1.0
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
    max_days: int = Field(ge=0)
    """Days after the deadline that submissions are still accepted; later ones score 0."""
    grace_minutes: int = Field(default=0, ge=0)
    """Minutes after the deadline that still count as on time."""


def days_late(policy: LatePolicy, submitted_at: datetime) -> int:
    """Whole days (a started day counts) between the deadline plus grace and the submission."""
    deadline = policy.due + timedelta(minutes=policy.grace_minutes)
    if submitted_at <= deadline:
        return 0
    late = submitted_at - deadline
    return late.days + (1 if late.seconds or late.microseconds else 0)
