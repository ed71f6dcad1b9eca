"""What leaves the console: the gradebook CSV, Canvas's import CSV, Gradescope's results.json;
and the class-wide insights drawn from reports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from test_classroom_gradebook import (
    COURSE,
    DAY,
    DUE,
    HOUR,
    RecordStore,
    courses,
    route,
    row,
)

from grader.errors import InputError
from grader.report.cells import number, safe_cell
from grader.report.model import (
    CriterionResult,
    LateInfo,
    Report,
    RubricInfo,
    SubmissionInfo,
    TestResult,
)
from grader.service.classroom.exports import canvas_csv, gradebook_csv, gradescope_results
from grader.service.classroom.gradebook import Gradebook, build_gradebook
from grader.service.classroom.insights import assignment_insights
from grader.service.store.course import Override, Student


def _book() -> Gradebook:
    w1, w2 = route("w1"), route("w2", DUE + 7 * DAY)
    records = RecordStore(
        roster=[
            Student(COURSE, "s1", "amy", 1, "s1", '=HYPERLINK("http://x")', "amy@example.org"),
            Student(COURSE, "s2", "bob", None, "s2", "Bob, Jr.", None),
        ],
        rows=[
            row("w1", "amy", DUE - HOUR, 72.5),
            row("w1", "bob", DUE + HOUR, 90),  # a day late: 81
            row("w2", "amy", DUE, 100),
            row("w1", "zed", DUE, 50),
        ],
        set_by_hand=[Override(COURSE, "w2", "s2", 10.0, "copied", "prof", DUE)],
    )
    return build_gradebook(courses(w1, w2), COURSE, records.as_store())


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_numbers_are_written_without_trailing_zeros() -> None:
    assert [number(81.0), number(72.5), number(1 / 3), number(None), number(-0.0)] == [
        "81",
        "72.5",
        "0.33",
        "",
        "0",
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Ada") == "Ada"


def test_gradebook_csv_has_a_row_per_student_and_a_column_per_assignment() -> None:
    header, amy, bob, zed = _rows(gradebook_csv(_book()))
    assert header == ["key", "student_id", "name", "email", "login", "w1", "w2", "total"]
    assert amy == [
        "s1",
        "s1",
        '\'=HYPERLINK("http://x")',
        "amy@example.org",
        "amy",
        "72.5",
        "100",
        "172.5",
    ]
    assert bob == ["s2", "s2", "Bob, Jr.", "", "bob", "81", "10", "91"]
    assert zed == ["gh:zed", "", "", "", "zed", "50", "", "50"]


def test_canvas_csv_has_the_points_row_and_only_students_canvas_can_match() -> None:
    header, points, amy, bob = _rows(canvas_csv(_book()))
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == [
        f"{route('w1').loaded.rubric.title} (w1)",
        f"{route('w2').loaded.rubric.title} (w2)",
    ]
    assert points == ["    Points Possible", "", "", "", "", "100", "100"]
    assert amy == ['\'=HYPERLINK("http://x")', "", "s1", "amy@example.org", "", "72.5", "100"]
    assert bob == ["Bob, Jr.", "", "s2", "", "", "81", "10"]


def _report(**changes: Any) -> dict[str, Any]:
    tests = (
        TestResult(name="test_a.py::test_visible", outcome="passed"),
        TestResult(name="test_a.py::test_secret", outcome="failed", message="boom", hidden=True),
        TestResult(name="test_a.py::test_skip", outcome="skipped"),
    )
    criteria = (
        CriterionResult(
            id="correctness",
            kind="tests",
            title="Correctness",
            score=5,
            max_score=10,
            summary="1 of 2 passed",
            explanation="10 x 1/2 = 5",
            tests=tests,
            hint="read the spec",
        ),
        CriterionResult(
            id="style", kind="lint", title="Style", score=5, max_score=5, summary="", explanation=""
        ),
    )
    report = Report(
        score=9,
        max_score=15,
        status="graded",
        rubric=RubricInfo(id="w1", title="Week 1", sha256="0" * 64),
        submission=SubmissionInfo(root=".", files=("a.py",)),
        criteria=criteria,
        late=LateInfo(
            submitted_at=DUE + HOUR, due=DUE, days_late=1, penalty_percent=10, accepted=True
        ),
        tools={},
        sandbox={"kind": "local"},
        grader_version="1.0",
        graded_at=datetime(2026, 12, 8, tzinfo=UTC),
        duration=12.3456,
    )
    data: dict[str, Any] = json.loads(report.to_json())
    data.update(changes)
    return data


def test_gradescope_results_for_students_withhold_hidden_tests() -> None:
    results = gradescope_results(_report(), show_hidden=False)
    assert results["score"] == 9
    assert results["execution_time"] == 12.346
    assert "Submitted 1 day(s) after 2026-12-07T23:59:00+00:00: -10%" in results["output"]
    criterion, visible, hidden, skipped, style = results["tests"]
    assert criterion["name"] == "Correctness"
    assert (criterion["score"], criterion["max_score"], criterion["status"]) == (5, 10, "failed")
    assert "Hint: read the spec" in criterion["output"]
    assert visible == {"number": "1.1", "name": "test_a.py::test_visible", "status": "passed"}
    assert hidden == {"number": "1.2", "name": "hidden test 1", "status": "failed"}
    assert skipped == {"number": "1.3", "name": "test_a.py::test_skip", "output": "skipped"}
    assert style["status"] == "passed"
    json.dumps(results)  # plain JSON


def test_gradescope_results_for_instructors_name_hidden_tests_as_hidden() -> None:
    hidden = gradescope_results(_report(), show_hidden=True)["tests"][2]
    assert hidden == {
        "number": "1.2",
        "name": "test_a.py::test_secret",
        "output": "boom",
        "visibility": "hidden",
        "status": "failed",
    }


def test_gradescope_results_refuse_what_is_not_a_report() -> None:
    with pytest.raises(InputError, match=r"not a grader\.report/v1 report: score"):
        gradescope_results(_report(score="lots"), show_hidden=False)


def test_insights_histogram_criteria_and_most_failed_tests() -> None:
    """Three reports: 9/15 (60%), 15/15 and 0/15; the hidden test failed twice of three."""
    low = _report(score=0)
    full = _report(score=15)
    full["criteria"][0]["tests"][1]["outcome"] = "passed"
    insights = assignment_insights({"a": _report(), "b": full, "c": low}, 15)
    assert insights.reports == 3
    assert insights.histogram == (1, 0, 0, 0, 0, 0, 1, 0, 0, 1)
    correctness, style = insights.criteria
    assert (correctness.title, correctness.average, correctness.max_score) == ("Correctness", 5, 10)
    assert style.average == 5
    [secret] = insights.most_failed
    assert (secret.name, secret.criterion, secret.failures, secret.out_of, secret.hidden) == (
        "test_a.py::test_secret",
        "correctness",
        2,
        3,
        True,
    )


def test_insights_skip_malformed_entries() -> None:
    broken = {"score": "x", "criteria": [1, {"id": "c", "score": None}, {"tests": "no"}]}
    insights = assignment_insights({"a": broken, "b": {}}, 10)
    assert insights.histogram == (0,) * 10
    assert insights.criteria == ()
    assert insights.most_failed == ()
