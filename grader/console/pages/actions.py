"""What staff change about one student's assignment: an extension (their own due date) and an
override (a grade set by hand), set or removed, from the student page's forms and from the
JSON API.

The checks are shared: the assignment must be one of the course's, the student on its roster
or a login that submitted (``gh:<login>``), a score between 0 and the rubric's maximum, a
reason given (at most ``MAX_REASON`` characters), a due date a real moment (a date and time
without an offset is UTC). Each check that fails names its field. The store writes the
audit entry (who, when, before, after, why) in the same transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from grader.console.auth import Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.pages.student import student_page_response
from grader.console.security import verify_csrf
from grader.console.views import COURSE_ID, LOGIN, STUDENT_KEY, PageRoute, staff_course, student_url
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import Course, Route
from grader.service.store.course import Extension, Override

MAX_REASON = 500
"""The longest reason kept with an extension or an override."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


@dataclass(frozen=True)
class Problem:
    """One field that is not right, and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def check_target(
    ctx: ConsoleContext, course: Course, assignment: str, student: str
) -> tuple[Route | None, list[Problem]]:
    """The course's assignment and a known student key, or the problems naming the fields."""
    problems: list[Problem] = []
    route = next(
        (r for r in ctx.courses.course_routes(course.id) if r.id == assignment),
        None,
    )
    if route is None or not COURSE_ID.match(assignment):
        problems.append(
            Problem("assignment", f"{assignment[:100]!r} is not an assignment of this course")
        )
    if not known_student(ctx, course, student):
        problems.append(
            Problem("student", f"{student[:100]!r} is not on the roster nor a login that submitted")
        )
    return route, problems


def known_student(ctx: ConsoleContext, course: Course, key: str) -> bool:
    """True for a roster key, or ``gh:<login>`` of a well-formed login."""
    if not STUDENT_KEY.match(key):
        return False
    if key.startswith(PSEUDO_PREFIX) and LOGIN.match(key[len(PSEUDO_PREFIX) :]):
        return True
    return ctx.course_store.student(course.id, key) is not None


def check_reason(reason: str) -> tuple[str, list[Problem]]:
    text = reason.strip()
    if not text:
        return text, [Problem("reason", "say why (it is kept in the audit trail)")]
    if len(text) > MAX_REASON:
        return text, [
            Problem("reason", f"at most {MAX_REASON} characters (this one has {len(text)})")
        ]
    return text, []


def parse_due(text: str) -> datetime | Problem:
    """A due date from a form: ISO 8601, a date and time without offset read as UTC."""
    value = text.strip()
    if not value or len(value) > 40:
        return Problem("due", "give a date and time, e.g. 2026-12-08T23:59")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return Problem("due", f"{value!r} is not a date and time like 2026-12-08T23:59")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_score(route: Route | None, value: float) -> list[Problem]:
    if not math.isfinite(value):
        return [Problem("score", "not a number")]
    most = route.loaded.rubric.max_score if route is not None else None
    if value < 0 or (most is not None and value > most):
        limit = f" and {most:g}" if most is not None else ""
        return [Problem("score", f"{value:g} is not between 0{limit}")]
    return []


def extension_of(
    ctx: ConsoleContext, course: Course, viewer: Viewer, values: dict[str, str]
) -> Extension | list[Problem]:
    """An extension from plain values (a form's), or every problem with them."""
    _route, problems = check_target(ctx, course, values["assignment"], values["student"])
    due = parse_due(values["due"])
    if isinstance(due, Problem):
        problems.append(due)
    reason, more = check_reason(values["reason"])
    problems += more
    if problems or isinstance(due, Problem):
        return problems
    return Extension(
        course.id,
        values["assignment"],
        values["student"],
        due,
        reason,
        viewer.login.lower(),
        ctx.clock(),
    )


def override_of(
    ctx: ConsoleContext, course: Course, viewer: Viewer, values: dict[str, str]
) -> Override | list[Problem]:
    """An override from plain values (a form's), or every problem with them."""
    route, problems = check_target(ctx, course, values["assignment"], values["student"])
    try:
        points = float(values["score"].strip()) if len(values["score"]) <= 20 else math.nan
    except ValueError:
        points = math.nan
    problems += check_score(route, points)
    reason, more = check_reason(values["reason"])
    problems += more
    if problems:
        return problems
    return Override(
        course.id,
        values["assignment"],
        values["student"],
        points,
        reason,
        viewer.login.lower(),
        ctx.clock(),
    )


def _back(course: Course, student: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{student_url(course.id, student)}?done={done}", 303)


def _refused(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    course: Course,
    student: str,
    problems: list[Problem],
) -> Response:
    """The student page again with the problems, or a plain 400 page for an unknown student."""
    texts = [str(problem) for problem in problems]
    return student_page_response(request, ctx, viewer, course, student, problems=texts, status=400)


Field = Annotated[str, Form()]


@router.post("/console/courses/{course_id}/extensions", dependencies=[Depends(verify_csrf)])
def set_extension(
    request: Request, course_id: str, viewer: Viewing, ctx: Context,
    student: Field = "", assignment: Field = "", due: Field = "", reason: Field = "",
) -> Response:  # fmt: skip
    """Give a student their own due date for an assignment (replacing any earlier one)."""
    course = staff_course(ctx, viewer, course_id)
    made = extension_of(
        ctx,
        course,
        viewer,
        {"student": student, "assignment": assignment, "due": due, "reason": reason},
    )
    if isinstance(made, list):
        return _refused(request, ctx, viewer, course, student, made)
    ctx.course_store.set_extension(made)
    return _back(course, student, "extension.set")


@router.post("/console/courses/{course_id}/extensions/remove", dependencies=[Depends(verify_csrf)])
def remove_extension(
    request: Request, course_id: str, viewer: Viewing, ctx: Context,
    student: Field = "", assignment: Field = "",
) -> Response:  # fmt: skip
    """Take a student's extension away: the rubric's due date applies again."""
    return _remove(request, ctx, viewer, course_id, student, assignment, "extension")


@router.post("/console/courses/{course_id}/overrides", dependencies=[Depends(verify_csrf)])
def set_override(
    request: Request, course_id: str, viewer: Viewing, ctx: Context,
    student: Field = "", assignment: Field = "", score: Field = "", reason: Field = "",
) -> Response:  # fmt: skip
    """Set a student's grade for an assignment by hand, with a reason (audited)."""
    course = staff_course(ctx, viewer, course_id)
    made = override_of(
        ctx,
        course,
        viewer,
        {"student": student, "assignment": assignment, "score": score, "reason": reason},
    )
    if isinstance(made, list):
        return _refused(request, ctx, viewer, course, student, made)
    ctx.course_store.set_override(made)
    return _back(course, student, "override.set")


@router.post("/console/courses/{course_id}/overrides/remove", dependencies=[Depends(verify_csrf)])
def remove_override(
    request: Request, course_id: str, viewer: Viewing, ctx: Context,
    student: Field = "", assignment: Field = "",
) -> Response:  # fmt: skip
    """Remove an override: the computed grade applies again."""
    return _remove(request, ctx, viewer, course_id, student, assignment, "override")


def _remove(
    request: Request, ctx: ConsoleContext, viewer: Viewer, course_id: str,
    student: str, assignment: str, kind: Literal["extension", "override"],
) -> Response:  # fmt: skip
    """Remove the student's extension or override of the assignment, then back to their page."""
    course = staff_course(ctx, viewer, course_id)
    _route, problems = check_target(ctx, course, assignment, student)
    if problems:
        return _refused(request, ctx, viewer, course, student, problems)
    remove = (
        ctx.course_store.remove_extension
        if kind == "extension"
        else ctx.course_store.remove_override
    )
    remove(course.id, assignment, student, viewer.login.lower())
    return _back(course, student, f"{kind}.remove")
