"""The console's home and the course overview.

``/console`` lists the courses the viewer teaches and, for everyone, their own submissions.
``/console/courses/{course}`` (staff only) is the gradebook grid: one row per student, one
column per assignment, each cell the final score coloured by its state, with each
assignment's counts (submitted, missing, median) below. One ``build_gradebook`` per request;
the grid's rows are prepared here so the template only prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.pages.student import OneStudent
from grader.console.views import (
    DASH,
    PageRoute,
    render,
    score,
    staff_course,
    staff_courses,
    student_url,
)
from grader.service.classroom.gradebook import Cell, Gradebook, build_gradebook
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import Course, Route
from grader.service.store.course import CourseStore, Student

MAX_OWN = 500
"""The viewer's own submissions listed on the home page (newest first)."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]

MARKS = {"late": "L", "overridden": "O", "pending": "…", "failed": "!", "missing": "", "graded": ""}
"""A letter beside a cell's score, so its state reads without colour too."""


@dataclass(frozen=True)
class GridCell:
    """One cell as the grid prints it."""

    state: str
    text: str
    mark: str
    title: str
    link: str | None


@dataclass(frozen=True)
class GridRow:
    """One student's row."""

    student: Student
    link: str
    cells: list[GridCell]
    total: str
    late_days_left: int | None


@router.get("/console", response_class=HTMLResponse)
def home(request: Request, viewer: Viewing, ctx: Context) -> HTMLResponse:
    """The courses the viewer teaches, and the viewer's own submissions."""
    assignments = [route.id for route in ctx.courses.routes]
    own = (
        ctx.course_store.course_submissions(assignments, logins=[viewer.login.lower()])
        if assignments
        else []
    )
    grades = own_grades(ctx, viewer, {row.assignment for row in own})
    own = sorted(own, key=lambda row: row.submitted_at, reverse=True)[:MAX_OWN]
    titles = {route.id: route.loaded.rubric.title for route in ctx.courses.routes}
    return render(
        request,
        "home.html",
        viewer=viewer,
        courses=staff_courses(ctx, viewer),
        submissions=own,
        titles=titles,
        grades=grades,
    )


@dataclass(frozen=True)
class OwnGrades:
    """A student's grades in one course, as the gradebook computes them for staff."""

    course: Course
    cells: list[tuple[Route, Cell]]
    late_days_left: int | None


def own_grades(ctx: ConsoleContext, viewer: Viewer, submitted: set[str]) -> list[OwnGrades]:
    """The viewer's grades in each course they submitted to: after which submission counts,
    their own due date, the late penalty and any override (one student's reads each)."""
    found = []
    login = viewer.login.lower()
    for course in ctx.courses.courses:
        routes = ctx.courses.course_routes(course.id)
        if not submitted & {route.id for route in routes}:
            continue
        student = ctx.course_store.student_by_login(course.id, login)
        key = student.key if student is not None else f"{PSEUDO_PREFIX}{login}"
        scope = OneStudent(ctx.course_store, course.id, key)
        book = build_gradebook(ctx.courses, course.id, cast(CourseStore, scope))
        cells = [(route, book.cell(route.id, key)) for route in routes]
        left = book.late_days_left.get(key) if book.late_days_left is not None else None
        found.append(OwnGrades(course, cells, left))
    return found


@router.get("/console/courses/{course_id}", response_class=HTMLResponse)
def course_page(request: Request, course_id: str, viewer: Viewing, ctx: Context) -> HTMLResponse:
    """The gradebook grid with each assignment's counts."""
    course = staff_course(ctx, viewer, course_id)
    gradebook = ctx.gradebook(course.id)
    return render(
        request,
        "course.html",
        viewer=viewer,
        course=course,
        gradebook=gradebook,
        rows=grid_rows(gradebook),
        states=("graded", "late", "overridden", "pending", "failed", "missing"),
    )


def grid_rows(gradebook: Gradebook) -> list[GridRow]:
    """The grid, row by row, in the gradebook's order (roster first, then unmatched logins)."""
    course = gradebook.course.id
    left = gradebook.late_days_left
    return [
        GridRow(
            student=student,
            link=student_url(course, student.key),
            cells=[
                grid_cell(gradebook.cells[(route.id, student.key)]) for route in gradebook.routes
            ],
            total=score(gradebook.total(student.key)),
            late_days_left=left.get(student.key) if left is not None else None,
        )
        for student in gradebook.students
    ]


def grid_cell(cell: Cell) -> GridCell:
    """A cell's score, state mark, tooltip (how the final came about) and link."""
    return GridCell(
        state=cell.state,
        text=score(cell.final)
        if cell.final is not None
        else (DASH if cell.state == "missing" else ""),
        mark=MARKS.get(cell.state, ""),
        title=explain(cell),
        link=f"/console/submissions/{cell.submission.id}" if cell.submission else None,
    )


def explain(cell: Cell) -> str:
    """How a cell's final score came about, in one line."""
    parts: list[str] = [cell.state]
    if cell.raw is not None:
        parts.append(f"raw {score(cell.raw)}")
    if cell.days_late:
        parts.append(f"{cell.days_late} day(s) late, -{score(cell.penalty_percent)}%")
    if cell.due.extended:
        parts.append(f"extended to {cell.due.due:%Y-%m-%d %H:%M}" if cell.due.due else "extended")
    if cell.due.late_days_used:
        parts.append(f"{cell.due.late_days_used} late day(s) used")
    if cell.override is not None:
        parts.append(f"overridden to {score(cell.override.score)}: {cell.override.reason}")
    if cell.attempts:
        parts.append(f"{cell.attempts} commit(s)")
    return " · ".join(parts)
