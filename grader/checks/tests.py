"""``tests``: the rubric's hidden pytest tests, read back from JUnit XML.

The hidden tests are copied in for this step only, run with the grader's
pytest configuration (``-c``), and fenced off from the student's
``conftest.py`` (``--confcutdir``); plugins are not auto-loaded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from grader.checks.base import (
    ISOLATED_PYTHON,
    JUNIT_OPTIONS,
    PYTEST_ENV,
    PYTEST_FILES,
    CheckContext,
    failed,
    first_line,
    pytest_options,
    result,
    size_text,
    step_result,
    stopped_summary,
    verdict_note,
)
from grader.checks.junit import IMPORT_FAILED, JUnitCase, display_name, parse_junit, test_ids
from grader.checks.kind import CheckKind
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult, TestResult
from grader.report.redact import redact_test
from grader.report.wording import plural
from grader.rubric.model import (
    CriterionBase,
    Limits,
    NamedPath,
    RelativePath,
    TestOverride,
    Visibility,
)
from grader.sandbox.protocol import RunOutput
from grader.scoring import WeightedOutcome, override_for, share_passed


class TestsCriterion(CriterionBase):
    """Run the instructor's hidden pytest tests against the submission."""

    __test__ = False  # not a pytest test class, despite the name

    kind: Literal["tests"]
    """Run pytest on the rubric's tests."""
    tests: str
    """Test file or folder, relative to the rubric file (must exist)."""
    visibility: Visibility = "names"
    """`names`: each test's name and a one-line message, never its source or your output; `visible`: the whole failure, assertion source included; `hidden`: counts only; `after_due`: hidden until the due date, then visible."""
    per_test: dict[str, TestOverride] = Field(default_factory=dict)
    """Overrides by test-name glob (e.g. `"*lazy*": {weight: 2}`); the first matching glob wins."""
    student_tests: RelativePath | None = None
    """Also run the student's own tests from this folder under `root` and count them (off by default)."""

    def named_paths(self) -> tuple[NamedPath, ...]:
        """The hidden tests."""
        return (NamedPath("tests", self.tests, "exists"),)


TEST_TIMEOUT = "from pytest-timeout"
"""How pytest-timeout ends the message of a test it stopped: `Failed: Timeout (>3.0s) from pytest-timeout.`"""
MISSING_MESSAGE = "did not run: the test session ended before reaching it (counted as failed)"
PYTEST_EXIT_OK, PYTEST_EXIT_FAILED = 0, 1


def tests_command(
    criterion: TestsCriterion, test_dir: str, junit: str, test_timeout: int
) -> tuple[str, ...]:
    """pytest on the hidden tests with the submission importable from the working folder."""
    return (
        *ISOLATED_PYTHON,
        "-m",
        "pytest",
        *pytest_options(test_timeout),
        *JUNIT_OPTIONS,
        "--junitxml",
        f"../{junit}",
        "--rootdir",
        "../grader",
        "--confcutdir",
        f"../{test_dir}",
        f"../{test_dir}",
    )


def graded_tests(
    cases: Iterable[JUnitCase],
    criterion: TestsCriterion,
    *,
    prefix: str,
    static_counts: Mapping[str, int],
    hidden_now: bool,
) -> tuple[list[TestResult], list[WeightedOutcome]]:
    """Report entries and weighted outcomes; a module that failed to import counts as all its tests failing."""
    reported: list[TestResult] = []
    outcomes: list[WeightedOutcome] = []
    for case in cases:
        name = display_name(case, prefix)
        override = override_for(name, criterion.per_test)
        weight = override.weight if override else 1.0
        if case.collection_error:
            weight *= static_counts.get(name.split(" ", 1)[0], 1)
        level = test_visibility(name, criterion, hidden_now)
        reported.append(
            TestResult(
                name=name,
                outcome=case.outcome,
                message=case.message,
                duration=round(case.duration, 3),
                weight=weight,
                hidden=level == "hidden",
                visibility=level,
            )
        )
        outcomes.append(WeightedOutcome(name=name, weight=weight, passed=case.outcome == "passed"))
    return reported, outcomes


def test_visibility(
    name: str, criterion: TestsCriterion, hidden_now: bool
) -> Literal["visible", "names", "hidden"]:
    """What a student sees of one hidden test: all of it, its name and one line, or its outcome."""
    override = override_for(name, criterion.per_test)
    visibility = override.visibility if override and override.visibility else criterion.visibility
    if visibility == "after_due":
        return "hidden" if hidden_now else "visible"
    return visibility


def _static_tests(tests_path: Path) -> dict[str, list[str]]:
    """The hidden tests' files and the tests each defines, read without running them."""
    files = [tests_path] if tests_path.is_file() else sorted(tests_path.rglob("test*.py"))
    base = tests_path.parent if tests_path.is_file() else tests_path
    return {
        path.relative_to(base).as_posix(): test_ids(
            path.read_text(encoding="utf-8", errors="replace")
        )
        for path in files
    }


def missing_tests(
    static: Mapping[str, list[str]], cases: Iterable[JUnitCase], prefix: str
) -> list[JUnitCase]:
    """Tests defined in the hidden files that the report does not mention: they count as failed.

    pytest reports every test it collects, so a missing one means the session
    was cut short or tampered with.
    """
    seen: set[str] = set()
    broken: set[str] = set()
    for case in cases:
        name = display_name(case, prefix)
        if case.collection_error:
            broken.add(name.split(" ", 1)[0])
        seen.add(name.split("[", 1)[0])
    missing: list[JUnitCase] = []
    for file, ids in static.items():
        if file in broken:
            continue
        for test_id in ids:
            if f"{file}::{test_id}" not in seen:
                parts = test_id.split("::")
                module = ".".join([prefix, *file.removesuffix(".py").split("/"), *parts[:-1]])
                missing.append(JUnitCase(module, parts[-1], "failed", MISSING_MESSAGE, 0.0))
    return missing


class _StepFailed(Exception):
    """A pytest run that produced no usable report."""

    def __init__(self, summary: str, *, tool_fault: bool, verdict: str | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.tool_fault = tool_fault
        self.verdict = verdict


@dataclass(frozen=True)
class _Session:
    """One pytest session's test cases and how its step ended."""

    cases: list[JUnitCase]
    run: RunOutput


def _pytest_cases(
    ctx: CheckContext,
    argv: tuple[str, ...],
    junit: str,
    what: str,
    *,
    quote: bool = True,
    prefix: str | None = "",
) -> _Session:
    """Run one pytest session on the student's code and read its JUnit report.

    The report file is removed before the step, so only this session can have
    written it; a report that is missing, unreadable, empty, or whose outcome
    disagrees with pytest's exit code (e.g. an ``os._exit(0)`` after failures)
    cannot be trusted and scores nothing. ``quote=False`` keeps the step's
    output out of the summary: the student's code could print the hidden tests. ``prefix`` is
    the folder the tests' names are shown relative to, None when no name may be shown.
    """
    run = ctx.workspace.run(ctx.command(*argv, student_code=True, env=PYTEST_ENV, outputs=(junit,)))
    said = f": {first_line(run)}" if quote else ""
    verdict = "failed" if run.verdict == "passed" else run.verdict
    xml = step_result(ctx, run, junit)
    if xml is None:
        stopped = stopped_summary(run, what, ctx.limits)
        raise _StepFailed(
            stopped
            or f"{what} ended without a report (exit code {run.exit_code}), so no result can be trusted{said}",
            tool_fault=False,
            verdict=verdict,
        )
    session = _Stopped(what, ctx.limits, prefix)
    return _Session(_trusted_cases(xml, run, session, said, verdict), run)


@dataclass(frozen=True)
class _Stopped:
    """What a summary may say about a session whose step the sandbox stopped."""

    what: str
    limits: Limits
    prefix: str | None
    """The folder test names are shown relative to; None: no test may be named."""


RUNAWAY_SIGNS = ("RecursionError", "MemoryError", "maximum recursion depth", "Recursion detected")
"""What a failure's message says when a test recursed without end or ate the memory."""
FRAME = re.compile(r"^\s*([\w./-]+\.py):\d+: in (\w+)", re.MULTILINE)
"""A frame of pytest's short traceback: ``records.py:14: in down``."""


def runaway(cases: Iterable[JUnitCase], prefix: str | None) -> str:
    """`` in down() (records.py), reached from test_x.py::test_y`` for the first test whose failure
    shows a recursion or an exhausted memory (the frame that repeats most), else ``""``."""
    for case in cases:
        message = case.message or ""
        if case.outcome == "passed" or not any(sign in message for sign in RUNAWAY_SIGNS):
            continue
        frames = Counter(FRAME.findall(message)).most_common(1)
        place = (
            f" in {frames[0][0][1]}() ({frames[0][0][0]})" if frames and frames[0][1] > 1 else ""
        )
        if prefix is None:
            return place
        test = display_name(case, prefix)
        return f"{place}, reached from {test}" if place else f" in {test}"
    return ""


def untrusted_summary(run: RunOutput, cases: list[JUnitCase], session: _Stopped, claim: str) -> str:
    """Why a report that disagrees with how pytest ended scores nothing. A step the sandbox
    stopped (a limit, a signal) says which, and where the report shows it happening; only a
    step that ended by itself is suspected of forging its report."""
    what = session.what
    stopped = stopped_summary(run, what, session.limits)
    if stopped is None:
        return (
            f"{what} cannot be trusted: the report says {claim} but pytest ended with "
            f"{run.verdict} (exit code {run.exit_code}); nothing is counted"
        )
    where = runaway(cases, session.prefix)
    if run.verdict == "memory limit":
        stopped = (
            f"{what} reached the memory limit ({size_text(int(session.limits.memory))}), "
            f"likely through unbounded recursion{where}"
        )
    else:
        stopped += where
    return f"{stopped}; pytest was stopped before finishing its report, so no test is counted"


def _trusted_cases(
    xml: bytes, run: RunOutput, session: _Stopped, said: str, verdict: str
) -> list[JUnitCase]:
    """The report's cases, if the report is readable, not empty, and agrees with pytest's exit code."""
    what = session.what
    try:
        cases = parse_junit(xml)
    except ToolOutputError:
        raise _StepFailed(
            f"{what} left an unreadable report (was it overwritten?), so no result can be trusted",
            tool_fault=False,
            verdict=verdict,
        ) from None
    if not cases:
        raise _StepFailed(
            f"no tests ran in {what} (pytest exit code {run.exit_code}){said}",
            tool_fault=False,
            verdict=verdict,
        )
    all_passed = all(case.outcome in ("passed", "skipped") for case in cases)
    if run.exit_code != (PYTEST_EXIT_OK if all_passed else PYTEST_EXIT_FAILED):
        claim = "all passed" if all_passed else "some failed"
        raise _StepFailed(
            untrusted_summary(run, cases, session, claim),
            tool_fault=False,
            verdict=verdict,
        )
    return cases


def _hidden_cases(
    criterion: TestsCriterion, ctx: CheckContext, source: Path, folder: str
) -> _Session:
    """The hidden tests enter the workspace for this step only, while no other student step runs."""
    test_dir = f"grader/{folder}"
    junit = f"out/junit-{criterion.id}.xml"
    with ctx.workspace.exclusive():
        ctx.workspace.add_tree(source, test_dir if source.is_dir() else f"{test_dir}/{source.name}")
        try:
            argv = tests_command(criterion, test_dir, junit, ctx.limits.test_timeout)
            quote = criterion.visibility == "visible" and not criterion.per_test
            named = ctx.show_hidden or (
                criterion.visibility in ("visible", "names")
                and not any(
                    o.visibility not in (None, "visible", "names")
                    for o in criterion.per_test.values()
                )
            )
            return _pytest_cases(
                ctx, argv, junit, "the tests", quote=quote, prefix=folder if named else None
            )
        finally:
            ctx.workspace.remove(test_dir)


def student_tests_command(folder: str, junit: str, test_timeout: int) -> tuple[str, ...]:
    """The student's own tests in a session of their own, so their conftest.py never sees the hidden ones."""
    return (
        *ISOLATED_PYTHON, "-m", "pytest", *pytest_options(test_timeout), *JUNIT_OPTIONS,
        "--junitxml", f"../{junit}", "--rootdir", ".", folder,
    )  # fmt: skip


@dataclass(frozen=True)
class _Graded:
    """What the sessions of one criterion produced, ready to score."""

    tests: list[TestResult]
    outcomes: list[WeightedOutcome]
    cases: list[JUnitCase]
    runs: list[RunOutput]


def _grade_sessions(criterion: TestsCriterion, ctx: CheckContext) -> _Graded:
    """The hidden tests' session, then the student's own when the rubric asks for it."""
    source = ctx.loaded.resolve(criterion.tests)
    folder = f"tests-{criterion.id}"
    late = ctx.loaded.rubric.late
    session = _hidden_cases(criterion, ctx, source, folder)
    static = _static_tests(source)
    cases = session.cases + missing_tests(static, session.cases, folder)
    hidden_now = late is None or ctx.now < late.due
    tests, outcomes = graded_tests(
        cases,
        criterion,
        prefix=folder,
        static_counts={file: max(len(ids), 1) for file, ids in static.items()},
        hidden_now=hidden_now,
    )
    if not ctx.show_hidden:  # the student's own tests, added below, are theirs to read in full
        tests = redact(tests, criterion, hidden_now)
    graded = _Graded(tests, outcomes, cases, [session.run])
    if criterion.student_tests:
        junit = f"out/junit-{criterion.id}-student.xml"
        argv = student_tests_command(
            criterion.student_tests.strip("/"), junit, ctx.limits.test_timeout
        )
        own = _pytest_cases(ctx, argv, junit, "your tests")
        visible = criterion.model_copy(update={"visibility": "visible", "per_test": {}})
        own_tests, own_outcomes = graded_tests(
            own.cases, visible, prefix="", static_counts={}, hidden_now=False
        )
        graded = _Graded(
            tests + own_tests, outcomes + own_outcomes, cases + own.cases, [session.run, own.run]
        )
    return graded


def _verdict(graded: _Graded, limits: Limits) -> tuple[str, str]:
    """The criterion's verdict and what to add to its summary about it."""
    runs = graded.runs
    unusual = next((run for run in runs if run.verdict not in ("passed", "failed")), runs[0])
    note, verdict = verdict_note(unusual, limits), unusual.verdict
    timeouts = sum(1 for case in graded.cases if case.message and TEST_TIMEOUT in case.message)
    if timeouts and verdict in ("passed", "failed"):
        verdict = "timeout"
        note += f"; {plural(timeouts, 'test')} ran past the {limits.test_timeout} s limit (timeout)"
    return verdict, note


def run_tests(criterion: TestsCriterion, ctx: CheckContext) -> CriterionResult:
    """Run the hidden tests (and the student's, if the rubric says so) and score the share passed."""
    try:
        graded = _grade_sessions(criterion, ctx)
    except _StepFailed as exc:
        return failed(criterion, exc.summary, tool_fault=exc.tool_fault, verdict=exc.verdict)
    tests = graded.tests
    points = share_passed(criterion.points, graded.outcomes)
    passed = sum(1 for test in tests if test.outcome == "passed")
    metrics = {"passed": float(passed), "total": float(len(tests))}
    summary = f"{passed} of {len(tests)} tests passed"
    unimportable = sum(1 for test in tests if test.name.endswith(IMPORT_FAILED))
    if unimportable:
        summary += f"; {plural(unimportable, 'test file')} could not import your code (all their tests count as failed)"
    verdict, note = _verdict(graded, ctx.limits)
    return result(criterion, points, summary + note, tests=tests, metrics=metrics, verdict=verdict)


def redact(
    tests: list[TestResult], criterion: TestsCriterion, hidden_now: bool
) -> list[TestResult]:
    """What a student may see of the hidden tests: a hidden test keeps only its outcome, a test
    at `names` its name and a one-line message (``brief_message``), a visible one everything."""
    redacted: list[TestResult] = []
    number = 0
    for test in tests:
        level = test_visibility(test.name, criterion, hidden_now)
        number += level == "hidden"
        redacted.append(redact_test(test.model_copy(update={"visibility": level}), number))
    return redacted


KIND = CheckKind(
    model=TestsCriterion,
    run=run_tests,
    tool="pytest on the hidden tests, read from JUnit XML",
    fields="`tests` (required), `visibility` (`names`), `per_test` ({}), `student_tests` (none)",
    score="`points` x weight of passing tests / weight of all tests",
    workspace_files=PYTEST_FILES,
)
