"""The assignment page (staff only): how the class did, as plots and lists.

A score histogram and each criterion's average (SVG, ``plots``), the tests most students
fail (hidden ones marked), the late work, the students with no submission, and the
submissions still queued or running or failed by the platform: that last part is fetched
again by htmx every 5 s (``/queue``), so the page shows grading as it happens. One
``build_gradebook``, and the reports of the counted submissions only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from grader.console import plots
from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.views import (
    PageRoute,
    assignment_of,
    fragment,
    render,
    staff_course,
    student_url,
)
from grader.service.classroom.insights import BINS, Insights, assignment_insights
from grader.service.store.course import SubmissionRow

MAX_QUEUE = 200
"""Queued, running and failed submissions listed (the newest)."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


@router.get("/console/courses/{course_id}/assignments/{assignment_id}", response_class=HTMLResponse)
def assignment_page(
    request: Request, course_id: str, assignment_id: str, viewer: Viewing, ctx: Context
) -> HTMLResponse:
    """Plots, most-failed tests, late work, missing students and the grading queue."""
    course = staff_course(ctx, viewer, course_id)
    route = assignment_of(ctx, course, assignment_id)
    gradebook = ctx.gradebook(course.id)
    students = {student.key: student for student in gradebook.students}
    column = [gradebook.cells[(route.id, student.key)] for student in gradebook.students]
    counted = [cell.submission.id for cell in column if cell.submission is not None]
    max_score = route.loaded.rubric.max_score
    insights = assignment_insights(ctx.course_store.reports(counted), max_score)
    return render(
        request,
        "assignment.html",
        viewer=viewer,
        course=course,
        route=route,
        stats=gradebook.stats[route.id],
        insights=insights,
        histogram=histogram_plot(insights),
        criteria=criteria_plot(insights),
        late=[(students[cell.student], cell) for cell in column if cell.days_late > 0],
        missing=[students[cell.student] for cell in column if cell.state == "missing"],
        queue=queue_rows(ctx, route.id),
        link=lambda student: student_url(course.id, student.key),
    )


@router.get(
    "/console/courses/{course_id}/assignments/{assignment_id}/queue",
    response_class=HTMLResponse,
)
def assignment_queue(
    course_id: str, assignment_id: str, viewer: Viewing, ctx: Context
) -> HTMLResponse:
    """The part of the page htmx fetches every 5 s: queued, running and failed submissions."""
    course = staff_course(ctx, viewer, course_id)
    route = assignment_of(ctx, course, assignment_id)
    return fragment("_queue.html", course=course, route=route, queue=queue_rows(ctx, route.id))


def queue_rows(ctx: ConsoleContext, assignment: str) -> list[SubmissionRow]:
    """The assignment's submissions in flight or failed by the platform, newest first."""
    rows = ctx.course_store.course_submissions([assignment])
    waiting = [row for row in rows if row.status in ("queued", "running", "failed")]
    return sorted(waiting, key=lambda row: row.created_at, reverse=True)[:MAX_QUEUE]


def histogram_plot(insights: Insights) -> Markup:
    """The scores in ten bins of the maximum."""
    width = 100 // BINS
    bars = [
        plots.Bar(
            f"{index * width}%",
            count,
            f"{count} student(s) scored {index * width}-{(index + 1) * width}% of the maximum",
        )
        for index, count in enumerate(insights.histogram)
    ]
    return plots.histogram(bars, title="Scores of the counted submissions (percent of the maximum)")


def criteria_plot(insights: Insights) -> Markup:
    """Each criterion's average against its maximum."""
    bars = [
        plots.Bar(c.title, c.average, f"{c.title}: {c.average:g} of {c.max_score:g} on average")
        for c in insights.criteria
    ]
    return plots.horizontal_bars(
        bars,
        maximum=[c.max_score for c in insights.criteria],
        title="Average points per criterion",
    )
