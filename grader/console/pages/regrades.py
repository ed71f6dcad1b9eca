"""Regrades of an assignment: preview, apply, discard, revert; rerun platform failures;
flaky hidden tests.

Who may do what: the course's staff (TAs included) see the batches, their previews and the
flaky tests; only its owners and instructors start a regrade or a rerun and apply, discard
or revert one, since each changes every student's grade and posts on every pull request.
Every form carries the session's CSRF token. The work itself is ``grader.service.jobs
.regrades``; the console hands submissions to the workers with ``ctx.enqueue`` (a worker
given a finished submission publishes it), and says so plainly when it has none.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.security import verify_csrf
from grader.console.views import PageRoute, assignment_of, render, staff_course
from grader.errors import InputError
from grader.service.courses import Course, Route
from grader.service.jobs import regrades
from grader.service.store.batches import Batch

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]

BASE = "/console/courses/{course_id}/assignments/{assignment_id}/regrades"
BATCH_ID = re.compile(r"^[0-9a-f]{32}$")
DECIDERS = ("owner", "instructor")
"""The roles that start, apply, discard and revert regrades and reruns."""
NO_WORKERS = (
    "this console is not connected to the grading workers; use the command line: "
    "grader course regrade ..."
)
NOTICES = {
    "start": "Regrade started: the preview fills in as the workers grade.",
    "rerun": "Rerun started: each result is published as it is graded.",
    "nothing": "Nothing to rerun: no pull request's latest submission failed on the platform.",
    "apply": "Regrade applied: the new results count and are being published.",
    "discard": "Regrade discarded: nothing was published.",
    "revert": "Regrade reverted: the earlier results count again and are being published.",
}


def url(course: Course, route: Route, batch_id: str | None = None) -> str:
    base = BASE.format(course_id=course.id, assignment_id=route.id)
    return f"{base}/{batch_id}" if batch_id else base


def _target(
    ctx: ConsoleContext, viewer: Viewer, course_id: str, assignment_id: str
) -> tuple[Course, Route]:
    course = staff_course(ctx, viewer, course_id)
    return course, assignment_of(ctx, course, assignment_id)


def _decider(viewer: Viewer, course: Course) -> None:
    if viewer.role_in(course.id) not in DECIDERS:
        raise HTTPException(
            403, "only the course's owners and instructors start or decide regrades"
        )


def _batch(ctx: ConsoleContext, course: Course, route: Route, batch_id: str) -> Batch:
    found = ctx.batches.batch(batch_id) if ctx.batches and BATCH_ID.match(batch_id) else None
    if found is None or found.course != course.id or found.assignment != route.id:
        raise HTTPException(404, "no such batch for this assignment")
    return found


# --- pages -----------------------------------------------------------------------------------


@router.get(BASE, response_class=HTMLResponse)
def regrades_page(
    request: Request,
    course_id: str,
    assignment_id: str,
    viewer: Viewing,
    ctx: Context,
    done: str | None = None,
) -> HTMLResponse:
    """The assignment's batches, its flaky hidden tests, and the forms to start more."""
    course, route = _target(ctx, viewer, course_id, assignment_id)
    return _list(request, ctx, viewer, course, route, notice=NOTICES.get(done or ""))


def _list(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    course: Course,
    route: Route,
    *,
    problems: list[str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    batches = list(ctx.batches.batches(course.id, route.id)) if ctx.batches else []
    flaky = regrades.flaky(ctx, course.id, route.id) if ctx.batches else []
    return render(
        request,
        "regrades.html",
        viewer=viewer,
        status=400 if problems else 200,
        course=course,
        route=route,
        batches=batches,
        flaky=flaky,
        available=ctx.batches is not None,
        decider=viewer.role_in(course.id) in DECIDERS,
        base=url(course, route),
        problems=problems or [],
        problems_title="Not done:",
        notice=notice,
    )


@router.get(BASE + "/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    course_id: str,
    assignment_id: str,
    batch_id: str,
    viewer: Viewing,
    ctx: Context,
    done: str | None = None,
) -> HTMLResponse:
    """A batch's preview: each student's old and new score, the difference, changed tests."""
    course, route = _target(ctx, viewer, course_id, assignment_id)
    batch = _batch(ctx, course, route, batch_id)
    return _show(request, ctx, viewer, course, route, batch, notice=NOTICES.get(done or ""))


def _show(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    course: Course,
    route: Route,
    batch: Batch,
    *,
    problems: list[str] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    view = regrades.show(ctx, batch.id)
    return render(
        request,
        "regrade.html",
        viewer=viewer,
        status=400 if problems else 200,
        course=course,
        route=route,
        batch=view.batch,
        preview=view.preview,
        decider=viewer.role_in(course.id) in DECIDERS,
        base=url(course, route),
        here=url(course, route, batch.id),
        problems=problems or [],
        problems_title="Not done:",
        notice=notice,
    )


# --- forms -----------------------------------------------------------------------------------


@router.post(BASE, dependencies=[Depends(verify_csrf)])
def start(
    request: Request,
    course_id: str,
    assignment_id: str,
    viewer: Viewing,
    ctx: Context,
    preview: Annotated[str, Form()] = "",
) -> Response:
    """Start a regrade of every counted submission (a preview unless unticked)."""
    course, route = _target(ctx, viewer, course_id, assignment_id)
    _decider(viewer, course)
    try:
        if ctx.enqueue is None:
            raise InputError(NO_WORKERS)
        batch = regrades.start_regrade(
            ctx, course.id, route.id, viewer.login.lower(), enqueue=ctx.enqueue,
            preview=bool(preview),
        )  # fmt: skip
    except InputError as exc:
        return _list(request, ctx, viewer, course, route, problems=[str(exc)])
    return RedirectResponse(f"{url(course, route, batch.id)}?done=start", 303)


@router.post(BASE.removesuffix("/regrades") + "/rerun", dependencies=[Depends(verify_csrf)])
def rerun(
    request: Request, course_id: str, assignment_id: str, viewer: Viewing, ctx: Context
) -> Response:
    """Grade again what the platform failed (each result published as it is graded)."""
    course, route = _target(ctx, viewer, course_id, assignment_id)
    _decider(viewer, course)
    try:
        if ctx.enqueue is None:
            raise InputError(NO_WORKERS)
        batch = regrades.rerun_failed(
            ctx, course.id, route.id, viewer.login.lower(), enqueue=ctx.enqueue
        )
    except InputError as exc:
        return _list(request, ctx, viewer, course, route, problems=[str(exc)])
    if batch is None:
        return RedirectResponse(f"{url(course, route)}?done=nothing", 303)
    return RedirectResponse(f"{url(course, route, batch.id)}?done=rerun", 303)


@router.post(BASE + "/{batch_id}/{decision}", dependencies=[Depends(verify_csrf)])
def decide(
    request: Request,
    course_id: str,
    assignment_id: str,
    batch_id: str,
    decision: str,
    viewer: Viewing,
    ctx: Context,
) -> Response:
    """Apply, discard or revert a regrade."""
    course, route = _target(ctx, viewer, course_id, assignment_id)
    if decision not in ("apply", "discard", "revert"):
        raise HTTPException(404, "no such action: apply, discard or revert")
    _decider(viewer, course)
    batch = _batch(ctx, course, route, batch_id)
    actor = viewer.login.lower()
    try:
        if decision == "discard":
            regrades.discard(ctx, batch.id, actor)
        elif ctx.enqueue is None:
            raise InputError(NO_WORKERS)
        elif decision == "apply":
            regrades.apply(ctx, batch.id, actor, publish=ctx.enqueue)
        else:
            regrades.revert(ctx, batch.id, actor, publish=ctx.enqueue)
    except InputError as exc:
        return _show(request, ctx, viewer, course, route, batch, problems=[str(exc)])
    return RedirectResponse(f"{url(course, route, batch.id)}?done={decision}", 303)
