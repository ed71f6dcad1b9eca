"""``coverage``: how much of the student's code their own tests run.

coverage.py is given the grader's rcfile and pytest the grader's ini file,
so nothing in the submission (``.coveragerc``, ``[tool.coverage]``,
``[tool:pytest]``) changes what is measured.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from grader.checks.base import (
    ISOLATED_PYTHON,
    PYTEST_ENV,
    PYTEST_FILES,
    PYTEST_NO_TESTS_EXIT,
    RESULT_FILE_LIMIT,
    CheckContext,
    checked_run,
    failed,
    load_json,
    pytest_options,
    result,
    stopped_summary,
    verdict_note,
)
from grader.checks.kind import CheckKind
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult, Finding
from grader.rubric.model import CriterionBase, RelativePath
from grader.scoring import Points, proportional


class CoverageCriterion(CriterionBase):
    """Measure how much of the student's code their own tests cover."""

    kind: Literal["coverage"]
    """Run the student's tests under coverage.py."""
    tests: RelativePath = "tests"
    """The student's test folder, relative to `root`."""
    min_percent: float = Field(default=80.0, gt=0, le=100)
    """Line coverage that earns full points; below it the points are proportional."""
    branch: bool = False
    """Measure branch coverage too."""
    require_passing: bool = True
    """Score 0 unless the student's own tests pass: coverage by failing tests proves nothing."""


def coveragerc(criterion: CoverageCriterion) -> str:
    """The grader's coverage configuration: the student's code, not their tests."""
    tests = criterion.tests.strip("/")
    return (
        "[run]\n"
        "source = .\n"
        f"branch = {criterion.branch}\n"
        f"data_file = ../out/.coverage-{criterion.id}\n"
        f"omit =\n    {tests}/*\n    */test_*.py\n    test_*.py\n    *_test.py\n    conftest.py\n    */conftest.py\n    setup.py\n"
        "[report]\nshow_missing = true\n"
    )


def parse_coverage(raw: bytes) -> tuple[float, list[Finding]]:
    """Total percent covered and one ``info`` finding per file with missed lines."""
    data: Any = load_json(raw.decode("utf-8", errors="replace"), "coverage json")
    try:
        totals = data["totals"]
        # coverage calls nothing measured 100%; for grading, nothing measured is nothing covered
        percent = float(totals["percent_covered"]) if totals["num_statements"] else 0.0
        findings = [
            Finding(
                path=name,
                line=entry["missing_lines"][0],
                code="not-covered",
                severity="info",
                message=f"{len(entry['missing_lines'])} lines not run by your tests: {_ranges(entry['missing_lines'])}",
            )
            for name, entry in sorted(data["files"].items())
            if entry.get("missing_lines")
        ]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ToolOutputError(f"coverage json has no {exc}") from None
    return percent, findings


def _ranges(lines: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``1-3, 7``."""
    spans: list[str] = []
    start = previous = lines[0]
    for line in [*lines[1:], None]:
        if line is not None and line == previous + 1:
            previous = line
            continue
        spans.append(f"{start}-{previous}" if previous != start else str(start))
        if line is not None:
            start = previous = line
    return ", ".join(spans)


def coverage_run_command(
    criterion: CoverageCriterion, rc: str, test_timeout: int
) -> tuple[str, ...]:
    """The student's tests under coverage, with the grader's rcfile and pytest ini, and a per-test timeout."""
    return (
        *ISOLATED_PYTHON,
        "-m",
        "coverage",
        "run",
        f"--rcfile=../{rc}",
        "-m",
        "pytest",
        *pytest_options(test_timeout),
        "--rootdir",
        ".",
        criterion.tests.strip("/"),
    )


def run_coverage(criterion: CoverageCriterion, ctx: CheckContext) -> CriterionResult:
    """Run the student's tests under coverage and score the percent covered."""
    tests = criterion.tests.strip("/")
    if not any(name.startswith(tests + "/") for name in ctx.submission.files):
        return failed(criterion, f"no tests found in {tests}/: add test_*.py files there")
    rc = f"grader/coveragerc-{criterion.id}"
    ctx.workspace.write_text(rc, coveragerc(criterion))
    run = ctx.workspace.run(
        ctx.command(
            *coverage_run_command(criterion, rc, ctx.limits.test_timeout),
            student_code=True,
            env=PYTEST_ENV,
            outputs=(f"out/.coverage-{criterion.id}",),
        )
    )
    stopped = stopped_summary(run, "your tests", ctx.limits)
    if stopped:
        return failed(criterion, stopped, verdict=run.verdict)
    if run.exit_code == PYTEST_NO_TESTS_EXIT:
        return failed(criterion, f"pytest found no tests in {tests}/", verdict=run.verdict)
    try:
        percent, findings = _coverage_report(criterion, ctx, rc)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    scored = _scored(
        criterion,
        percent,
        findings,
        own_tests_pass=run.exit_code == 0,
        failure=_last_line(run.stdout),
    )
    return scored.model_copy(
        update={"verdict": run.verdict, "summary": scored.summary + verdict_note(run, ctx.limits)}
    )


def _last_line(text: str) -> str:
    """pytest's closing summary, e.g. ``1 failed, 3 passed in 0.05s``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def _coverage_report(
    criterion: CoverageCriterion, ctx: CheckContext, rc: str
) -> tuple[float, list[Finding]]:
    report = f"out/coverage-{criterion.id}.json"
    checked_run(
        ctx,
        "coverage json",
        (
            "python",
            "-m",
            "coverage",
            "json",
            f"--rcfile=../{rc}",
            "-o",
            f"../{report}",
            "-q",
            "--ignore-errors",
        ),
        ok_exits=(0,),
        outputs=(report,),
    )
    raw = ctx.workspace.read_bytes(report, RESULT_FILE_LIMIT)
    if raw is None:
        raise ToolOutputError("coverage wrote no readable JSON report")
    return parse_coverage(raw)


def _scored(
    criterion: CoverageCriterion,
    percent: float,
    findings: list[Finding],
    *,
    own_tests_pass: bool,
    failure: str,
) -> CriterionResult:
    summary = f"your tests cover {percent:.1f}% of your code (target {criterion.min_percent:g}%)"
    metrics = {"percent_covered": round(percent, 2), "own_tests_pass": float(own_tests_pass)}
    if own_tests_pass:
        points = proportional(criterion.points, percent, criterion.min_percent)
    elif criterion.require_passing:
        points = Points(
            0.0, "your own tests do not all pass, and coverage counts only when they do: 0"
        )
        summary += f"; some of your tests fail: {failure}"
    else:
        points = proportional(criterion.points, percent, criterion.min_percent)
        summary += "; some of your tests fail"
    return result(criterion, points, summary, findings=findings, metrics=metrics)


KIND = CheckKind(
    model=CoverageCriterion,
    run=run_coverage,
    tool="`coverage run -m pytest` on the student's own tests",
    fields="`tests` (tests), `min_percent` (80), `branch` (false), `require_passing` (true)",
    score="full points at `min_percent`, proportional below; 0 if the student's tests fail and `require_passing`",
    workspace_files=PYTEST_FILES,
)
