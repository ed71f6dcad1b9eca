"""What grading produces: findings, test outcomes, criterion results and the report.

These models are the stable, versioned JSON report (``grader.report/v1``):
fields may be added in a minor change, never renamed or removed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError

REPORT_SCHEMA = "grader.report/v1"


def readable(text: str) -> str:
    """``text`` with any byte that was not UTF-8 (a lone surrogate, from ``surrogateescape``)
    written as ``\\xe9``, so that a file name a student's system made can be shown and
    serialised; valid text is returned as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that was never a byte: written as \udxxx
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


Severity = Literal["error", "warning", "info"]
Outcome = Literal["passed", "failed", "error", "skipped"]
CriterionStatus = Literal["graded", "error", "tool_error"]
"""``graded``: scored normally. ``error``: the submission kept the check from running
(timeout, crash, missing code), scored 0 and explained. ``tool_error``: the grader's own
tool failed; scored 0 provisionally and the platform is at fault (CLI exit code 3)."""
ReportStatus = Literal["graded", "incomplete"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Finding(_Result):
    """One problem a tool found at a place in the student's code."""

    path: str
    """File, relative to the submission root."""
    line: int | None = None
    """1-based line, when the tool gives one."""
    col: int | None = None
    """1-based column, when the tool gives one."""
    code: str
    """The tool's rule or error code, e.g. `F401`, `arg-type`, `B307`, `cc-rank`."""
    message: str
    """What is wrong, in the tool's words."""
    severity: Severity
    """`error` and `warning` cost points; `info` is advice below the rubric's threshold."""


class TestResult(_Result):
    """The outcome of one test."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    """Test id, e.g. `test_records.py::test_parse_skips_comments`."""
    outcome: Outcome
    """`passed`, `failed`, `error` (could not run) or `skipped`."""
    message: str | None = None
    """The assertion or error message of a test that did not pass."""
    duration: float = 0.0
    """Seconds the test took."""
    weight: float = 1.0
    """Weight of the test in its criterion's score."""
    hidden: bool = False
    """True when the test's name and message are withheld from the student."""
    visibility: Literal["visible", "names", "hidden"] = "visible"
    """What the student may read of it (the rubric's `visibility` at grading time): all of
    it, its name and a one-line message, or its outcome only. A report graded for the
    instructor keeps everything; ``grader.report.redact`` makes the student's view."""


class CriterionResult(_Result):
    """The score of one rubric criterion and why."""

    id: str
    kind: str
    title: str
    score: float
    max_score: float
    status: CriterionStatus = "graded"
    summary: str
    """One line: what was found."""
    explanation: str
    """How the points were computed, e.g. `10 - 1 x 3 violations = 7`."""
    findings: tuple[Finding, ...] = ()
    tests: tuple[TestResult, ...] = ()
    hint: str | None = None
    """Shown when points were lost."""
    learn_more: str | None = None
    """Shown with the hint."""
    metrics: dict[str, float] = {}
    """Numbers behind the score, e.g. `{"percent_covered": 83.3}`."""
    details: tuple[str, ...] = ()
    """Lines that show the measurements behind the score (a benchmark's timings, the faults
    a student's tests missed), printed as they are, in a fixed-width block."""
    verdict: str | None = None
    """How the step that ran the student's code ended: passed, failed, timeout, memory limit,
    process limit, disk full, output truncated or crashed (signal N); None for static checks."""

    @property
    def lost_points(self) -> bool:
        """True when the criterion scored below its maximum."""
        return self.score < self.max_score


class LateInfo(_Result):
    """The late penalty applied to the total."""

    submitted_at: datetime
    due: datetime
    days_late: int
    penalty_percent: float
    """Percent of the score deducted."""
    accepted: bool
    """False when past the last accepted day: the score is 0."""


class RubricInfo(_Result):
    id: str
    title: str
    sha256: str
    """Digest of the rubric file's bytes."""


class SubmissionInfo(_Result):
    root: str
    """The folder that was graded."""
    files: tuple[str, ...]
    """Python files found, relative to the root."""
    problems: tuple[Finding, ...] = ()
    """Problems with the submission itself: missing files, syntax errors, encodings."""


class Report(_Result):
    """A graded submission."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, populate_by_name=True
    )

    schema_: str = Field(default=REPORT_SCHEMA, alias="schema")
    """Report format and version: `grader.report/v1`."""
    score: float
    max_score: float
    status: ReportStatus
    """`graded`: every criterion ran; `incomplete`: some could not and scored 0 (see each)."""
    rubric: RubricInfo
    submission: SubmissionInfo
    criteria: tuple[CriterionResult, ...]
    late: LateInfo | None = None
    tools: dict[str, str]
    """Versions of the grading tools that ran, e.g. `{"ruff": "0.17.6"}`."""
    sandbox: dict[str, str]
    """Which sandbox ran the code, e.g. `{"kind": "local"}`."""
    grader_version: str
    graded_at: datetime
    duration: float
    """Seconds the grading took."""

    @property
    def platform_failed(self) -> bool:
        """True when a grading tool itself failed: the score is provisional."""
        return any(criterion.status == "tool_error" for criterion in self.criteria)

    def to_json(self) -> str:
        """The versioned JSON document, with ``schema`` first; a name that is not UTF-8 (which
        JSON cannot hold) is written readably, its stray bytes as ``\\xe9``."""
        try:
            return self.model_dump_json(by_alias=True, indent=2)
        except PydanticSerializationError:
            return json.dumps(
                _readable_strings(self.model_dump(mode="json", by_alias=True)),
                indent=2,
                ensure_ascii=False,
            )


def _readable_strings(value: Any) -> Any:
    """``value`` (plain JSON data) with every string, key or value, made ``readable``."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, dict):
        return {readable(key): _readable_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable_strings(item) for item in value]
    return value
