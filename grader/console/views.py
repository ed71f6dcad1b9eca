"""What every console page shares: the templates, the checks on who may see a course, the
bounds on ids from the address, and the HTML error page.

Templates are Jinja2 with autoescaping on for everything: a student's login, a roster name,
a test's message are text wherever they appear. A route that refuses raises ``HTTPException``;
``PageRoute`` turns it into the console's HTML error page (the JSON API keeps FastAPI's JSON).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute

from grader.console.auth import Viewer
from grader.console.context import TEMPLATES, ConsoleContext
from grader.report.wording import format_number
from grader.service.courses import Course, Route

COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
"""Course and assignment ids, as ``courses.yaml`` allows them."""
SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}$")
"""The store's submission ids (``uuid4().hex``)."""
STUDENT_KEY = re.compile(r"^[^\x00-\x1f\x7f]{1,210}$")
"""A roster key: the school's id (200 characters at most) or ``gh:<login>``."""
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")

environment: jinja2.Environment = TEMPLATES.env
"""The console's one Jinja2 environment (``context.TEMPLATES``: autoescaped), with the
filters the pages use."""
environment.trim_blocks = True
environment.lstrip_blocks = True


DASH = "\u2013"
"""What a page shows for no value (an en dash)."""


def score(value: float | None) -> str:
    """Points as people write them, a dash for none."""
    return DASH if value is None else format_number(round(value, 2))


def when(value: datetime | None) -> str:
    """A moment in UTC, to the minute; a dash for none."""
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


environment.filters["score"] = score
environment.filters["when"] = when


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page: the template with the request, the viewer and the course (when any)."""
    context.setdefault("course", None)
    context.setdefault("problems", [])
    context.setdefault("notice", None)
    html = environment.get_template(template).render(request=request, viewer=viewer, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def fragment(template: str, **context: Any) -> HTMLResponse:
    """A part of a page, for htmx to swap in."""
    return HTMLResponse(environment.get_template(template).render(**context))


# --- who may see what ---------------------------------------------------------------------


def course_of(ctx: ConsoleContext, course_id: str) -> Course:
    """The course, or 404 for an id that is malformed or unknown."""
    course = ctx.courses.course(course_id) if COURSE_ID.match(course_id) else None
    if course is None:
        raise HTTPException(404, "no such course")
    return course


def staff_course(ctx: ConsoleContext, viewer: Viewer, course_id: str) -> Course:
    """The course, when the viewer is on its staff: 404 for no such course, 403 for anyone
    else (a student, the staff of another course)."""
    course = course_of(ctx, course_id)
    if not viewer.is_staff(course.id):
        raise HTTPException(403, "only the course's staff may see this page")
    return course


def assignment_of(ctx: ConsoleContext, course: Course, assignment_id: str) -> Route:
    """The course's assignment (with its rubric), or 404."""
    if COURSE_ID.match(assignment_id):
        for route in ctx.courses.course_routes(course.id):
            if route.id == assignment_id:
                return route
    raise HTTPException(404, "no such assignment in this course")


def submission_id(value: str) -> str:
    """A well-formed submission id, or 404 (a guessed id gets the same answer as a wrong one)."""
    if not SUBMISSION_ID.match(value):
        raise HTTPException(404, "no such submission")
    return value


def student_key(value: str) -> str:
    """A well-formed roster key, or 404."""
    if not STUDENT_KEY.match(value):
        raise HTTPException(404, "no such student")
    return value


def course_for_assignment(ctx: ConsoleContext, assignment: str) -> Course | None:
    """The course an assignment belongs to (None when it is no longer configured)."""
    route = ctx.courses.get(assignment)
    return ctx.courses.course(route.course) if route is not None else None


def staff_courses(ctx: ConsoleContext, viewer: Viewer) -> list[Course]:
    """The courses the viewer teaches, in the file's order."""
    return [course for course in ctx.courses.courses if viewer.is_staff(course.id)]


# --- links and notices ----------------------------------------------------------------------


NOTICES = {
    "extension.set": "Extension saved.",
    "extension.remove": "Extension removed.",
    "override.set": "Override saved.",
    "override.remove": "Override removed.",
    "regrade.open": "Your regrade request was sent to the course's staff.",
    "regrade.answer": "The regrade request was answered.",
    "roster.match": "The login was matched to the student.",
}
"""What a page says after a form succeeded (the redirect names the code, never the text)."""


def notice_for(code: str | None) -> str | None:
    return NOTICES.get(code) if code else None


def student_url(course_id: str, key: str) -> str:
    """The student page's address; the key is quoted (a school's id may hold any character)."""
    return f"/console/courses/{course_id}/students/{quote(key, safe='')}"


environment.globals["student_link"] = student_url


# --- the HTML error page ------------------------------------------------------------------


_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 413: "Too large"}


class PageRoute(APIRoute):
    """A console page: a refusal (``HTTPException`` of 400-499 but 401, from the route or one
    of its dependencies) and a malformed parameter are the console's HTML error page instead
    of FastAPI's JSON. Other exceptions (signing in, a CSRF failure, the store down) pass
    through to the handlers ``mount.py`` installs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                if not 400 <= exc.status_code < 500 or exc.status_code == 401:
                    raise
                return error_page(
                    request, exc.status_code, str(exc.detail), dict(exc.headers or {})
                )
            except RequestValidationError as exc:
                return error_page(request, 400, invalid_fields(exc))

        return page_handler


def invalid_fields(exc: RequestValidationError) -> str:
    """Which parameters were malformed, by name: ``added: Input should be a valid integer``."""
    parts = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A short page saying what went wrong, with a way back."""
    return render(
        request,
        "error.html",
        viewer=None,
        status=status,
        headers=headers,
        title=_TITLES.get(status, "Refused"),
        message=message,
    )
