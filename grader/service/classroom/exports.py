"""Grades out of the console: the gradebook CSV, Canvas's gradebook import CSV, and
Gradescope's ``results.json`` for one submission.

The CSVs hold text people typed (names, ids), opened in spreadsheets: a cell that starts
with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be run as a formula, so
it gets a leading apostrophe (OWASP's advice on CSV injection). Numbers are written as
people write them (``81``, ``72.5``), a missing grade as an empty cell. Both rules are
``grader.report.cells`` (``safe_cell``, ``number``), shared with ``grader batch``'s gradebook
and re-exported here for the Canvas modules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from grader.errors import InputError
from grader.report.cells import number, safe_cell
from grader.report.model import CriterionResult, Report, TestResult
from grader.report.redact import for_student
from grader.service.classroom.gradebook import Gradebook
from grader.service.store.course import Student

CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The columns Canvas's gradebook import reads before the assignments."""
CANVAS_POINTS = "    Points Possible"
"""The first cell of the row of maximum points, spelled as Canvas's own export spells it."""
__all__ = [
    "CANVAS_FIXED",
    "CANVAS_POINTS",
    "canvas_csv",
    "gradebook_csv",
    "gradescope_results",
    "number",
    "safe_cell",
]


def _csv(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def gradebook_csv(gb: Gradebook) -> str:
    """One row per student (roster, then unmatched logins): key, student_id, name, email,
    login, the final score of each assignment (by id), and the total."""
    header = ["key", "student_id", "name", "email", "login"]
    header += [route.id for route in gb.routes] + ["total"]
    rows = [header]
    for student in gb.students:
        texts = [student.key, student.student_id, student.name, student.email, student.login]
        scores = [gb.cell(route.id, student.key).final for route in gb.routes]
        rows.append(
            [safe_cell(text or "") for text in texts]
            + [number(score) for score in scores]
            + [number(gb.total(student.key))]
        )
    return _csv(rows)


def canvas_csv(gb: Gradebook) -> str:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then a
    column ``<title> (<assignment id>)`` per assignment, a "Points Possible" row, and a row
    per roster student. Canvas matches students by SIS User ID (the roster's student id)
    or SIS Login ID (here the e-mail address); the Canvas ID and Section are left empty.
    Logins on no roster are left out: Canvas could not match them."""
    titles = [f"{route.loaded.rubric.title} ({route.id})" for route in gb.routes]
    points = [number(gb.stats[route.id].max_score) for route in gb.routes]
    rows = [[*CANVAS_FIXED, *map(safe_cell, titles)], [CANVAS_POINTS, "", "", "", "", *points]]
    rows.extend(_canvas_row(gb, student) for student in gb.students if _in_canvas(student))
    return _csv(rows)


def _in_canvas(student: Student) -> bool:
    """A student Canvas can match: one with a student id or an e-mail address."""
    return student.student_id is not None or student.email is not None


def _canvas_row(gb: Gradebook, student: Student) -> list[str]:
    texts = [student.name or student.key, "", student.student_id, student.email, ""]
    scores = [gb.cell(route.id, student.key).final for route in gb.routes]
    return [safe_cell(text or "") for text in texts] + [number(score) for score in scores]


def gradescope_results(report: dict[str, Any], *, show_hidden: bool) -> dict[str, Any]:
    """A ``grader.report/v1`` report as Gradescope's ``results.json``.

    The total is the report's score (late penalty included). Each criterion is a scored test
    (its summary, explanation and hint as output); each test inside it follows as an
    unscored entry with its status. Without ``show_hidden`` a hidden test keeps only its
    outcome ("hidden test N"); with it, its name and message are given and the entry is
    ``visibility: hidden`` (Gradescope then shows it to instructors only, and, by its rules,
    keeps the total from students until the tests are shown).
    Raises ``InputError`` when ``report`` is not a ``grader.report/v1`` report.
    """
    try:
        parsed = Report.model_validate(report)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "report"
        raise InputError(f"not a grader.report/v1 report: {where}: {first['msg']}") from None
    if not show_hidden:  # the student's view: visibility `names` keeps one line, too
        parsed = for_student(parsed)
    tests: list[dict[str, Any]] = []
    for number_, criterion in enumerate(parsed.criteria, start=1):
        tests.append(_criterion_entry(number_, criterion))
        tests.extend(_test_entries(number_, criterion.tests, show_hidden=show_hidden))
    return {
        "score": parsed.score,
        "execution_time": round(parsed.duration, 3),
        "output": _overview(parsed),
        "output_format": "text",
        "test_output_format": "text",
        "tests": tests,
        "extra_data": {
            "schema": parsed.schema_,
            "rubric": parsed.rubric.id,
            "rubric_sha256": parsed.rubric.sha256,
            "max_score": parsed.max_score,
            "status": parsed.status,
            "grader_version": parsed.grader_version,
        },
    }


def _overview(report: Report) -> str:
    lines = [f"{report.rubric.title}: {number(report.score)} / {number(report.max_score)}"]
    if report.late is not None:
        late = report.late
        lines.append(
            f"Submitted {late.days_late} day(s) after {late.due.isoformat()}: "
            + (f"-{number(late.penalty_percent)}%" if late.accepted else "not accepted, 0")
        )
    lines.extend(f"{p.path}: {p.message}" for p in report.submission.problems)
    return "\n".join(lines)


def _criterion_entry(position: int, criterion: CriterionResult) -> dict[str, Any]:
    output = [criterion.summary, criterion.explanation]
    if criterion.lost_points and criterion.hint:
        output.append(f"Hint: {criterion.hint}")
    if criterion.lost_points and criterion.learn_more:
        output.append(f"Learn more: {criterion.learn_more}")
    return {
        "name": criterion.title,
        "number": str(position),
        "score": criterion.score,
        "max_score": criterion.max_score,
        "status": "failed" if criterion.lost_points else "passed",
        "output": "\n".join(output),
        "tags": [criterion.kind],
        "extra_data": {"criterion": criterion.id, "status": criterion.status},
    }


def _test_entries(
    position: int, tests: Sequence[TestResult], *, show_hidden: bool
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    withheld = 0
    for index, test in enumerate(tests, start=1):
        hidden = test.hidden or test.visibility == "hidden"
        withheld += hidden and not show_hidden
        entry: dict[str, Any] = {"number": f"{position}.{index}"}
        entry.update(_identity(test, hidden and not show_hidden, withheld))
        if hidden and show_hidden:
            entry["visibility"] = "hidden"
        if test.outcome == "skipped":
            entry["output"] = "skipped"
        else:
            entry["status"] = "passed" if test.outcome == "passed" else "failed"
        entries.append(entry)
    return entries


def _identity(test: TestResult, withheld: bool, number: int) -> dict[str, Any]:
    """The entry's name and output: a withheld test's number only."""
    if withheld:
        return {"name": f"hidden test {number}"}
    return {"name": test.name, **({"output": test.message} if test.message else {})}
