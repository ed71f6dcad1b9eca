"""The rubric: what an instructor writes in YAML, as frozen pydantic models.

Every model forbids unknown keys, every field carries its description (the
attribute docstrings become the JSON Schema that editors use), and criteria
are a union keyed on ``kind``. Loading, with errors that name the file, line,
column and field, lives in ``grader.rubric.loader``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

Visibility = Literal["visible", "hidden", "after_due"]
Severity = Literal["low", "medium", "high"]
Rank = Literal["A", "B", "C", "D", "E", "F"]

SEVERITY_ORDER: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
RANK_ORDER: dict[str, int] = {rank: index for index, rank in enumerate("ABCDEF")}

CriterionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
HttpLink = Annotated[str, Field(pattern=r"^https?://\S+$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Submission(_Model):
    """Where the student's files are and which must be there."""

    root: str = "."
    """Folder inside the student's repository that holds this assignment (e.g. `week01`)."""
    required: tuple[str, ...] = ()
    """Files that must exist under `root`; a missing one is reported and its tests fail."""


class Limits(_Model):
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


class _Criterion(_Model):
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


class TestOverride(_Model):
    """Weight and visibility for the tests whose name matches a glob."""

    __test__ = False  # not a pytest test class, despite the name

    weight: NonNegativeFloat = 1.0
    """Relative weight of each matching test (1 = an ordinary test, 0 = not graded)."""
    visibility: Visibility | None = None
    """Visibility of the matching tests; defaults to the criterion's."""


class TestsCriterion(_Criterion):
    """Run the instructor's hidden pytest tests against the submission."""

    __test__ = False  # not a pytest test class, despite the name

    kind: Literal["tests"]
    """Run pytest on the rubric's tests."""
    tests: str
    """Test file or folder, relative to the rubric file (must exist)."""
    visibility: Visibility = "visible"
    """`visible`: names and messages shown; `hidden`: counts only; `after_due`: hidden until the due date."""
    per_test: dict[str, TestOverride] = Field(default_factory=dict)
    """Overrides by test-name glob (e.g. `"*lazy*": {weight: 2}`); the first matching glob wins."""
    student_tests: str | None = None
    """Also run the student's own tests from this folder under `root` and count them (off by default)."""


class _StaticCriterion(_Criterion):
    include: tuple[str, ...] = ("*.py",)
    """Globs (fnmatch, relative to `root`) of the files to check; `*` also crosses folders."""
    exclude: tuple[str, ...] = ()
    """Globs of files to leave out, e.g. `tests/*`."""


class LintCriterion(_StaticCriterion):
    """Lint with ruff, using the rubric's rules and never the student's configuration."""

    kind: Literal["lint"]
    """Run `ruff check`."""
    select: tuple[str, ...] = ("E", "F")
    """Ruff rule codes or prefixes to enforce, e.g. `[E, F, B, UP]`."""
    ignore: tuple[str, ...] = ()
    """Ruff rule codes or prefixes to leave out."""
    per_violation: NonNegativeFloat = 1.0
    """Points deducted per violation (the score never goes below 0)."""


class TypesCriterion(_StaticCriterion):
    """Type-check with mypy."""

    kind: Literal["types"]
    """Run `mypy`."""
    strict: bool = False
    """Run mypy in `--strict` mode."""
    ignore_missing_imports: bool = True
    """Ignore third-party packages that ship no type information."""
    per_error: NonNegativeFloat = 1.0
    """Points deducted per mypy error (the score never goes below 0)."""


class SecurityCriterion(_StaticCriterion):
    """Scan for security problems with bandit."""

    kind: Literal["security"]
    """Run `bandit`."""
    fail_on: Severity = "medium"
    """Lowest severity that costs points; findings below it are shown as advice."""
    min_confidence: Severity = "low"
    """Lowest bandit confidence that costs points."""
    per_finding: NonNegativeFloat | None = None
    """Points deducted per finding at or above the thresholds; default: all the points."""
    skip: tuple[str, ...] = ()
    """Bandit test ids to skip, e.g. `[B101]`."""


class ComplexityCriterion(_StaticCriterion):
    """Measure cyclomatic complexity and maintainability with radon."""

    kind: Literal["complexity"]
    """Run `radon cc` and `radon mi`."""
    max_rank: Rank = "B"
    """Worst cyclomatic-complexity rank allowed for any function (A best, F worst)."""
    min_maintainability: float | None = Field(default=None, ge=0, le=100)
    """Lowest maintainability index (0-100) allowed for any file; none by default."""
    per_violation: NonNegativeFloat = 1.0
    """Points deducted per function over `max_rank` and per file under `min_maintainability`."""


class CoverageCriterion(_Criterion):
    """Measure how much of the student's code their own tests cover."""

    kind: Literal["coverage"]
    """Run the student's tests under coverage.py."""
    tests: str = "tests"
    """The student's test folder, relative to `root`."""
    min_percent: float = Field(default=80.0, gt=0, le=100)
    """Line coverage that earns full points; below it the points are proportional."""
    branch: bool = False
    """Measure branch coverage too."""
    require_passing: bool = True
    """Score 0 unless the student's own tests pass: coverage by failing tests proves nothing."""


Growth = Literal["constant", "linear", "nlogn", "quadratic", "cubic"]
GROWTH_LIMIT: dict[str, float] = {
    "constant": 0.5,
    "linear": 1.4,
    "nlogn": 1.5,
    "quadratic": 2.5,
    "cubic": 3.5,
}
"""The largest fitted exponent (slope of log time against log size) each growth class allows.

Linear and n log n differ by less than the noise of a few timings (the slope of n log n is
1 + 1/ln n, about 1.08 at n = 100,000), so both allow up to 1.4; quadratic is well above."""

ModuleCall = Annotated[
    str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", examples=["records:total"])
]
FileCall = Annotated[
    str, Field(pattern=r"^[\w./-]+\.py:[A-Za-z_]\w*$", examples=["bench.py:make_input"])
]


def call_file(call: str) -> str:
    """``bench.py:make_input`` -> ``bench.py``."""
    return call.rpartition(":")[0]


class BenchmarkCriterion(_Criterion):
    """Time and memory of a student's function against the reference's, in the same run."""

    kind: Literal["benchmark"]
    """Call the student's function and the reference's on generated inputs, interleaved."""
    call: ModuleCall
    """The function to measure, as `module:function`, imported from the submission and from the reference."""
    inputs: FileCall
    """`file.py:function` in the rubric folder: `function(size)` returns the positional arguments of one call (a tuple)."""
    sizes: tuple[PositiveInt, ...] = Field(min_length=1)
    """Input sizes, ascending; the ratio and the memory are judged at the largest, growth across all (3 or more)."""
    repeat: PositiveInt = Field(default=5, le=50)
    """Timed calls per size and side; the best (fastest) counts."""
    max_ratio: float | None = Field(default=None, gt=0)
    """Most the student's best time may be, as a multiple of the reference's, at the largest size."""
    max_memory: ByteSize | None = None
    """Most memory one call may allocate at its peak (tracemalloc), at the largest size, e.g. `32MiB`."""
    growth: Growth | None = None
    """Worst growth of time with size allowed: `constant`, `linear`, `nlogn`, `quadratic` or `cubic`."""
    call_timeout: float = Field(default=10.0, gt=0)
    """Seconds one call of the student's function may take; a slower call scores 0."""
    compare: FileCall | None = None
    """`file.py:function` in the rubric folder: `function(student_result, reference_result)` is true when they agree; default `==`."""
    reference: str = "reference"
    """The reference solution's folder, relative to the rubric file."""

    @model_validator(mode="after")
    def _measures(self) -> BenchmarkCriterion:
        if not self.measures:
            raise ValueError("give at least one of max_ratio, max_memory and growth")
        if list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError("sizes must be distinct and ascending")
        if self.growth is not None and len(self.sizes) < 3:
            raise ValueError("growth needs at least 3 sizes")
        return self

    @property
    def measures(self) -> tuple[str, ...]:
        """The enabled measures, each worth an equal share of the points."""
        return tuple(
            name
            for name, value in (
                ("time", self.max_ratio),
                ("memory", self.max_memory),
                ("growth", self.growth),
            )
            if value is not None
        )

    @property
    def rubric_files(self) -> tuple[str, ...]:
        """The rubric folder's files the benchmark loads: the input generator's, the comparison's."""
        calls = [self.inputs, *([self.compare] if self.compare else [])]
        return tuple(dict.fromkeys(call_file(call) for call in calls))


class TestQualityCriterion(_Criterion):
    """Grade the student's own tests by the faults they catch."""

    __test__ = False  # not a pytest test class, despite the name

    kind: Literal["test_quality"]
    """Run the student's tests against the reference and against faulty implementations."""
    tests: str = "tests"
    """The student's test folder, relative to `root`."""
    faults: str = "faults"
    """Folder (relative to the rubric file) with one subfolder per faulty implementation: a `fault.yaml` of edits to the reference, and/or files laid over it."""
    reference: str = "reference"
    """The reference solution's folder, relative to the rubric file; the student's tests must pass on it."""


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


Criterion = Annotated[
    TestsCriterion
    | LintCriterion
    | TypesCriterion
    | SecurityCriterion
    | ComplexityCriterion
    | CoverageCriterion
    | BenchmarkCriterion
    | TestQualityCriterion,
    Field(discriminator="kind"),
]
CRITERION_KINDS: tuple[str, ...] = (
    "tests",
    "lint",
    "types",
    "security",
    "complexity",
    "coverage",
    "benchmark",
    "test_quality",
)


class LatePolicy(_Model):
    """How late submissions are penalised."""

    due: AwareDatetime
    """Deadline, with a time zone (e.g. `2026-12-01T23:59:00Z`)."""
    penalty_per_day: float = Field(ge=0, le=100)
    """Percent of the score deducted per day (or part of a day) late."""
    max_days: int = Field(ge=0)
    """Days after the deadline that submissions are still accepted; later ones score 0."""
    grace_minutes: int = Field(default=0, ge=0)
    """Minutes after the deadline that still count as on time."""


class Rubric(_Model):
    """An assignment's grading rubric."""

    id: CriterionId
    """Assignment identifier, e.g. `week01-generators`."""
    title: str
    """Assignment title shown at the top of every report."""
    submission: Submission = Submission()
    """Where the submission is and what it must contain."""
    limits: Limits = Limits()
    """Resource limits for the student's code."""
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    """What is graded, in the order it is reported."""
    late: LatePolicy | None = None
    """Late policy; none means no penalty."""

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        seen: set[str] = set()
        for criterion in criteria:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} is used twice")
            seen.add(criterion.id)
        return criteria

    @property
    def max_score(self) -> float:
        """The most points a submission can earn."""
        return sum(criterion.points for criterion in self.criteria)


def days_late(policy: LatePolicy, submitted_at: datetime) -> int:
    """Whole days (a started day counts) between the deadline plus grace and the submission."""
    deadline = policy.due + timedelta(minutes=policy.grace_minutes)
    if submitted_at <= deadline:
        return 0
    late = submitted_at - deadline
    return late.days + (1 if late.seconds or late.microseconds else 0)
