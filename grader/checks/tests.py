"""``tests``: the rubric's hidden pytest tests, read back from JUnit XML.

The hidden tests are copied in for this step only, run with the grader's
pytest configuration (``-c``), and fenced off from the student's
``conftest.py`` (``--confcutdir``); plugins are not auto-loaded.
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.checks.base import (
    RESULT_FILE_LIMIT,
    CheckContext,
    ToolOutputError,
    failed,
    first_line,
    result,
    timed_out_summary,
)
from grader.results import CriterionResult, Outcome, TestResult
from grader.rubric import TestsCriterion, Visibility
from grader.scoring import WeightedOutcome, override_for, share_passed

PYTEST_INI = "grader/pytest.ini"
PYTEST_INI_TEXT = "[pytest]\n# The grader's own configuration: with -c, the student's pytest settings are never read.\n"
MESSAGE_LIMIT = 2000
"""Characters of a failure message kept in the report."""


@dataclass(frozen=True)
class JUnitCase:
    """One ``<testcase>`` of a JUnit report."""

    module: str
    """Dotted module path as pytest reports it (``tests-correctness.test_records``)."""
    name: str
    outcome: Outcome
    message: str | None
    duration: float

    @property
    def collection_error(self) -> bool:
        """pytest reports a module it could not import as an error case named after the module."""
        return self.outcome == "error" and not self.module


def tests_command(
    criterion: TestsCriterion, test_dir: str, junit: str, test_timeout: int
) -> tuple[str, ...]:
    """pytest on the hidden tests with the submission importable from the working folder."""
    return (
        "python",
        "-m",
        "pytest",
        "-c",
        f"../{PYTEST_INI}",
        "--rootdir",
        "../grader",
        "--confcutdir",
        f"../{test_dir}",
        "-p",
        "no:cacheprovider",
        "-p",
        "pytest_timeout",
        "--timeout",
        str(test_timeout),
        "--continue-on-collection-errors",
        "-q",
        "--no-header",
        "-rN",
        "--tb=short",
        "--junitxml",
        f"../{junit}",
        "-o",
        "junit_family=xunit2",
        f"../{test_dir}",
    )


def parse_junit(xml: bytes) -> list[JUnitCase]:
    """Test cases from pytest's JUnit XML (xunit2)."""
    try:
        root = ET.fromstring(xml)  # noqa: S314 - pytest's own output, size-capped, no DTDs expanded by expat
    except ET.ParseError as exc:
        raise ToolOutputError(f"pytest's JUnit report is not valid XML: {exc}") from None
    return [_case(element) for element in root.iter("testcase")]


def _case(element: ET.Element) -> JUnitCase:
    outcome: Outcome = "passed"
    message: str | None = None
    for tag, kind in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        child = element.find(tag)
        if child is not None:
            outcome = kind  # type: ignore[assignment]  # the tuple pairs tags with Outcome values
            message = _message(child)
            break
    return JUnitCase(
        module=element.get("classname", ""),
        name=element.get("name", "?"),
        outcome=outcome,
        message=message,
        duration=float(element.get("time", "0") or 0),
    )


def _message(child: ET.Element) -> str:
    text = child.get("message") or ""
    detail = (child.text or "").strip()
    if detail and detail not in text:
        text = f"{text}\n{detail}" if text else detail
    return text[:MESSAGE_LIMIT] + (" [cut]" if len(text) > MESSAGE_LIMIT else "")


def count_tests(source: str) -> int:
    """Tests a module defines (``test*`` functions, also in ``Test*`` classes), read without running it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 1
    count = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            count += 1
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            count += sum(
                1
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.startswith("test")
            )
    return max(count, 1)


def display_name(case: JUnitCase, prefix: str) -> str:
    """``tests-correctness.test_records`` + ``test_x`` -> ``test_records.py::test_x``."""
    if case.collection_error:
        module = case.name.removeprefix(prefix + ".")
        return module.replace(".", "/") + ".py (could not be imported)"
    parts = case.module.removeprefix(prefix + ".").split(".")
    classes = [part for part in parts if part[:1].isupper()]
    modules = [part for part in parts if not part[:1].isupper()]
    return "::".join(["/".join(modules) + ".py", *classes, case.name])


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
        visibility: Visibility = (
            override.visibility if override and override.visibility else criterion.visibility
        )
        hidden = visibility == "hidden" or (visibility == "after_due" and hidden_now)
        reported.append(
            TestResult(
                name=name,
                outcome=case.outcome,
                message=case.message,
                duration=round(case.duration, 3),
                weight=weight,
                hidden=hidden,
            )
        )
        outcomes.append(WeightedOutcome(name=name, weight=weight, passed=case.outcome == "passed"))
    return reported, outcomes


def _static_counts(tests_path: Path) -> dict[str, int]:
    files = [tests_path] if tests_path.is_file() else sorted(tests_path.rglob("test*.py"))
    base = tests_path.parent if tests_path.is_file() else tests_path
    return {
        path.relative_to(base).as_posix(): count_tests(
            path.read_text(encoding="utf-8", errors="replace")
        )
        for path in files
    }


def run_tests(criterion: TestsCriterion, ctx: CheckContext) -> CriterionResult:
    """Copy the hidden tests in, run pytest, take them out again, and score the share passed."""
    source = ctx.loaded.tests_path(criterion)
    folder = f"tests-{criterion.id}"
    test_dir = f"grader/{folder}"
    junit = f"out/junit-{criterion.id}.xml"
    limits = ctx.loaded.rubric.limits
    ctx.workspace.add_tree(source, test_dir if source.is_dir() else f"{test_dir}/{source.name}")
    try:
        command = ctx.command(
            *tests_command(criterion, test_dir, junit, limits.test_timeout),
            student_code=True,
            env={"PYTHONPATH": ".", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        run = ctx.workspace.run(command)
    finally:
        ctx.workspace.remove(test_dir)
    xml = ctx.workspace.read_bytes(junit, RESULT_FILE_LIMIT)
    if xml is None:
        stopped = timed_out_summary(run, "the tests")
        return failed(
            criterion,
            stopped
            or f"pytest ended without a report (exit code {run.exit_code}): {first_line(run)}",
        )
    try:
        cases = parse_junit(xml)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    if not cases:
        return failed(
            criterion,
            f"no tests ran (pytest exit code {run.exit_code}): {first_line(run)}",
            tool_fault=True,
        )
    late = ctx.loaded.rubric.late
    hidden_now = late is None or ctx.now < late.due
    tests, outcomes = graded_tests(
        cases, criterion, prefix=folder, static_counts=_static_counts(source), hidden_now=hidden_now
    )
    if not ctx.show_hidden:
        tests = _redact(tests)
    points = share_passed(criterion.points, outcomes)
    passed = sum(1 for test in tests if test.outcome == "passed")
    summary = f"{passed} of {len(tests)} tests passed"
    return result(
        criterion,
        points,
        summary,
        tests=tests,
        metrics={"passed": float(passed), "total": float(len(tests))},
    )


def _redact(tests: list[TestResult]) -> list[TestResult]:
    """Hidden tests keep their outcome; their names and messages are withheld."""
    redacted: list[TestResult] = []
    number = 0
    for test in tests:
        if test.hidden:
            number += 1
            test = test.model_copy(update={"name": f"hidden test {number}", "message": None})
        redacted.append(test)
    return redacted
