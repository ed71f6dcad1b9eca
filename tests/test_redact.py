"""The student's view of a report graded for the instructor (``grader.report.redact``)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.report.model import Report, TestResult
from grader.report.redact import for_student, student_view

GOLDEN = Path(__file__).parent / "golden" / "reports" / "sloppy.report.json"


def _report(*tests: TestResult) -> Report:
    report = Report.model_validate(json.loads(GOLDEN.read_text(encoding="utf-8")))
    criteria = [
        c.model_copy(update={"tests": tests}) if c.kind == "tests" else c for c in report.criteria
    ]
    return report.model_copy(update={"criteria": tuple(criteria)})


def _tests(report: Report) -> tuple[TestResult, ...]:
    return next(c.tests for c in report.criteria if c.kind == "tests")


def test_each_test_keeps_what_its_visibility_allows() -> None:
    staff = _report(
        TestResult(name="t.py::test_open", outcome="failed", message="assert 1 == 2\nfull"),
        TestResult(
            name="t.py::test_named", outcome="failed", message="assert 41 == 42", visibility="names"
        ),
        TestResult(
            name="t.py::test_secret", outcome="failed", message="boom", visibility="hidden",
            hidden=True,
        ),
        TestResult(name="t.py::test_old_hidden", outcome="passed", hidden=True),
    )  # fmt: skip
    opened, named, secret, old = _tests(for_student(staff))
    assert opened.message == "assert 1 == 2\nfull"
    assert named.name == "t.py::test_named" and "42" not in (named.message or "")
    assert (secret.name, secret.message, secret.outcome) == ("hidden test 1", None, "failed")
    assert old.name == "hidden test 2"  # a report saved before `visibility` existed
    assert _tests(staff)[2].name == "t.py::test_secret"  # the staff's report is untouched
    assert student_view(staff.model_dump(mode="json", by_alias=True)) == for_student(
        staff
    ).model_dump(mode="json", by_alias=True)


def test_a_document_that_is_not_a_report_still_loses_its_secrets() -> None:
    document = {
        "criteria": [
            {"tests": [{"name": "test_x", "message": "m", "hidden": True}, "junk"]},
            "junk",
            {"tests": [{"name": "test_y", "message": "m", "visibility": "names"}]},
        ]
    }
    viewed = student_view(document)
    assert viewed["criteria"][0]["tests"][0] == {
        "name": "hidden test 1",
        "message": None,
        "hidden": True,
    }
    assert viewed["criteria"][2]["tests"][0]["message"] is None
    assert document["criteria"][0]["tests"][0]["name"] == "test_x"  # type: ignore[index]
