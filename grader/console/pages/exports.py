"""Downloads and the audit trail (staff only).

``/export/gradebook.csv`` and ``/export/canvas.csv`` are the course's gradebook after policy,
extensions, late penalty and overrides (``classroom.exports``), sent as attachments;
``/console/submissions/{id}/results.json`` is one submission as Gradescope's
``results.json``, hidden tests included and marked hidden. ``/audit`` lists the course's
audit trail, newest first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from grader.console.auth import Forbidden, Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.pages.submission import visible_submission
from grader.console.views import PageRoute, render, staff_course
from grader.errors import InputError
from grader.service.classroom.exports import canvas_csv, gradebook_csv, gradescope_results

AUDIT_SHOWN = 500
"""Audit entries on the page (newest first)."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


def attachment(content: str, filename: str, media_type: str) -> Response:
    """A download the browser saves under ``filename`` (ids only: no quoting needed)."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/console/courses/{course_id}/export/gradebook.csv")
def export_gradebook(course_id: str, viewer: Viewing, ctx: Context) -> Response:
    """One row per student, one column per assignment, and the total."""
    course = staff_course(ctx, viewer, course_id)
    gradebook = ctx.gradebook(course.id)
    return attachment(gradebook_csv(gradebook), f"{course.id}-gradebook.csv", "text/csv")


@router.get("/console/courses/{course_id}/export/canvas.csv")
def export_canvas(course_id: str, viewer: Viewing, ctx: Context) -> Response:
    """Canvas's gradebook import CSV."""
    course = staff_course(ctx, viewer, course_id)
    gradebook = ctx.gradebook(course.id)
    return attachment(canvas_csv(gradebook), f"{course.id}-canvas.csv", "text/csv")


@router.get("/console/submissions/{sid}/results.json")
def export_results(sid: str, viewer: Viewing, ctx: Context) -> JSONResponse:
    """One submission as Gradescope's ``results.json`` (staff: hidden tests included)."""
    seen = visible_submission(ctx, viewer, sid)
    if not seen.staff:
        raise Forbidden("only the course's staff may export results")
    report = ctx.course_store.reports([seen.row.id]).get(seen.row.id)
    if report is None:
        raise HTTPException(404, "the submission has no report yet")
    try:
        results = gradescope_results(report, show_hidden=True)
    except InputError as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse(
        results,
        headers={
            "Content-Disposition": f'attachment; filename="results-{seen.row.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/console/courses/{course_id}/audit", response_class=HTMLResponse)
def audit_page(request: Request, course_id: str, viewer: Viewing, ctx: Context) -> HTMLResponse:
    """Who changed what in the course, newest first."""
    course = staff_course(ctx, viewer, course_id)
    entries = ctx.course_store.audit(course.id, limit=AUDIT_SHOWN)
    return render(
        request, "audit.html", viewer=viewer, course=course, audit=entries, limit=AUDIT_SHOWN
    )
