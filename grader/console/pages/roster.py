"""The roster page (staff only): the course's students, a CSV upload (GitHub Classroom's
roster export or a plain CSV) and the logins that submitted but match no student, each with
a form to give it to a roster student.

A bad CSV is the same page again, status 400, with every problem ``parse_roster`` found (line
and column); nothing is imported then. The upload is bounded before it is read: a request
must say its length (411 otherwise) and stay under ``MAX_UPLOAD`` (413).
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.security import verify_csrf
from grader.console.views import LOGIN, STUDENT_KEY, PageRoute, notice_for, render, staff_course
from grader.errors import RosterError
from grader.service.classroom.roster import (
    MAX_BYTES,
    PSEUDO_PREFIX,
    parse_roster,
    unmatched_logins,
)
from grader.service.courses import Course

MAX_UPLOAD = MAX_BYTES + 64 * 1024
"""The largest request an upload may be: the roster's limit and room for the form around it."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


def bounded_upload(request: Request) -> None:
    """Refuse an upload before its body is read: no declared length, or too long."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or len(declared) > 12:
        raise HTTPException(411, "say the upload's length (Content-Length)")
    if int(declared) > MAX_UPLOAD:
        raise HTTPException(
            413, f"the upload is over {MAX_UPLOAD:,} bytes; a roster may hold {MAX_BYTES:,}"
        )


@router.get("/console/courses/{course_id}/roster", response_class=HTMLResponse)
def roster_page(
    request: Request,
    course_id: str,
    viewer: Viewing,
    ctx: Context,
    done: str | None = None,
    added: int = 0,
    updated: int = 0,
) -> HTMLResponse:
    """The roster, the upload form and the unmatched logins."""
    course = staff_course(ctx, viewer, course_id)
    notice = notice_for(done)
    if done == "roster.import":
        notice = f"Roster imported: {added} student(s) added, {updated} updated."
    return _page(request, ctx, viewer, course, notice=notice)


def _page(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    course: Course,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    students = ctx.course_store.students(course.id)
    gradebook = ctx.gradebook(course.id)  # kept between changes: no read of every submission
    counts: Counter[str] = Counter()
    for cell in gradebook.cells.values():
        if cell.attempts and cell.student.startswith(PSEUDO_PREFIX):
            counts[cell.student.removeprefix(PSEUDO_PREFIX)] += cell.attempts
    unmatched = unmatched_logins(students, counts)
    return render(
        request,
        "roster.html",
        viewer=viewer,
        status=status,
        course=course,
        students=students,
        unmatched=[(login, counts[login]) for login in unmatched],
        problems=problems or [],
        notice=notice,
        max_bytes=MAX_BYTES,
    )


@router.post(
    "/console/courses/{course_id}/roster",
    dependencies=[Depends(bounded_upload), Depends(verify_csrf)],
)
async def upload_roster(
    request: Request, course_id: str, viewer: Viewing, ctx: Context
) -> Response:
    """Import a roster CSV: every student added or updated by key, or nothing and the problems."""
    course = staff_course(ctx, viewer, course_id)
    form = await request.form()
    try:
        upload = form.get("roster")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(
                request, ctx, viewer, course, status=400, problems=["roster: choose a CSV file"]
            )
        name = PurePath(upload.filename).name[:100] or "roster.csv"
        data = await upload.read(MAX_BYTES + 1)
    finally:
        await form.close()  # the spooled upload's file, now rather than at garbage collection
    try:
        students = parse_roster(data, course.id, name=name)
    except RosterError as exc:
        return _page(request, ctx, viewer, course, status=400, problems=exc.problems)
    added, updated = ctx.course_store.upsert_students(course.id, students, viewer.login.lower())
    return RedirectResponse(
        f"/console/courses/{course.id}/roster?done=roster.import&added={added}&updated={updated}",
        303,
    )


@router.post("/console/courses/{course_id}/roster/match", dependencies=[Depends(verify_csrf)])
def match_login(
    request: Request,
    course_id: str,
    viewer: Viewing,
    ctx: Context,
    login: Annotated[str, Form()] = "",
    student: Annotated[str, Form()] = "",
) -> Response:
    """Give a roster student the GitHub login that submitted (matched by hand)."""
    course = staff_course(ctx, viewer, course_id)
    problems = []
    if not LOGIN.match(login):
        problems.append(f"login: {login[:60]!r} is not a GitHub login")
    if not STUDENT_KEY.match(student):
        problems.append("student: choose a student of the roster")
    if not problems:
        try:
            ctx.course_store.match_login(course.id, student, login.lower(), viewer.login.lower())
        except KeyError:
            problems.append(f"student: {student[:100]!r} is not on the roster")
        except ValueError as exc:
            problems.append(f"login: {exc}")
    if problems:
        return _page(request, ctx, viewer, course, status=400, problems=problems)
    return RedirectResponse(f"/console/courses/{course.id}/roster?done=roster.match", 303)
