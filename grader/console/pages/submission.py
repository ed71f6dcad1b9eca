"""The submission page: the report as HTML, and the regrade requests about it.

Who sees it: the course's staff (the whole report, hidden tests marked) and the student who
submitted it (what the pull request shows). Anyone else gets 404, the same answer as for an
id that does not exist, so ids cannot be probed. A student may ask for a regrade of their
own graded submission (one open request at a time); staff accept or decline it with a
response. Both are audited by the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.console.auth import Viewer, current_viewer, is_author, student_report, submission_access
from grader.console.context import ConsoleContext, console
from grader.console.pages.report import ReportView, parse_report, report_view, where
from grader.console.security import verify_csrf
from grader.console.views import (
    PageRoute,
    notice_for,
    render,
    student_url,
    submission_id,
)
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import Course
from grader.service.store.course import RegradeRequest, SubmissionRow

MAX_MESSAGE = 4000
"""The longest regrade request or response kept."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


@dataclass(frozen=True)
class Visible:
    """A submission the viewer may see, its course and how the viewer relates to it."""

    row: SubmissionRow
    course: Course | None
    staff: bool
    own: bool


def visible_submission(ctx: ConsoleContext, viewer: Viewer, raw_id: str) -> Visible:
    """The submission when the viewer is on its course's staff or submitted it; else 404
    (``auth.submission_access``, the rule ``/submissions/{id}`` follows too)."""
    access = submission_access(ctx, viewer, submission_id(raw_id))
    row = ctx.course_store.submission_row(access.submission.id)
    if row is None:
        raise HTTPException(404, "no such submission")
    course = ctx.courses.course(access.course) if access.course is not None else None
    return Visible(row, course, access.staff, is_author(viewer, access.submission))


@router.get("/console/submissions/{sid}", response_class=HTMLResponse)
def submission_page(
    request: Request, sid: str, viewer: Viewing, ctx: Context, done: str | None = None
) -> HTMLResponse:
    """The report and the regrade requests."""
    seen = visible_submission(ctx, viewer, sid)
    return _page(request, viewer, ctx, seen, notice=notice_for(done))


def _page(
    request: Request,
    viewer: Viewer,
    ctx: ConsoleContext,
    seen: Visible,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    row = seen.row
    regrades = _regrades(ctx, viewer, seen)
    open_own = any(rq.status == "open" and rq.login == viewer.login.lower() for rq in regrades)
    return render(
        request,
        "submission.html",
        viewer=viewer,
        status=status,
        course=seen.course if seen.staff else None,
        row=row,
        staff=seen.staff,
        view=_report(ctx, seen),
        where=where,
        regrades=regrades,
        can_request=seen.own and row.status == "graded" and not open_own,
        student_page=_student_page(ctx, seen),
        max_message=MAX_MESSAGE,
        problems=problems or [],
        notice=notice,
    )


def _report(ctx: ConsoleContext, seen: Visible) -> ReportView | None:
    """The report as the viewer may read it: whole for staff, the student's view else."""
    raw = ctx.course_store.reports([seen.row.id]).get(seen.row.id)
    if raw is None:
        return None
    report = parse_report(raw if seen.staff else student_report(raw))
    return report_view(report, staff=seen.staff) if report is not None else None


def _student_page(ctx: ConsoleContext, seen: Visible) -> str | None:
    """For staff: the address of the page of the student who submitted it."""
    login = seen.row.author_login
    if not seen.staff or seen.course is None or not login:
        return None
    known = ctx.course_store.student_by_login(seen.course.id, login)
    return student_url(seen.course.id, known.key if known else f"{PSEUDO_PREFIX}{login}")


def _regrades(ctx: ConsoleContext, viewer: Viewer, seen: Visible) -> list[RegradeRequest]:
    """The submission's regrade requests: all of them for staff, the student's own else."""
    if seen.course is None:
        return []
    requests = ctx.course_store.regrade_requests(seen.course.id, submission_id=seen.row.id)
    if seen.staff:
        return requests
    return [rq for rq in requests if rq.login == viewer.login.lower()]


def _text(value: str, field: str) -> tuple[str, list[str]]:
    """A message from a form: stripped, required, bounded."""
    text = value.strip()
    if not text:
        return text, [f"{field}: write a few words"]
    if len(text) > MAX_MESSAGE:
        return text, [f"{field}: at most {MAX_MESSAGE} characters (this one has {len(text)})"]
    return text, []


@router.post("/console/submissions/{sid}/regrades", dependencies=[Depends(verify_csrf)])
def open_regrade(
    request: Request,
    sid: str,
    viewer: Viewing,
    ctx: Context,
    message: Annotated[str, Form()] = "",
) -> Response:
    """A student asks for a regrade of their own graded submission."""
    seen = visible_submission(ctx, viewer, sid)
    if not seen.own or seen.course is None:
        raise HTTPException(403, "only the student who submitted it may ask for a regrade")
    text, problems = _text(message, "message")
    if seen.row.status != "graded":
        problems.append(f"only a graded submission can be regraded (this one is {seen.row.status})")
    if any(rq.status == "open" for rq in _regrades(ctx, viewer, seen)):
        problems.append("a request of yours about this submission is still open")
    if problems:
        return _page(request, viewer, ctx, seen, status=400, problems=problems)
    ctx.course_store.open_regrade_request(seen.course.id, seen.row.id, viewer.login.lower(), text)
    return RedirectResponse(f"/console/submissions/{seen.row.id}?done=regrade.open", 303)


@router.post(
    "/console/submissions/{sid}/regrades/{request_id}", dependencies=[Depends(verify_csrf)]
)
def answer_regrade(
    request: Request,
    sid: str,
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    viewer: Viewing,
    ctx: Context,
    status: Annotated[str, Form()] = "",
    response: Annotated[str, Form()] = "",
) -> Response:
    """Staff accept or decline an open request about this submission, with a response."""
    seen = visible_submission(ctx, viewer, sid)
    if not seen.staff:
        raise HTTPException(403, "only the course's staff answer regrade requests")
    if not any(rq.id == request_id and rq.status == "open" for rq in _regrades(ctx, viewer, seen)):
        raise HTTPException(404, "no such open request about this submission")
    text, problems = _text(response, "response")
    if status not in ("accepted", "declined"):
        problems.append("status: choose accept or decline")
    if problems:
        return _page(request, viewer, ctx, seen, status=400, problems=problems)
    answered = ctx.course_store.answer_regrade_request(
        request_id,
        "accepted" if status == "accepted" else "declined",
        text,
        viewer.login.lower(),
    )
    if answered is None:
        raise HTTPException(404, "the request was answered meanwhile")
    return RedirectResponse(f"/console/submissions/{seen.row.id}?done=regrade.answer", 303)
