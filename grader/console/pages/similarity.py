"""The similarity report of an assignment (staff only): pairs of students whose code is alike,
each opened side by side with the matching regions marked, and a verdict per pair.

The report compares each student's counted submission (the gradebook's) by the files kept
when it was graded (``ConsoleContext.sources``), with the rubric's starter and reference as
boilerplate (``classroom.similarity``). It is computed on request and kept in ``CACHE`` by
the set of counted submissions: the first view of an assignment after a change waits for it
(a few seconds for a class of hundreds; one report is computed at a time), later views and
the pair pages do not. A verdict (confirmed / dismissed, with a reason) is an audit entry
(``classroom.similarity_verdicts``); the latest one of a pair is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.security import verify_csrf
from grader.console.views import PageRoute, assignment_of, render, staff_course, student_key
from grader.service.classroom.similarity import DEFAULT_THRESHOLD, Options, pair_view
from grader.service.classroom.similarity_course import (
    Counted,
    ReportCache,
    assignment_report,
    counted_sources,
    rubric_boilerplate,
)
from grader.service.classroom.similarity_verdicts import (
    VERDICTS,
    latest_verdicts,
    pair_target,
    record_verdict,
    verdict_entries,
)
from grader.service.courses import Course, Route
from grader.service.store.course import Student

MAX_LISTED = 500
"""Pairs listed on the page (the most alike)."""
MAX_REASON = 500
"""The longest reason kept with a verdict."""
CACHE = ReportCache()
"""The reports computed by this process (``similarity_course.ReportCache``)."""
PAGE = "/console/courses/{course_id}/assignments/{assignment_id}/similarity"

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]
Threshold = Annotated[float, Query(ge=0, le=1)]


def page_url(course_id: str, assignment_id: str) -> str:
    return PAGE.format(course_id=course_id, assignment_id=assignment_id)


def pair_url(course_id: str, assignment_id: str, first: str, second: str) -> str:
    """The pair page's address, keys quoted (a school's id may hold any character)."""
    return f"{page_url(course_id, assignment_id)}/{quote(first, safe='')}/{quote(second, safe='')}"


def _label(student: Student | None, key: str) -> str:
    if student is None:
        return key
    return student.name or student.login or student.key


@router.get(PAGE, response_class=HTMLResponse)
def similarity_page(
    request: Request,
    course_id: str,
    assignment_id: str,
    viewer: Viewing,
    ctx: Context,
    threshold: Threshold = DEFAULT_THRESHOLD,
) -> HTMLResponse:
    """The pairs over the threshold, most alike first, with their verdicts."""
    course = staff_course(ctx, viewer, course_id)
    route = assignment_of(ctx, course, assignment_id)
    values: dict[str, Any] = {"course": course, "route": route, "threshold": threshold}
    if ctx.sources is None:
        return render(request, "similarity.html", viewer=viewer, report=None, **values)
    counted, names = _counted(ctx, course, route)
    report = assignment_report(CACHE, route, counted, Options(threshold=threshold))
    verdicts = latest_verdicts(ctx.course_store, course.id, route.id)
    rows = [
        (
            pair,
            verdicts.get(pair_target(route.id, pair.first, pair.second)),
            pair_url(course.id, route.id, pair.first, pair.second),
        )
        for pair in report.pairs[:MAX_LISTED]
    ]
    return render(
        request,
        "similarity.html",
        viewer=viewer,
        report=report,
        rows=rows,
        names=names,
        without_sources=counted.without_sources,
        listed=MAX_LISTED,
        **values,
    )


def _counted(ctx: ConsoleContext, course: Course, route: Route) -> tuple[Counted, dict[str, str]]:
    """The counted submissions' files, and each student's name by key."""
    if ctx.sources is None:
        raise HTTPException(404, "the service keeps no sources: there is no report")
    gradebook = ctx.gradebook(course.id)
    names = {s.key: _label(s, s.key) for s in gradebook.students}
    return counted_sources(gradebook, route, ctx.sources), names


@router.get(f"{PAGE}/{{first}}/{{second}}", response_class=HTMLResponse)
def pair_page(
    request: Request,
    course_id: str,
    assignment_id: str,
    first: str,
    second: str,
    viewer: Viewing,
    ctx: Context,
    done: str | None = None,
) -> HTMLResponse:
    """Two students' files side by side, what matches marked; the verdict form."""
    place = _pair_place(ctx, viewer, (course_id, assignment_id), (first, second))
    return _pair_response(request, ctx, viewer, place, done)


@dataclass(frozen=True)
class PairPlace:
    """A pair of the assignment's students, both with a counted submission's files."""

    course: Course
    route: Route
    first: str
    second: str
    counted: Counted
    names: dict[str, str]


def _pair_place(
    ctx: ConsoleContext, viewer: Viewer, where: tuple[str, str], keys: tuple[str, str]
) -> PairPlace:
    """The pair, for staff; 404 when either student has no counted submission with files."""
    course = staff_course(ctx, viewer, where[0])
    route = assignment_of(ctx, course, where[1])
    first, second = (student_key(key) for key in keys)
    counted, names = _counted(ctx, course, route)
    if first == second or first not in counted.files or second not in counted.files:
        raise HTTPException(404, "no such pair: both students need a counted submission")
    return PairPlace(course, route, first, second, counted, names)


def _pair_response(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    place: PairPlace,
    done: str | None = None,
    problems: list[str] | None = None,
) -> HTMLResponse:
    course, route, first, second = place.course, place.route, place.first, place.second
    files = place.counted.files
    view = pair_view(
        (first, files[first]), (second, files[second]), rubric_boilerplate(route.loaded)
    )
    target = pair_target(route.id, first, second)
    history = [
        entry
        for entry in verdict_entries(ctx.course_store, course.id, target)
        if entry.target == target
    ][:200]
    return render(
        request,
        "similarity_pair.html",
        status=400 if problems else 200,
        viewer=viewer,
        course=course,
        route=route,
        view=view,
        first_name=place.names.get(first, first),
        second_name=place.names.get(second, second),
        submissions=place.counted.submissions,
        history=history,
        verdicts=VERDICTS,
        action=f"{pair_url(course.id, route.id, first, second)}/verdict",
        back=page_url(course.id, route.id),
        problems=problems or [],
        notice="The verdict was recorded in the audit trail." if done == "verdict" else None,
    )


Field = Annotated[str, Form()]


@router.post(f"{PAGE}/{{first}}/{{second}}/verdict", dependencies=[Depends(verify_csrf)])
def record_pair_verdict(
    request: Request, course_id: str, assignment_id: str, first: str, second: str,
    viewer: Viewing, ctx: Context, verdict: Field = "", reason: Field = "",
) -> Response:  # fmt: skip
    """Confirm or dismiss a pair, with a reason (an audit entry), then back to the pair."""
    place = _pair_place(ctx, viewer, (course_id, assignment_id), (first, second))
    problems = []
    chosen = next((known for known in VERDICTS if known == verdict), None)
    if chosen is None:
        problems.append(f"verdict: choose {' or '.join(VERDICTS)}")
    text = reason.strip()
    if not text:
        problems.append("reason: say why (it is kept in the audit trail)")
    elif len(text) > MAX_REASON:
        problems.append(f"reason: at most {MAX_REASON} characters (this one has {len(text)})")
    if chosen is None or problems:
        return _pair_response(request, ctx, viewer, place, problems=problems)
    pair = (place.first, place.second)
    course, route = place.course, place.route
    record_verdict(ctx.course_store, course.id, route.id, pair, chosen, text, viewer.login.lower())
    return RedirectResponse(f"{pair_url(course.id, route.id, *pair)}?done=verdict", 303)
