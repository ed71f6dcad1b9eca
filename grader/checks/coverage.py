"""``coverage``: how much of the student's code their own tests run.

coverage.py is given the grader's rcfile and pytest the grader's ini file,
so nothing in the submission (``.coveragerc``, ``[tool.coverage]``,
``[tool:pytest]``) changes what is measured.
"""

from __future__ import annotations

from typing import Any

from grader.checks.base import RESULT_FILE_LIMIT, CheckContext, ToolOutputError, failed, first_line, load_json, result, timed_out_summary
from grader.results import CriterionResult, Finding
from grader.rubric import CoverageCriterion
from grader.scoring import Points, proportional

PYTEST_NO_TESTS_EXIT = 5


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
        percent = float(data["totals"]["percent_covered"])
        findings = [
            Finding(path=name, line=entry["missing_lines"][0], code="not-covered", severity="info", message=f"{len(entry['missing_lines'])} lines not run by your tests: {_ranges(entry['missing_lines'])}")
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


def run_coverage(criterion: CoverageCriterion, ctx: CheckContext) -> CriterionResult:
    """Run the student's tests under coverage and score the percent covered."""
    tests = criterion.tests.strip("/")
    own_tests = [name for name in ctx.submission.files if name.startswith(tests + "/") or name == tests]
    if not own_tests:
        return failed(criterion, f"no tests found in {tests}/: add test_*.py files there")
    rc = f"grader/coveragerc-{criterion.id}"
    report = f"out/coverage-{criterion.id}.json"
    ctx.workspace.write_text(rc, coveragerc(criterion))
    env = {"PYTHONPATH": ".", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = ctx.workspace.run(ctx.command(
        "python", "-m", "coverage", "run", f"--rcfile=../{rc}", "-m", "pytest", "-c", "../grader/pytest.ini",
        "--rootdir", ".", "-p", "no:cacheprovider", "-q", "--no-header", tests, student_code=True, env=env,
    ))
    stopped = timed_out_summary(run, "your tests")
    if stopped:
        return failed(criterion, stopped)
    if run.exit_code == PYTEST_NO_TESTS_EXIT:
        return failed(criterion, f"pytest found no tests in {tests}/")
    json_run = ctx.workspace.run(ctx.command("python", "-m", "coverage", "json", f"--rcfile=../{rc}", "-o", f"../{report}", "-q"))
    raw = ctx.workspace.read_bytes(report, RESULT_FILE_LIMIT)
    if json_run.exit_code != 0 or raw is None:
        return failed(criterion, f"coverage could not write its report: {first_line(json_run)}", tool_fault=True)
    try:
        percent, findings = parse_coverage(raw)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    summary = f"your tests cover {percent:.1f}% of your code (target {criterion.min_percent:g}%)"
    metrics = {"percent_covered": round(percent, 2), "own_tests_pass": float(run.exit_code == 0)}
    if run.exit_code != 0 and criterion.require_passing:
        points = Points(0.0, "your own tests do not all pass, and coverage counts only when they do: 0")
        return result(criterion, points, summary + f"; some of your tests fail: {first_line(run)}", findings=findings, metrics=metrics)
    points = proportional(criterion.points, percent, criterion.min_percent)
    if run.exit_code != 0:
        summary += "; some of your tests fail"
    return result(criterion, points, summary, findings=findings, metrics=metrics)
