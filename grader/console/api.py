"""The console's JSON API, for scripts (``Authorization: Bearer <token>``) and the signed-in
browser alike, under the same checks as the pages: the course's staff for a course, the
student for their own submissions.

Bodies are pydantic models (``extra="forbid"``, bounded strings); a body that does not fit
is a 422 whose ``detail`` names each field (``["body", "score"]``), the same shape for the
checks that need the course (an assignment of another course, a score over the rubric's
maximum). A write from a browser session needs the CSRF token in ``X-CSRF-Token``; a token's
request needs none (no cookie rides on it).
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.pages.actions import (
    MAX_REASON,
    Problem,
    check_reason,
    check_score,
    check_target,
)
from grader.console.security import verify_csrf
from grader.console.views import assignment_of, staff_course, staff_courses
from grader.service.classroom.gradebook import Gradebook
from grader.service.store.course import Extension, Override, SubmissionRow

MAX_ROWS = 50_000
"""Submissions one answer lists at most (newest kept)."""

router = APIRouter(prefix="/api", tags=["console"])
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ExtensionBody(_Body):
    """A student's own due date for one assignment."""

    student: str = Field(min_length=1, max_length=210)
    """The student's key on the roster (``gh:<login>`` for a login on no roster)."""
    assignment: str = Field(min_length=1, max_length=100)
    due: AwareDatetime
    """The new due date, with its offset (``2026-12-08T23:59:00Z``)."""
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class OverrideBody(_Body):
    """A grade set by hand."""

    student: str = Field(min_length=1, max_length=210)
    assignment: str = Field(min_length=1, max_length=100)
    score: float = Field(ge=0, allow_inf_nan=False)
    """Points, between 0 and the assignment's maximum."""
    reason: str = Field(min_length=1, max_length=MAX_REASON)

    @field_validator("score")
    @classmethod
    def _rounded(cls, value: float) -> float:
        return round(value, 2)


def unprocessable(problems: list[Problem]) -> HTTPException:
    """A 422 in FastAPI's own shape, each problem under its field."""
    return HTTPException(
        422,
        [{"loc": ["body", p.field], "msg": p.message, "type": "value_error"} for p in problems],
    )


def rows_json(rows: list[SubmissionRow]) -> list[dict[str, Any]]:
    """Submissions, newest first, at most ``MAX_ROWS``."""
    newest = sorted(rows, key=lambda row: row.submitted_at, reverse=True)[:MAX_ROWS]
    encoded: list[dict[str, Any]] = jsonable_encoder(newest)
    return encoded


@router.get("/courses")
def courses(viewer: Viewing, ctx: Context) -> list[dict[str, Any]]:
    """The courses the viewer teaches, with their role and assignments."""
    return [
        {
            "id": course.id,
            "title": course.title,
            "role": viewer.role_in(course.id),
            "assignments": [route.id for route in ctx.courses.course_routes(course.id)],
        }
        for course in staff_courses(ctx, viewer)
    ]


@router.get("/courses/{course_id}/gradebook")
def gradebook(course_id: str, viewer: Viewing, ctx: Context) -> dict[str, Any]:
    """The gradebook: the assignments, and a row per student with each cell."""
    course = staff_course(ctx, viewer, course_id)
    return gradebook_json(ctx.gradebook(course.id))


def gradebook_json(gb: Gradebook) -> dict[str, Any]:
    """The gradebook as plain JSON data."""
    left = gb.late_days_left
    assignments = [
        {
            "id": route.id,
            "title": route.loaded.rubric.title,
            "max_score": gb.stats[route.id].max_score,
            "due": route.due,
            "counts": route.assignment.counts,
        }
        for route in gb.routes
    ]
    students = []
    for student in gb.students:
        cells = {}
        for route in gb.routes:
            cell = gb.cells[(route.id, student.key)]
            cells[route.id] = {
                "final": cell.final,
                "state": cell.state,
                "raw": cell.raw,
                "computed": cell.computed,
                "days_late": cell.days_late,
                "penalty_percent": cell.penalty_percent,
                "due": cell.due.due,
                "extended": cell.due.extended,
                "late_days_used": cell.due.late_days_used,
                "overridden": cell.override is not None,
                "submission": cell.submission.id if cell.submission else None,
                "attempts": cell.attempts,
            }
        students.append(
            {
                "key": student.key,
                "login": student.login,
                "student_id": student.student_id,
                "name": student.name,
                "email": student.email,
                "total": gb.total(student.key),
                "late_days_left": left.get(student.key) if left is not None else None,
                "grades": cells,
            }
        )
    encoded: dict[str, Any] = jsonable_encoder(
        {
            "course": gb.course.id,
            "assignments": assignments,
            "students": students,
            "unmatched": gb.unmatched,
        }
    )
    return encoded


@router.get("/courses/{course_id}/assignments/{assignment_id}/submissions")
def assignment_submissions(
    course_id: str, assignment_id: str, viewer: Viewing, ctx: Context
) -> list[dict[str, Any]]:
    """Every submission of the assignment (regrades and superseded pushes included)."""
    course = staff_course(ctx, viewer, course_id)
    route = assignment_of(ctx, course, assignment_id)
    return rows_json(ctx.course_store.course_submissions([route.id]))


@router.get("/students/me/submissions")
def my_submissions(viewer: Viewing, ctx: Context) -> list[dict[str, Any]]:
    """The viewer's own submissions, of every course."""
    assignments = [route.id for route in ctx.courses.routes]
    if not assignments:
        return []
    return rows_json(
        ctx.course_store.course_submissions(assignments, logins=[viewer.login.lower()])
    )


@router.post(
    "/courses/{course_id}/extensions", status_code=201, dependencies=[Depends(verify_csrf)]
)
def set_extension(
    course_id: str, body: ExtensionBody, viewer: Viewing, ctx: Context
) -> dict[str, Any]:
    """Give a student their own due date for an assignment (replacing any earlier one)."""
    course = staff_course(ctx, viewer, course_id)
    _route, problems = check_target(ctx, course, body.assignment, body.student)
    reason, more = check_reason(body.reason)
    if problems or more:
        raise unprocessable(problems + more)
    extension = Extension(
        course.id, body.assignment, body.student, body.due.astimezone(UTC), reason,
        viewer.login.lower(), ctx.clock(),
    )  # fmt: skip
    ctx.course_store.set_extension(extension)
    encoded: dict[str, Any] = jsonable_encoder(extension)
    return encoded


@router.post("/courses/{course_id}/overrides", status_code=201, dependencies=[Depends(verify_csrf)])
def set_override(
    course_id: str, body: OverrideBody, viewer: Viewing, ctx: Context
) -> dict[str, Any]:
    """Set a student's grade for an assignment by hand (audited: before, after, reason)."""
    course = staff_course(ctx, viewer, course_id)
    route, problems = check_target(ctx, course, body.assignment, body.student)
    problems += check_score(route, body.score)
    reason, more = check_reason(body.reason)
    if problems or more:
        raise unprocessable(problems + more)
    override = Override(
        course.id,
        body.assignment,
        body.student,
        body.score,
        reason,
        viewer.login.lower(),
        ctx.clock(),
    )
    ctx.course_store.set_override(override)
    encoded: dict[str, Any] = jsonable_encoder(override)
    return encoded
