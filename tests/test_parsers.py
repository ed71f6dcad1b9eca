"""The tool-output parsers, fed what the real tools printed (see tests/golden/tools/README.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from grader.checks.base import CheckContext, relative_path
from grader.checks.complexity import ComplexityCriterion, parse_cc, parse_mi, run_complexity
from grader.checks.coverage import _ranges, parse_coverage
from grader.checks.junit import JUnitCase, count_tests, display_name, parse_junit
from grader.checks.lint import LintCriterion, lint_command, parse_ruff, run_lint
from grader.checks.security import SecurityCriterion, parse_bandit, run_security
from grader.checks.tests import (
    TestsCriterion,
    graded_tests,
    redact,
    runaway,
    untrusted_summary,
)
from grader.checks.typecheck import TypesCriterion, parse_blocking, parse_mypy, run_types
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult, Finding, TestResult
from grader.report.redact import brief_message
from grader.rubric.model import Limits, StaticCriterion, Submission, Visibility
from grader.sandbox.fake import tool_of
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import Command, RunOutput
from grader.scoring import WeightedOutcome, share_passed
from grader.submission import SubmissionFiles, inspect

GOLDEN = Path(__file__).parent / "golden" / "tools"
SRC = GOLDEN / "src"

FILES = {
    "clean": ["records.py", "tests/test_records.py"],
    "messy": ["records.py", "tests/test_records.py"],
    "syntax": ["helpers.py", "records.py"],
    "notutf8": ["ok.py", "records.py"],
}
"""The files each case's tools were given (the submission's relative names)."""

SRC_FILES = {
    "clean": ["records.py"],
    "messy": ["records.py"],
    "syntax": FILES["syntax"],
    "notutf8": FILES["notutf8"],
}
"""The files bandit was given: the same without tests."""

SECURITY = SecurityCriterion(id="security", kind="security", points=5, fail_on="medium")


def golden(name: str) -> str:
    """A recorded output, as text."""
    return (GOLDEN / name).read_text(encoding="utf-8")


def source_line(case: str, path: str, line: int) -> str:
    """Line ``line`` (1-based) of a fixture file."""
    return (SRC / case / path).read_text(encoding="utf-8").splitlines()[line - 1]


def by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by their code."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.code, []).append(finding)
    return grouped


# relative_path


@pytest.mark.parametrize(
    ("reported", "files", "expected"),
    [
        ("../submission/records.py", ["records.py"], "records.py"),
        ("./records.py", ["records.py"], "records.py"),
        ("records.py", ["records.py"], "records.py"),
        ("/sandbox/records.py", ["records.py", "tests/test_records.py"], "records.py"),
        (
            "/sandbox/tests/test_records.py",
            ["records.py", "tests/test_records.py"],
            "tests/test_records.py",
        ),
        ("C:\\sandbox\\pkg\\records.py", ["records.py", "pkg/records.py"], "pkg/records.py"),
        ("./unknown.py", ["records.py"], "unknown.py"),
    ],
)
def test_relative_path_maps_tool_paths_to_submission_names(
    reported: str, files: list[str], expected: str
) -> None:
    """A tool's absolute, ``./`` or ``../submission/`` path becomes the submission's own file name."""
    assert relative_path(reported, files) == expected


def test_relative_path_prefers_the_file_the_tool_ran_from_over_a_same_named_student_folder() -> (
    None
):
    """radon's ``../submission/records.py`` is the top-level ``records.py`` even when ``submission/records.py`` also exists."""
    assert relative_path("../submission/records.py", ["records.py", "submission/records.py"]) == (
        "records.py"
    )


# ruff


def test_ruff_clean_run_has_no_findings() -> None:
    """ruff's empty list on clean code gives no findings."""
    assert parse_ruff(golden("ruff/clean.json"), FILES["clean"]) == []


def test_ruff_messy_reports_each_violation_at_its_place() -> None:
    """Every violation ruff printed becomes one error finding at its relative path, line and column."""
    raw = json.loads(golden("ruff/messy.json"))
    findings = parse_ruff(golden("ruff/messy.json"), FILES["messy"])
    assert len(findings) == len(raw)
    places = {(f.path, f.line, f.code) for f in findings}
    assert {
        ("records.py", 1, "F401"),
        ("records.py", 3, "F401"),
        ("records.py", 6, "B006"),
        ("records.py", 15, "E722"),
        ("tests/test_records.py", 22, "B011"),
    } <= places
    assert all(f.severity == "error" for f in findings)
    assert {f.path for f in findings} == {"records.py", "tests/test_records.py"}


def test_ruff_column_points_at_the_offending_token() -> None:
    """ruff's 1-based column is kept: the F401 on line 1 points at the unused ``os``."""
    findings = parse_ruff(golden("ruff/messy.json"), FILES["messy"])
    unused_os = next(f for f in findings if f.code == "F401" and f.line == 1)
    assert unused_os.col is not None
    assert "`os`" in unused_os.message
    assert source_line("messy", "records.py", 1)[unused_os.col - 1 :] == "os"


def test_ruff_findings_are_in_file_and_line_order() -> None:
    """Findings are sorted by path and then line, whatever order ruff printed them in."""
    findings = parse_ruff(golden("ruff/messy.json"), FILES["messy"])
    keys = [(f.path, f.line or 0, f.col or 0) for f in findings]
    assert keys == sorted(keys)


def test_ruff_syntax_error_is_reported_on_its_line() -> None:
    """A file ruff cannot parse gives ``invalid-syntax`` errors on the broken line and nothing for the valid file."""
    findings = parse_ruff(golden("ruff/syntax.json"), FILES["syntax"])
    assert findings
    assert {(f.path, f.line, f.code) for f in findings} == {("records.py", 3, "invalid-syntax")}
    assert "def f(:" in source_line("syntax", "records.py", 3)


def test_ruff_undecodable_file_is_an_io_error() -> None:
    """A file that is not UTF-8 gives ruff's single E902 finding for that file."""
    findings = parse_ruff(golden("ruff/notutf8.json"), FILES["notutf8"])
    assert [(f.path, f.line, f.code, f.severity) for f in findings] == [
        ("records.py", 1, "E902", "error")
    ]


@pytest.mark.parametrize(
    "stdout",
    [
        pytest.param(golden("ruff/garbage.txt"), id="ruff-failed"),
        pytest.param("", id="empty"),
        pytest.param('{"code": "F401"}', id="not-a-list"),
        pytest.param('[{"code": "F401", "location": {"row": 1}}]', id="no-filename"),
    ],
)
def test_ruff_output_that_is_not_a_violation_list_is_a_tool_error(stdout: str) -> None:
    """Anything but ruff's JSON list of violations is the grader's fault, and the error names ruff."""
    with pytest.raises(ToolOutputError, match="ruff"):
        parse_ruff(stdout, FILES["clean"])


# mypy


def test_mypy_clean_run_has_no_findings() -> None:
    """mypy prints nothing on clean code, which gives no findings."""
    assert parse_mypy(golden("mypy/clean.json"), FILES["clean"]) == []


def test_mypy_messy_gives_one_error_per_json_line() -> None:
    """Each JSON line mypy printed is one error finding with its code and relative path."""
    stdout = golden("mypy/messy.json")
    findings = parse_mypy(stdout, FILES["messy"])
    assert len(findings) == len(stdout.splitlines())
    assert all(f.severity == "error" for f in findings)
    codes = by_code(findings)
    assert {f.line for f in codes["no-untyped-def"]} == {6, 11, 25, 29, 33}
    assert {f.path for f in codes["no-untyped-call"]} == {"tests/test_records.py"}
    assert [(f.path, f.line) for f in codes["assignment"]] == [("records.py", 21)]


def test_mypy_column_is_made_one_based() -> None:
    """mypy's 0-based JSON column becomes 1-based, pointing at the ``str`` assigned to an ``int``."""
    findings = parse_mypy(golden("mypy/messy.json"), FILES["messy"])
    (assignment,) = [f for f in findings if f.code == "assignment"]
    assert assignment.col is not None
    assert source_line("messy", "records.py", 21)[assignment.col - 1 :] == '"many"'
    untyped = next(f for f in findings if f.code == "no-untyped-def")
    assert untyped.line is not None and untyped.col is not None
    assert source_line("messy", "records.py", untyped.line)[untyped.col - 1 :].startswith("def ")


def test_mypy_syntax_errors_come_as_findings() -> None:
    """mypy's syntax errors (exit 2) still arrive as JSON and become ``syntax`` errors on line 3."""
    findings = parse_mypy(golden("mypy/syntax.json"), FILES["syntax"])
    assert findings
    assert {(f.path, f.line, f.code, f.severity) for f in findings} == {
        ("records.py", 3, "syntax", "error")
    }


def test_mypy_note_is_info() -> None:
    """A mypy line with severity ``note`` becomes an ``info`` finding that costs nothing."""
    first = json.loads(golden("mypy/messy.json").splitlines()[0])
    note = json.dumps({**first, "severity": "note", "code": None})
    (finding,) = parse_mypy(note, FILES["messy"])
    assert finding.severity == "info"
    assert finding.path == "records.py"


def test_mypy_undecodable_file_is_a_blocking_error_from_stderr() -> None:
    """For a non-UTF-8 file mypy prints no JSON, and its stderr line becomes one ``blocking`` error for that file."""
    assert parse_mypy(golden("mypy/notutf8.json"), FILES["notutf8"]) == []
    (finding,) = parse_blocking(golden("mypy/notutf8.json.stderr"), FILES["notutf8"])
    assert (finding.path, finding.code, finding.severity) == ("records.py", "blocking", "error")
    assert "Cannot decode file" in finding.message
    assert not finding.message.startswith("records.py")


@pytest.mark.parametrize(
    "stderr",
    [
        pytest.param(golden("mypy/crash.txt"), id="usage-error"),
        pytest.param("other.py: error: Cannot decode file\n", id="unknown-file"),
        pytest.param("records.py: note: See https://mypy.readthedocs.io\n", id="not-an-error"),
    ],
)
def test_mypy_stderr_not_naming_a_submission_error_is_ignored(stderr: str) -> None:
    """Only ``<file>: error:`` lines for the submission's own files count as the student's blocking errors."""
    assert parse_blocking(stderr, FILES["notutf8"]) == []


@pytest.mark.parametrize(
    "stdout",
    [
        pytest.param(golden("mypy/crash.txt"), id="usage-text"),
        pytest.param('{"file": "records.py"}\n', id="no-message"),
        pytest.param("[1, 2]\n", id="not-an-object"),
    ],
)
def test_mypy_output_that_is_not_json_lines_is_a_tool_error(stdout: str) -> None:
    """Anything but mypy's JSON lines is the grader's fault, and the error names mypy."""
    with pytest.raises(ToolOutputError, match="mypy"):
        parse_mypy(stdout, FILES["clean"])


# bandit


def test_bandit_clean_run_has_no_findings() -> None:
    """bandit's empty results on clean code give no findings."""
    assert parse_bandit(golden("bandit/clean.json"), SRC_FILES["clean"], SECURITY) == []


def test_bandit_findings_at_or_above_the_threshold_are_errors() -> None:
    """With ``fail_on: medium``, eval (B307, medium) and shell=True (B602, high) are errors; the subprocess import (B404, low) is info."""
    findings = parse_bandit(golden("bandit/messy.json"), SRC_FILES["messy"], SECURITY)
    assert {f.code: f.severity for f in findings} == {
        "B307": "error",
        "B602": "error",
        "B404": "info",
    }
    assert {f.path for f in findings} == {"records.py"}


@pytest.mark.parametrize(
    ("fail_on", "errors"),
    [("low", {"B404", "B307", "B602"}), ("medium", {"B307", "B602"}), ("high", {"B602"})],
)
def test_bandit_threshold_decides_what_counts(fail_on: str, errors: set[str]) -> None:
    """Raising ``fail_on`` turns the findings below it into info, and only those at or above it stay errors."""
    criterion = SECURITY.model_copy(update={"fail_on": fail_on})
    findings = parse_bandit(golden("bandit/messy.json"), SRC_FILES["messy"], criterion)
    assert len(findings) == 3
    assert {f.code for f in findings if f.severity == "error"} == errors


def test_bandit_findings_point_at_the_risky_call() -> None:
    """bandit's line and 0-based column offset locate the ``eval`` call and the ``shell=True`` call."""
    findings = {
        f.code: f for f in parse_bandit(golden("bandit/messy.json"), SRC_FILES["messy"], SECURITY)
    }
    evaluate, shell = findings["B307"], findings["B602"]
    assert evaluate.line is not None and evaluate.col is not None
    assert source_line("messy", "records.py", evaluate.line)[evaluate.col - 1 :].startswith("eval(")
    assert shell.line is not None
    assert "shell=True" in source_line("messy", "records.py", shell.line)
    assert "severity high" in shell.message


@pytest.mark.parametrize("case", ["syntax", "notutf8"])
def test_bandit_unparsable_file_is_reported_as_not_scanned(case: str) -> None:
    """A file bandit cannot parse gives one ``not-scanned`` info finding for it, with bandit's reason."""
    findings = parse_bandit(golden(f"bandit/{case}.json"), SRC_FILES[case], SECURITY)
    assert [(f.path, f.code, f.severity) for f in findings] == [
        ("records.py", "not-scanned", "info")
    ]
    assert "syntax error while parsing AST" in findings[0].message


@pytest.mark.parametrize(
    "stdout",
    [
        pytest.param("Traceback (most recent call last):", id="not-json"),
        pytest.param('{"errors": []}', id="no-results"),
        pytest.param('{"results": [{"filename": "./records.py"}]}', id="result-without-fields"),
    ],
)
def test_bandit_output_without_results_is_a_tool_error(stdout: str) -> None:
    """bandit output that is not JSON with a well-formed results list is the grader's fault, and the error names bandit."""
    with pytest.raises(ToolOutputError, match="bandit"):
        parse_bandit(stdout, SRC_FILES["clean"], SECURITY)


# radon


def test_cc_gives_one_finding_per_function() -> None:
    """radon cc's every function, in every file, becomes one finding named after it."""
    raw = json.loads(golden("radon/cc_messy.json"))
    findings = parse_cc(golden("radon/cc_messy.json"), FILES["messy"], "B")
    assert len(findings) == sum(len(blocks) for blocks in raw.values())
    assert {f.path for f in findings} == {"records.py", "tests/test_records.py"}


@pytest.mark.parametrize(
    ("max_rank", "severity"), [("A", "error"), ("B", "error"), ("C", "info"), ("F", "info")]
)
def test_cc_function_worse_than_max_rank_is_an_error(max_rank: str, severity: str) -> None:
    """``grade`` (rank C) is an error only when the worst allowed rank is better than C."""
    findings = parse_cc(golden("radon/cc_messy.json"), FILES["messy"], max_rank)
    (grade,) = [f for f in findings if f.message.startswith("grade:")]
    assert (grade.path, grade.line, grade.code, grade.severity) == (
        "records.py",
        33,
        "cc-C",
        severity,
    )
    assert source_line("messy", "records.py", 33).startswith("def grade(")
    others = [f for f in findings if f is not grade]
    assert all(f.severity == "info" for f in others)


def test_cc_clean_has_no_errors() -> None:
    """Simple functions (all rank A) are info at the strictest rank."""
    findings = parse_cc(golden("radon/cc_clean.json"), FILES["clean"], "A")
    assert findings
    assert all(f.severity == "info" and f.code == "cc-A" for f in findings)


@pytest.mark.parametrize(("case", "valid"), [("syntax", "helpers.py"), ("notutf8", "ok.py")])
def test_cc_unparsable_file_is_not_measured(case: str, valid: str) -> None:
    """A file radon cannot parse gives a ``not-measured`` info finding, and the valid file is still measured."""
    findings = parse_cc(golden(f"radon/cc_{case}.json"), FILES[case], "B")
    (broken,) = [f for f in findings if f.path == "records.py"]
    assert (broken.code, broken.severity) == ("not-measured", "info")
    assert json.loads(golden(f"radon/cc_{case}.json"))["records.py"]["error"] in broken.message
    assert [f.code for f in findings if f.path == valid] == ["cc-A"]


def test_cc_paths_from_the_grader_folder_are_relativised() -> None:
    """radon run from the grader's folder prints ``../submission/x.py``, which is reported as ``x.py``."""
    raw = json.loads(golden("radon/cc_messy.json"))
    from_grader = json.dumps({f"../submission/{name}": blocks for name, blocks in raw.items()})
    direct = parse_cc(golden("radon/cc_messy.json"), FILES["messy"], "B")
    assert parse_cc(from_grader, FILES["messy"], "B") == direct


# `radon cc -j -s ../submission/records.py` (radon 6.0.1) on a class with one method of complexity 12.
RADON_CC_CLASS = (
    '{"../submission/records.py": [{"type": "class", "rank": "C", "endline": 14, "complexity": 13, '
    '"lineno": 1, "col_offset": 0, "name": "A", "methods": [{"type": "method", "rank": "C", '
    '"endline": 14, "complexity": 12, "lineno": 2, "col_offset": 4, "name": "m", "classname": "A", '
    '"closures": []}]}, {"type": "method", "rank": "C", "endline": 14, "complexity": 12, "lineno": 2, '
    '"col_offset": 4, "name": "m", "classname": "A", "closures": []}]}\n'
)


def test_cc_method_is_counted_once() -> None:
    """A method is one finding, although radon lists it under its class and again on its own."""
    findings = parse_cc(RADON_CC_CLASS, ["records.py"], "B")
    assert [(f.line, f.code, f.severity) for f in findings] == [(2, "cc-C", "error")]
    assert findings[0].message.startswith("A.m:")


def test_mi_flags_every_file_below_the_minimum() -> None:
    """With a minimum of 100, every measured file is a ``mi-low`` error naming its index."""
    raw = json.loads(golden("radon/mi_messy.json"))
    findings = parse_mi(golden("radon/mi_messy.json"), FILES["messy"], 100)
    assert {f.path for f in findings} == set(raw)
    assert all(f.code == "mi-low" and f.severity == "error" for f in findings)
    (records,) = [f for f in findings if f.path == "records.py"]
    assert f"{raw['records.py']['mi']:.1f}" in records.message


def test_mi_flags_only_files_below_the_minimum() -> None:
    """A minimum between the two files' indexes flags only the less maintainable one."""
    raw = json.loads(golden("radon/mi_messy.json"))
    minimum = (raw["records.py"]["mi"] + raw["tests/test_records.py"]["mi"]) / 2
    findings = parse_mi(golden("radon/mi_messy.json"), FILES["messy"], minimum)
    assert [f.path for f in findings] == ["records.py"]


@pytest.mark.parametrize("case", ["clean", "messy", "syntax", "notutf8"])
def test_mi_without_minimum_flags_nothing(case: str) -> None:
    """Without a minimum, maintainability never produces a finding."""
    assert parse_mi(golden(f"radon/mi_{case}.json"), FILES[case], None) == []


def test_mi_at_the_minimum_is_not_low_and_unparsable_files_are_skipped() -> None:
    """``ok.py`` at exactly 100 is not below 100, and the unparsable ``records.py`` is left to radon cc."""
    assert json.loads(golden("radon/mi_notutf8.json"))["ok.py"]["mi"] == 100
    assert parse_mi(golden("radon/mi_notutf8.json"), FILES["notutf8"], 100) == []


@pytest.mark.parametrize("stdout", ["", "[]", "usage: radon", '{"records.py": "A"}'])
def test_radon_cc_output_that_is_not_an_object_of_block_lists_is_a_tool_error(stdout: str) -> None:
    """radon cc output that is not a JSON object of block lists is the grader's fault, and the error names radon."""
    with pytest.raises(ToolOutputError, match="radon cc"):
        parse_cc(stdout, FILES["clean"], "B")


@pytest.mark.parametrize("stdout", ["", "[]", "usage: radon", '{"records.py": {"rank": "A"}}'])
def test_radon_mi_output_that_is_not_an_object_of_indexes_is_a_tool_error(stdout: str) -> None:
    """radon mi output that is not a JSON object of maintainability indexes is the grader's fault, and the error names radon."""
    with pytest.raises(ToolOutputError, match="radon mi"):
        parse_mi(stdout, FILES["clean"], 50)


# JUnit (pytest)


def junit(case: str) -> list[JUnitCase]:
    """The parsed cases of a recorded JUnit report."""
    return parse_junit((GOLDEN / "junit" / f"{case}.xml").read_bytes())


def test_junit_clean_all_passed() -> None:
    """A clean run gives one passed case, without a message, per test function in the module."""
    cases = junit("clean")
    source = (SRC / "clean" / "tests" / "test_records.py").read_text(encoding="utf-8")
    assert len(cases) == count_tests(source) == 3
    assert all(c.outcome == "passed" and c.message is None for c in cases)
    assert all(f"def {c.name}(" in source for c in cases)
    assert {c.module for c in cases} == {"tests.test_records"}
    assert not any(c.collection_error for c in cases)


def test_junit_messy_outcomes() -> None:
    """Passing, failing, raising and skipped tests get passed, failed, failed and skipped."""
    outcomes = {c.name: c.outcome for c in junit("messy")}
    assert outcomes == {
        "test_grade_a": "passed",
        "test_first_late_attempt_keeps_grade": "failed",
        "test_add_record_raises": "failed",
        "test_skipped": "skipped",
    }


def test_junit_failure_carries_the_assertion_message() -> None:
    """A failed assertion's message has the test's own text, pytest's comparison and the failing line."""
    cases = {c.name: c for c in junit("messy")}
    message = cases["test_first_late_attempt_keeps_grade"].message
    assert message is not None
    assert "late penalty must not apply on the first attempt" in message
    assert "assert 'B' == 'A'" in message
    assert "tests/test_records.py:12" in message
    raised = cases["test_add_record_raises"].message
    assert raised is not None and "TypeError" in raised


def test_junit_skip_carries_its_reason() -> None:
    """A skipped test's message is the skip reason."""
    (skipped,) = [c for c in junit("messy") if c.outcome == "skipped"]
    assert skipped.message is not None and "not implemented yet" in skipped.message


def test_junit_collection_error_is_an_error_case_named_after_the_module() -> None:
    """A module that cannot be imported is one ``error`` case marked as a collection error."""
    (case,) = junit("collect_error")
    assert case.collection_error
    assert case.outcome == "error"
    assert case.message is not None and "missing_name" in case.message
    assert display_name(case, "tests") == "test_x.py (could not be imported)"


def test_junit_timeout_is_a_failure_mentioning_the_timeout() -> None:
    """A test stopped by pytest-timeout is failed with a message about the timeout; the quick one passed."""
    cases = {c.name: c for c in junit("timeout")}
    assert cases["test_fast"].outcome == "passed"
    forever = cases["test_forever"]
    assert forever.outcome == "failed"
    assert forever.message is not None and "Timeout" in forever.message
    assert forever.duration >= 2.0


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param((GOLDEN / "junit" / "clean.xml").read_bytes()[:-40], id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"not xml at all", id="text"),
    ],
)
def test_junit_malformed_xml_is_a_tool_error(xml: bytes) -> None:
    """A JUnit report that is not well-formed XML is the grader's fault."""
    with pytest.raises(ToolOutputError, match="JUnit"):
        parse_junit(xml)


def test_junit_long_message_is_cut() -> None:
    """A failure message longer than the limit is cut and marked as cut."""
    xml = (
        '<testsuites><testsuite><testcase classname="tests.test_a" name="test_b">'
        f'<failure message="{"x" * 5000}">detail</failure></testcase></testsuite></testsuites>'
    )
    (case,) = parse_junit(xml.encode())
    assert case.message is not None
    assert case.message.endswith(" [cut]")
    assert len(case.message) < 5000


@pytest.mark.parametrize(
    ("module", "name", "prefix", "expected"),
    [
        ("tests.test_records", "test_grade_a", "tests", "test_records.py::test_grade_a"),
        ("tests-t.sub.test_x", "test_y", "tests-t", "sub/test_x.py::test_y"),
        ("tests-t.test_x.TestParse", "test_y", "tests-t", "test_x.py::TestParse::test_y"),
        ("tests.test_records", "test_a", "", "tests/test_records.py::test_a"),
    ],
)
def test_display_name_is_a_pytest_node_id_inside_the_test_folder(
    module: str, name: str, prefix: str, expected: str
) -> None:
    """A case shows as ``path.py::Class::test`` relative to the hidden tests' folder."""
    case = JUnitCase(module=module, name=name, outcome="passed", message=None, duration=0.0)
    assert display_name(case, prefix) == expected


def criterion(**changes: object) -> TestsCriterion:
    """A tests criterion worth 10 points with the given fields changed."""
    return TestsCriterion.model_validate(
        {"id": "t", "kind": "tests", "points": 10, "tests": "tests/", **changes}
    )


def graded(
    case: str,
    crit: TestsCriterion,
    *,
    hidden_now: bool = True,
    counts: dict[str, int] | None = None,
) -> tuple[list[TestResult], list[WeightedOutcome]]:
    """Grade a recorded JUnit report, whose top folder is ``tests``."""
    return graded_tests(
        junit(case), crit, prefix="tests", static_counts=counts or {}, hidden_now=hidden_now
    )


def test_graded_tests_weigh_one_and_pass_only_when_passed() -> None:
    """By default every test weighs 1, and failed and skipped tests count as not passed."""
    reported, outcomes = graded("messy", criterion())
    assert [o.weight for o in outcomes] == [1.0] * 4
    assert {o.name: o.passed for o in outcomes} == {
        "test_records.py::test_grade_a": True,
        "test_records.py::test_first_late_attempt_keeps_grade": False,
        "test_records.py::test_add_record_raises": False,
        "test_records.py::test_skipped": False,
    }
    assert [t.name for t in reported] == [o.name for o in outcomes]
    assert not any(t.hidden for t in reported)
    assert share_passed(10, outcomes).score == 2.5


@pytest.mark.parametrize(
    "pattern", ["*late*", "test_first_late_*", "test_records.py::test_first_late_attempt_*"]
)
def test_per_test_weight_applies_to_matching_tests(pattern: str) -> None:
    """A ``per_test`` glob (on the function name or the full id) sets the weight of the tests it matches."""
    _, outcomes = graded("messy", criterion(per_test={pattern: {"weight": 2}}))
    weights = {o.name.rsplit("::", 1)[1]: o.weight for o in outcomes}
    assert weights == {
        "test_grade_a": 1.0,
        "test_first_late_attempt_keeps_grade": 2.0,
        "test_add_record_raises": 1.0,
        "test_skipped": 1.0,
    }


def test_collection_error_weighs_as_many_tests_as_the_module_defines() -> None:
    """A module that could not be imported counts as all its tests failing."""
    _, outcomes = graded("collect_error", criterion(), counts={"test_x.py": 3})
    (outcome,) = outcomes
    assert (outcome.weight, outcome.passed) == (3.0, False)
    _, without_count = graded("collect_error", criterion())
    assert without_count[0].weight == 1.0


def test_collection_error_weight_multiplies_the_override() -> None:
    """A ``per_test`` weight on an unimportable module applies to each of its tests."""
    crit = criterion(per_test={"test_x.py*": {"weight": 2}})
    _, (outcome,) = graded("collect_error", crit, counts={"test_x.py": 3})
    assert outcome.weight == 6.0


@pytest.mark.parametrize(
    ("visibility", "hidden_now", "hidden"),
    [
        ("visible", True, False),
        ("hidden", False, True),
        ("hidden", True, True),
        ("after_due", True, True),
        ("after_due", False, False),
    ],
)
def test_visibility_decides_which_tests_are_hidden(
    visibility: Visibility, hidden_now: bool, hidden: bool
) -> None:
    """``hidden`` always hides, ``after_due`` hides until the due date, ``visible`` never hides."""
    reported, _ = graded("messy", criterion(visibility=visibility), hidden_now=hidden_now)
    assert {t.hidden for t in reported} == {hidden}


def test_per_test_visibility_overrides_the_criterion() -> None:
    """A ``per_test`` visibility hides only the tests it matches."""
    reported, _ = graded("messy", criterion(per_test={"*skip*": {"visibility": "hidden"}}))
    assert {t.name for t in reported if t.hidden} == {"test_records.py::test_skipped"}


def test_names_is_the_default_visibility() -> None:
    """A rubric that says nothing shows names and one line, not the tests' source."""
    assert criterion().visibility == "names"


def test_names_shows_each_name_and_one_line_never_the_source() -> None:
    """At ``names`` a failing test keeps its name and the first line of its failure; the
    assertion's source and pytest's comparison of the values (the expected one) are withheld."""
    crit = criterion(visibility="names")
    reported, _ = graded("messy", crit)
    shown = {t.name: t for t in redact(reported, crit, hidden_now=True)}
    late = shown["test_records.py::test_first_late_attempt_keeps_grade"]
    assert late.message == "AssertionError: late penalty must not apply on the first attempt"
    assert not late.hidden
    raised = shown["test_records.py::test_add_record_raises"]
    assert raised.message == "TypeError: list indices must be integers or slices, not str"
    for test in shown.values():
        assert "\n" not in (test.message or "")
        assert "def test_" not in (test.message or "")
        assert "'A'" not in (test.message or "")
    visible = {t.name: t for t in redact(reported, criterion(visibility="visible"), True)}
    assert "assert got ==" in (visible[late.name].message or "")


@pytest.mark.parametrize(
    ("message", "brief"),
    [
        (
            "assert 2 == 3\n +  where 2 = f(1)",
            "AssertionError (an assertion failed; the values compared are not shown)",
        ),
        ("AssertionError: f adds one\nassert 2 == 3", "AssertionError: f adds one"),
        (
            "AssertionError: assert ['a', 'a', 'b'] == ['a', 'b']\n  At index 1 diff",
            "AssertionError (an assertion failed; the values compared are not shown)",
        ),
        (
            "collection failure\nImportError while importing test module\nModuleNotFoundError: No module named 'records'",
            "ModuleNotFoundError: No module named 'records'",
        ),
        ("KeyError: " + "k" * 500, "KeyError: " + "k" * 190 + "..."),
        (None, None),
    ],
    ids=[
        "bare-assert",
        "assert-message",
        "assertion-error-of-an-assert",
        "collection",
        "long",
        "none",
    ],
)
def test_brief_message_is_one_line_without_the_compared_values(
    message: str | None, brief: str | None
) -> None:
    """``names`` shows the exception and its message, cut to one line of 200 characters."""
    assert brief_message(message) == brief


def test_per_test_names_and_hidden_mix_with_visible() -> None:
    """``per_test`` may ask for ``names`` under a visible criterion, and hidden under names."""
    crit = criterion(
        visibility="visible",
        per_test={"*late*": {"visibility": "names"}, "*skip*": {"visibility": "hidden"}},
    )
    reported, _ = graded("messy", crit)
    shown = redact(reported, crit, hidden_now=True)
    by_name = {t.name: t.message for t in shown}
    assert by_name["test_records.py::test_first_late_attempt_keeps_grade"] == (
        "AssertionError: late penalty must not apply on the first attempt"
    )
    assert "hidden test 1" in by_name
    assert 'records["first"]' in (by_name["test_records.py::test_add_record_raises"] or "")


RECURSION_MESSAGE = (
    "RecursionError: maximum recursion depth exceeded\n"
    "tests-t/test_work.py:5: in test_work\n    work()\n"
    "solution.py:14: in down\n    return sum(map(down, [depth + 1]))\n"
    "solution.py:14: in down\n    return sum(map(down, [depth + 1]))\n"
    "solution.py:14: in down\n    return sum(map(down, [depth + 1]))\n"
    "E   RecursionError: maximum recursion depth exceeded"
)
LIMITS = Limits()


def recursed() -> list[JUnitCase]:
    return [
        JUnitCase("tests-t.test_work", "test_double", "passed", None, 0.1),
        JUnitCase("tests-t.test_work", "test_work", "failed", RECURSION_MESSAGE, 2.0),
    ]


def test_recursion_into_the_memory_limit_is_named_not_called_forged() -> None:
    """A session the memory limit stopped says so, suspects recursion and names the function,
    its file and the test: not the wording for a forged report."""
    run = RunOutput(exit_code=None, stdout="", stderr="", duration=9.0, oom_killed=True, signal=9)
    summary = untrusted_summary(run, recursed(), _session("tests-t"), "some failed")
    assert "cannot be trusted" not in summary and "nothing is counted" not in summary
    assert "memory limit" in summary and "unbounded recursion" in summary
    assert "down() (solution.py), reached from test_work.py::test_work" in summary


def test_recursion_names_no_hidden_test_and_forgery_keeps_its_words() -> None:
    """With test names withheld only the student's function is named; a report that disagrees
    with a step that ended by itself is still suspected of forgery."""
    assert runaway(recursed(), None) == " in down() (solution.py)"
    ended = RunOutput(exit_code=0, stdout="", stderr="", duration=1.0)
    forged = untrusted_summary(ended, recursed(), _session("tests-t"), "some failed")
    assert "cannot be trusted" in forged


def _session(prefix: str | None):  # type: ignore[no-untyped-def]
    from grader.checks.tests import _Stopped

    return _Stopped("the tests", LIMITS, prefix)


@pytest.mark.parametrize(
    ("source", "count"),
    [
        ("def test_a():\n    pass\n\ndef helper():\n    pass\n", 1),
        ("async def test_a():\n    pass\n\ndef test_b():\n    pass\n", 2),
        (
            "class TestA:\n    def test_x(self):\n        pass\n    def test_y(self):\n        pass\n",
            2,
        ),
        ("class Helper:\n    def test_x(self):\n        pass\n", 1),
        ("x = 1\n", 1),
        ("def test_a(:\n", 1),
    ],
)
def test_count_tests_counts_test_functions_and_methods(source: str, count: int) -> None:
    """``test*`` functions and ``Test*`` class methods are counted; a module with none or with broken syntax counts as one."""
    assert count_tests(source) == count


@pytest.mark.parametrize("case", ["clean", "messy", "collect_error", "timeout"])
def test_count_tests_matches_what_pytest_ran(case: str) -> None:
    """For each fixture module pytest ran, the static count equals the test cases in its JUnit report."""
    ran: dict[str, int] = {}
    for c in junit(case):
        if not c.collection_error:
            ran[c.module] = ran.get(c.module, 0) + 1
    assert ran or case == "collect_error"
    for module, number in ran.items():
        path = SRC / case / (module.replace(".", "/") + ".py")
        assert count_tests(path.read_text(encoding="utf-8")) == number


# coverage


def test_coverage_clean_is_fully_covered() -> None:
    """Fully covered code gives coverage's own total and no findings."""
    raw = (GOLDEN / "coverage" / "clean.json").read_bytes()
    percent, findings = parse_coverage(raw)
    assert percent == json.loads(raw)["totals"]["percent_covered"] == 100
    assert findings == []


def test_coverage_messy_lists_the_lines_not_run() -> None:
    """A file with missed lines gives one ``not-covered`` info finding at its first missed line, listing the ranges."""
    raw = (GOLDEN / "coverage" / "messy.json").read_bytes()
    data = json.loads(raw)
    percent, findings = parse_coverage(raw)
    assert percent == data["totals"]["percent_covered"]
    assert 0 < percent < 100
    (finding,) = findings
    missing = data["files"]["records.py"]["missing_lines"]
    assert (finding.path, finding.line, finding.code, finding.severity) == (
        "records.py",
        min(missing),
        "not-covered",
        "info",
    )
    assert f"{len(missing)} lines" in finding.message
    # load() (lines 12-16) and count() (lines 20-22) are never called by the tests.
    assert "12-16" in finding.message
    assert "20-22" in finding.message


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([1, 2, 3, 7], "1-3, 7"),
        ([5], "5"),
        ([1, 3, 5], "1, 3, 5"),
        ([4, 5], "4-5"),
        ([1, 2, 4, 5, 9], "1-2, 4-5, 9"),
    ],
)
def test_ranges_joins_consecutive_lines(lines: list[int], expected: str) -> None:
    """Runs of consecutive line numbers are shown as ``first-last``."""
    assert _ranges(lines) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe", id="binary"),
        pytest.param(b'{"files": {}}', id="no-totals"),
        pytest.param(b'{"totals": {"percent_covered": 50}}', id="no-files"),
    ],
)
def test_coverage_report_without_totals_or_files_is_a_tool_error(raw: bytes) -> None:
    """A coverage report that is not JSON with totals and files is the grader's fault, and the error names coverage."""
    with pytest.raises(ToolOutputError, match="coverage"):
        parse_coverage(raw)


def test_a_junit_report_with_a_dtd_is_refused_not_expanded() -> None:
    """The report comes out of the sandbox, so an entity bomb in it is a tool error, never parsed."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuites>&b;</testsuites>'
    )
    with pytest.raises(ToolOutputError, match="not valid XML"):
        parse_junit(bomb)


# What a static check could not read earns nothing


class RecordedWorkspace:
    """Answers each tool's step with what the real tool printed for a case (tests/golden/tools)."""

    def __init__(self, case: str) -> None:
        self.case = case

    def run(self, command: Command) -> RunOutput:
        tool = tool_of(command)
        name = {"ruff": "ruff/{}.json", "mypy": "mypy/{}.json", "bandit": "bandit/{}.json"}.get(
            tool, "radon/cc_{}.json"
        )
        path = GOLDEN / name.format(self.case)
        stderr = path.with_name(path.name + ".stderr")
        exit_code = int(path.with_name(path.name + ".exitcode").read_text())
        return RunOutput(
            exit_code=0 if tool == "ruff" else exit_code,  # the grader runs ruff with --exit-zero
            stdout=path.read_text(encoding="utf-8"),
            stderr=stderr.read_text(encoding="utf-8") if stderr.exists() else "",
            duration=0.1,
        )

    def cache_dir(self, tool: str) -> str | None:
        return None


StaticRun = Callable[[Any, CheckContext], CriterionResult]
STATIC: dict[str, tuple[StaticRun, StaticCriterion]] = {
    "lint": (run_lint, LintCriterion(id="style", kind="lint", points=10)),
    "types": (run_types, TypesCriterion(id="types", kind="types", points=10)),
    "security": (run_security, SECURITY),
    "complexity": (
        run_complexity,
        ComplexityCriterion(id="complexity", kind="complexity", points=5),
    ),
}


def static_result(
    kind: str, case: str, submission: SubmissionFiles, **changes: object
) -> CriterionResult:
    """Run one static kind on a recorded case, as the check does, its criterion changed."""
    run, crit = STATIC[kind]
    crit = crit.model_copy(update=changes)
    loaded = cast(Any, SimpleNamespace(rubric=SimpleNamespace(limits=Limits())))
    ctx = CheckContext(
        workspace=cast(Any, RecordedWorkspace(case)),
        loaded=loaded,
        submission=submission,
        now=datetime(2026, 1, 1, tzinfo=UTC),
        show_hidden=False,
    )
    return run(crit, ctx)


@pytest.mark.parametrize("kind", list(STATIC))
@pytest.mark.parametrize("case", ["syntax", "notutf8"])
@pytest.mark.parametrize("inspected", [True, False], ids=["inspected", "tool-only"])
def test_a_file_no_tool_could_read_scores_zero_and_is_named(
    kind: str, case: str, inspected: bool
) -> None:
    """A syntax error or a file that is not UTF-8 leaves the criterion at 0, graded, naming the
    file, whether the submission's inspection or only the tool said so: no full points for a
    "could not scan" (bandit, radon), no small deduction for a file ruff or mypy could not read."""
    found = inspect(SRC / case, Submission())
    submission = found if inspected else SubmissionFiles(found.root, found.files, ())
    result = static_result(kind, case, submission)
    assert (result.score, result.status) == (0, "graded"), result.explanation
    assert "records.py" in result.summary and "could not be checked" in result.summary
    assert [f.path for f in result.findings if f.code == "not-checked"] == ["records.py"]
    assert "earns no points" in result.explanation


@pytest.mark.parametrize("kind", list(STATIC))
def test_a_missing_required_module_earns_no_static_points(kind: str) -> None:
    """Another clean file cannot stand in for the required module that is missing."""
    found = inspect(SRC / "clean", Submission(required=("records.py", "stats.py")))
    assert {p.path for p in found.problems} == {"stats.py"}
    result = static_result(kind, "clean", found)
    assert (result.score, result.status) == (0, "graded")
    assert "stats.py (missing)" in result.summary


def test_a_missing_file_the_criterion_excludes_costs_nothing() -> None:
    """A required file outside the criterion's globs (bandit skips tests/) is not its business."""
    found = inspect(SRC / "clean", Submission(required=("records.py", "tests/test_stats.py")))
    result = static_result("security", "clean", found, exclude=("tests/*",))
    assert "tests/test_stats.py" not in result.summary
    assert result.score == SECURITY.points


def test_a_file_kept_from_the_tools_earns_no_static_points(tmp_path: Path) -> None:
    """A file too large to parse is never given to the tools, and so cannot earn their points."""
    (tmp_path / "records.py").write_text((SRC / "clean" / "records.py").read_text())
    (tmp_path / "big.py").write_text("x = 1\n" * 400_000)
    found = inspect(tmp_path, Submission())
    assert "big.py" not in found.files
    result = static_result("security", "clean", found)
    assert (result.score, result.status) == (0, "graded")
    assert "big.py (too large to check)" in result.summary


def test_a_flood_of_violations_is_graded_from_rufs_counts(tmp_path: Path) -> None:
    """A file whose violations outgrow the tool's output cap loses its points (graded, counted per
    rule), instead of the cut JSON making lint the grader's failure and the whole grade exit 3."""
    (tmp_path / "records.py").write_text("x = 1;\n" * 6000)  # E703 six thousand times, 42 KB
    submission = inspect(tmp_path, Submission())
    crit = LintCriterion(id="style", kind="lint", points=10, select=("E",))
    loaded = cast(Any, SimpleNamespace(rubric=SimpleNamespace(limits=Limits())))
    with LocalSandbox(tmp_path / "cache").open(tmp_path, Limits()) as workspace:
        ctx = CheckContext(
            workspace=workspace,
            loaded=loaded,
            submission=submission,
            now=datetime(2026, 1, 1, tzinfo=UTC),
            show_hidden=False,
        )
        first = workspace.run(ctx.command(*lint_command(crit, submission.files)))
        result = run_lint(crit, ctx)
    assert first.output_truncated  # the premise: the full report does not fit
    assert (result.score, result.status) == (0, "graded"), result.summary
    assert result.metrics["violations"] == 6000
    assert "too many to list" in result.summary and "E703 x6000" in result.summary
