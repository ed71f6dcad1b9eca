"""The student's view of a report graded for the instructor.

The service grades with the hidden tests shown and keeps that report for the course's
staff; the student (the pull request's feedback, the console, the API) gets it through
``student_view``: a test at visibility `hidden` keeps only its outcome (``hidden test N``),
one at `names` its name and a one-line message (``brief_message``), a visible one all of it.
``grader grade`` without ``--show-hidden`` applies the same rules while grading.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from grader.report.model import Report, TestResult

BRIEF_LIMIT = 200
"""Characters of a failure's one line kept at visibility `names`."""


def brief_message(message: str | None) -> str | None:
    """A failure in one line, for visibility `names`: the exception and its message, or the
    instructor's assertion message; never the test's source, pytest's comparison of the values
    (``assert 41 == 42``, which shows the expected one) or what the code printed."""
    if not message:
        return message
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return None
    line = lines[0]
    if line == "collection failure":  # the test file could not import the code: its last E line
        line = lines[-1] if len(lines) > 1 else line
    if line.removeprefix("AssertionError: ").startswith("assert ") or line == "AssertionError":
        line = "AssertionError (an assertion failed; the values compared are not shown)"
    return line[:BRIEF_LIMIT] + ("..." if len(line) > BRIEF_LIMIT else "")


def redact_test(test: TestResult, number: int) -> TestResult:
    """One test as its student may read it; ``number`` names a hidden one."""
    if test.visibility == "hidden" or test.hidden:
        return test.model_copy(
            update={"name": f"hidden test {number}", "message": None, "hidden": True}
        )
    if test.visibility == "names":
        return test.model_copy(update={"message": brief_message(test.message)})
    return test


def for_student(report: Report) -> Report:
    """The report as its student may read it."""
    criteria = []
    for criterion in report.criteria:
        tests, number = [], 0
        for test in criterion.tests:
            if test.visibility == "hidden" or test.hidden:
                number += 1
            tests.append(redact_test(test, number))
        criteria.append(criterion.model_copy(update={"tests": tuple(tests)}))
    return report.model_copy(update={"criteria": tuple(criteria)})


def student_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """``for_student`` on a stored report's JSON; a document that is not a valid report keeps
    only what is certainly safe: every test marked hidden, or at `hidden` or `names`, loses
    its message, and a hidden one its name."""
    try:
        parsed = Report.model_validate(report)
    except ValueError:
        return _by_hand(report)
    return for_student(parsed).model_dump(mode="json", by_alias=True)


def _by_hand(report: Mapping[str, Any]) -> dict[str, Any]:
    public: dict[str, Any] = copy.deepcopy(dict(report))
    for criterion in public.get("criteria") or []:
        if not isinstance(criterion, dict):
            continue
        number = 0
        for test in criterion.get("tests") or []:
            if not isinstance(test, dict):
                continue
            if test.get("hidden") or test.get("visibility") == "hidden":
                number += 1
                test["name"] = f"hidden test {number}"
                test["message"] = None
            elif test.get("visibility") == "names":
                test["message"] = None
    return public
