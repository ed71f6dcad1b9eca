"""Who is asking, and what they may see.

A ``Viewer`` is a signed-in person (the session cookie) or a script (an API token). Staff
roles come from ``courses.yaml`` (``Course.staff``: owners, instructors, TAs by login, and
org teams whose members are TAs, asked of GitHub at sign-in); the operators
(``GRADER_ADMINS``) are owners of every course. Everyone else is a student, who sees only
the submissions they authored.

``current_viewer`` is the dependency every console route and ``/submissions/{id}`` takes: it
raises ``SignInRequired`` (a browser's page is sent to sign in, anything else gets a 401),
and a route refuses with ``Forbidden`` (403) or, for what a student must not learn exists,
a plain 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import HTTPException, Request

from grader.console.api_auth import token_login
from grader.console.context import ConsoleContext, console
from grader.console.security import (
    SignInRequired,
    bearer_secret,
    csrf_token,
    end_session,
    session_data,
    verify_csrf,
)
from grader.report.redact import student_view
from grader.service.courses import Courses, Role
from grader.service.store import Submission

__all__ = [
    "Forbidden",
    "SignInRequired",
    "SubmissionAccess",
    "Viewer",
    "csrf_token",
    "current_viewer",
    "roles_by_name",
    "student_report",
    "submission_access",
    "verify_csrf",
]

ROLES: tuple[Role, ...] = ("owner", "instructor", "ta")
ROLE_RANK: dict[str, int] = {"ta": 1, "instructor": 2, "owner": 3}
"""Higher is more: a login named as TA and owner of one course is its owner."""
MAX_SUBMISSION_ID = 64


@dataclass(frozen=True)
class Viewer:
    """The person (or script) a request acts for."""

    login: str
    """GitHub login, lowercased."""
    github_id: int | None
    """GitHub's user id; None for an API token (the store keeps only the login)."""
    roles: Mapping[str, Role] = field(default_factory=dict)
    """Staff roles by course id; a course not here: a student there."""
    via_token: bool = False
    """True for a script's API token (exempt from CSRF, teams not asked)."""
    admin: bool = False
    """An operator (``GRADER_ADMINS``): owner of every course, configured or not."""

    def role_in(self, course_id: str) -> Role | None:
        """The viewer's staff role in the course; None: a student there (or nothing)."""
        if self.admin:
            return "owner"
        return self.roles.get(course_id)

    def is_staff(self, course_id: str) -> bool:
        """True for an owner, instructor or TA of the course."""
        return self.role_in(course_id) is not None

    def staff_courses(self) -> list[str]:
        """The ids of the courses the viewer teaches, as resolved at sign-in."""
        return sorted(self.roles)


class Forbidden(HTTPException):
    """Signed in, but this is not theirs; the message names what, never whether it exists."""

    def __init__(self, message: str = "only the course's staff may see this") -> None:
        super().__init__(403, message)
        self.message = message


def better(first: Role | None, second: Role | None) -> Role | None:
    """The higher of two roles."""
    if first is None:
        return second
    if second is None:
        return first
    return first if ROLE_RANK[first] >= ROLE_RANK[second] else second


def roles_by_name(courses: Courses, login: str, admins: Iterable[str]) -> dict[str, Role]:
    """The staff roles a login has by name in ``courses.yaml``; an operator owns every course."""
    name = login.lower()
    if name in {admin.lower() for admin in admins}:
        return {course.id: "owner" for course in courses.courses}
    roles: dict[str, Role] = {}
    for course in courses.courses:
        role = course.staff.role(name)
        if role is not None:
            roles[course.id] = role
    return roles


def current_viewer(request: Request) -> Viewer:
    """The viewer of a request (a FastAPI dependency): an API token when the request sends
    ``Authorization: Bearer``, else the session. Raises ``SignInRequired``."""
    ctx = console(request)
    secret = bearer_secret(request)
    if secret is not None:  # a token never falls back to the cookie
        return _token_viewer(ctx, secret)
    data = session_data(request)
    if data is None:
        raise SignInRequired()
    lifetime = timedelta(hours=ctx.settings.session_hours)
    if ctx.clock() - data.signed_in_at > lifetime:
        end_session(request)
        raise SignInRequired("your sign-in has expired: sign in again")
    admin = data.login in ctx.settings.admins
    roles = {course: role for course, name in data.roles.items() if (role := as_role(name))}
    return Viewer(data.login, data.github_id, roles, via_token=False, admin=admin)


def as_role(name: str) -> Role | None:
    """A role's name as the session keeps it, checked."""
    for role in ROLES:
        if name == role:
            return role
    return None


def _token_viewer(ctx: ConsoleContext, secret: str) -> Viewer:
    login = token_login(ctx, secret) if secret else None
    if login is None:
        raise SignInRequired("the API token is unknown or revoked")
    login = login.lower()
    roles = roles_by_name(ctx.courses, login, ctx.settings.admins)
    return Viewer(login, None, roles, via_token=True, admin=login in ctx.settings.admins)


# --- submissions: staff of the course, or the student who authored it -----------------------


@dataclass(frozen=True)
class SubmissionAccess:
    """A submission the viewer may read, and how: as staff of its course, or as its author."""

    submission: Submission
    course: str | None
    """The course of its assignment; None when the assignment is no longer configured."""
    staff: bool


def submission_access(ctx: ConsoleContext, viewer: Viewer, submission_id: str) -> SubmissionAccess:
    """The submission when the viewer is staff of its course or its author; otherwise 404,
    the same answer as for an id that does not exist (ids are not to be probed)."""
    missing = HTTPException(404, "no such submission")
    if not submission_id or len(submission_id) > MAX_SUBMISSION_ID:
        raise missing
    sub = ctx.store.get(submission_id)
    if sub is None:
        raise missing
    route = ctx.courses.get(sub.assignment)
    course = route.course if route is not None else None
    if viewer.admin or (course is not None and viewer.is_staff(course)):
        return SubmissionAccess(sub, course, staff=True)
    if is_author(viewer, sub):
        return SubmissionAccess(sub, course, staff=False)
    raise missing


def is_author(viewer: Viewer, sub: Submission) -> bool:
    """The viewer opened the pull request: by GitHub id when both are known (a login can be
    renamed and taken by someone else), else by login."""
    if viewer.github_id is not None and sub.author_id is not None:
        return viewer.github_id == sub.author_id
    return sub.author_login is not None and sub.author_login == viewer.login.lower()


def student_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report as its student may read it (``grader.report.redact``): the worker keeps the
    staff's report, hidden tests shown; a student never reads more than the pull request."""
    return student_view(report)
