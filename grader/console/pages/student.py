"""The student page (staff only): every submission, the score over commits as a plot, each
assignment's cell of the gradebook (due date, penalty, override), the extensions and
overrides with the forms that change them, the late days left, the regrade requests and the
audit entries about the student.

One ``build_gradebook`` (the student's cells and late days need the whole course's policy),
one read of the student's submissions, one of the audit trail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from grader.console import plots
from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.views import (
    PageRoute,
    notice_for,
    render,
    score,
    staff_course,
    student_key,
    when,
)
from grader.service.classroom.gradebook import Cell, Gradebook, build_gradebook
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import Course, Route
from grader.service.store.course import (
    AuditEntry,
    CourseStore,
    Extension,
    Override,
    Student,
    SubmissionRow,
)

AUDIT_SCAN = 2000
"""Newest audit entries of the course searched for the student's."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


@dataclass(frozen=True)
class AssignmentLine:
    """One assignment of the student: its route, its gradebook cell and its plot."""

    route: Route
    cell: Cell
    plot: Markup | None


@router.get("/console/courses/{course_id}/students/{key:path}", response_class=HTMLResponse)
def student_page(
    request: Request,
    course_id: str,
    key: str,
    viewer: Viewing,
    ctx: Context,
    done: str | None = None,
) -> HTMLResponse:
    """Everything about one student of the course."""
    course = staff_course(ctx, viewer, course_id)
    return student_page_response(
        request, ctx, viewer, course, student_key(key), notice=notice_for(done)
    )


class OneStudent:
    """The course store seen through one student, for ``build_gradebook``: the roster holds
    only them, the submissions only theirs, the extensions and overrides only theirs. A
    student's cells and late days depend on nothing of the other students', so the gradebook
    built over it has their row as the whole course's has it, for one student's reads instead
    of the course's (60,000 rows in a large course). Anything else is the store's.
    """

    def __init__(self, store: CourseStore, course: str, key: str) -> None:
        self.store = store
        self.key = key
        self.on_roster = store.student(course, key)
        login = key[len(PSEUDO_PREFIX) :] if key.startswith(PSEUDO_PREFIX) else None
        if self.on_roster is not None:
            login = self.on_roster.login
        elif login is not None and store.student_by_login(course, login) is not None:
            login = None  # the login belongs to a roster student: ``gh:<login>`` is no one
        self.login = login
        self.rows: list[SubmissionRow] = []
        """The student's submissions, once the gradebook asked for them."""

    def students(self, course: str) -> list[Student]:
        return [self.on_roster] if self.on_roster is not None else []

    def course_submissions(
        self, assignments: Sequence[str], *, logins: Sequence[str] | None = None
    ) -> list[SubmissionRow]:
        if self.login is None:
            return []
        self.rows = self.store.course_submissions(assignments, logins=[self.login])
        return self.rows

    def extensions(self, course: str) -> list[Extension]:
        return [each for each in self.store.extensions(course) if each.student == self.key]

    def overrides(self, course: str) -> list[Override]:
        return [each for each in self.store.overrides(course) if each.student == self.key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def student_page_response(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    course: Course,
    key: str,
    *,
    problems: list[str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page (also shown again, status 400, with the problems of a form that was refused)."""
    scope = OneStudent(ctx.course_store, course.id, key)
    gradebook = build_gradebook(ctx.courses, course.id, cast(CourseStore, scope))
    student = next((each for each in gradebook.students if each.key == key), None)
    if student is None:
        if problems:
            raise HTTPException(400, "; ".join(problems))
        raise HTTPException(404, "no such student in this course")
    return render(
        request,
        "student.html",
        viewer=viewer,
        status=status,
        course=course,
        student=student,
        late_days=course.late_days,
        problems=problems or [],
        notice=notice,
        **_about_student(ctx, gradebook, student, scope.rows),
    )


def _about_student(
    ctx: ConsoleContext, gradebook: Gradebook, student: Student, rows: list[SubmissionRow]
) -> dict[str, Any]:
    """What the page lists about the student, from their gradebook, rows and the store."""
    course, key = gradebook.course.id, student.key
    regrades = (
        ctx.course_store.regrade_requests(course, login=student.login) if student.login else []
    )
    ids = {row.id for row in rows}
    return {
        "lines": assignment_lines(gradebook, student, rows),
        "submissions": sorted(rows, key=lambda row: row.submitted_at, reverse=True),
        "extensions": [e for e in ctx.course_store.extensions(course) if e.student == key],
        "overrides": [cell.override for cell in _cells(gradebook, key) if cell.override],
        "late_days_left": (gradebook.late_days_left or {}).get(key),
        "regrades": regrades,
        "audit": about(ctx.course_store.audit(course, limit=AUDIT_SCAN), key, ids),
    }


def _cells(gradebook: Gradebook, key: str) -> list[Cell]:
    return [gradebook.cells[(route.id, key)] for route in gradebook.routes]


def assignment_lines(
    gradebook: Gradebook, student: Student, rows: list[SubmissionRow]
) -> list[AssignmentLine]:
    """Each assignment's cell and, when something was graded, the score over commits."""
    by_assignment: dict[str, list[SubmissionRow]] = defaultdict(list)
    for row in rows:
        if row.status == "graded" and row.score is not None:
            by_assignment[row.assignment].append(row)
    lines = []
    for route in gradebook.routes:
        graded = sorted(by_assignment.get(route.id, []), key=lambda row: row.submitted_at)
        plot = (
            plots.line(
                [
                    plots.Point(
                        row.head_sha[:7],
                        row.score or 0.0,
                        f"{row.head_sha[:12]} · {when(row.submitted_at)} · "
                        f"{score(row.score)} / {score(row.max_score)}",
                    )
                    for row in graded
                ],
                maximum=route.loaded.rubric.max_score,
                title=f"{route.id}: score at each commit",
            )
            if graded
            else None
        )
        lines.append(AssignmentLine(route, gradebook.cells[(route.id, student.key)], plot))
    return lines


def about(entries: list[AuditEntry], key: str, submission_ids: set[str]) -> list[AuditEntry]:
    """The audit entries about the student: their assignments (``<assignment>/<key>``), their
    submissions (regrade requests), their roster entry."""
    return [
        entry
        for entry in entries
        if entry.target.endswith(f"/{key}") or entry.target == key or entry.target in submission_ids
    ]
