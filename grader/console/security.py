"""The console's session and its CSRF token.

The session is Starlette's ``SessionMiddleware``: a cookie signed with ``itsdangerous``
(``GRADER_SESSION_SECRET``), HttpOnly, SameSite=Lax, Secure when the public address is
https, living ``GRADER_SESSION_HOURS``. It keeps only what ``SessionData`` names: the
login, the GitHub id, the staff roles resolved at sign-in, the CSRF token and when the
sign-in happened (a signed-in session ends that long after it began, even when in use);
during sign-in, the OAuth ``state`` and where to go next.

Every form that changes something carries the session's CSRF token (``csrf_token(request)``
in a template) and its route depends on ``verify_csrf``; a request authenticated by an API
token sends no cookie, so nothing can be forged on its behalf and it is exempt.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request

SESSION_COOKIE = "grader_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
"""htmx and scripts in the page send the token as a header instead of a form field."""
MAX_TOKEN = 128
"""No CSRF token, OAuth state or API token the console hands out is longer."""

_LOGIN, _ID, _ROLES, _CSRF, _AT = "login", "github_id", "roles", "csrf", "signed_in_at"
_STATE, _NEXT = "oauth_state", "oauth_next"


class CsrfFailed(HTTPException):
    """A form came without the session's CSRF token, or with another one (a 403 answer)."""

    message = "the form is stale or forged: reload the page"

    def __init__(self) -> None:
        super().__init__(403, self.message)


class SignInRequired(HTTPException):
    """Nobody signed in (or the sign-in expired, or the API token is unknown or revoked)."""

    def __init__(self, message: str = "sign in to see this page") -> None:
        super().__init__(401, message)
        self.message = message


@dataclass(frozen=True)
class SessionData:
    """Who signed in, as the session cookie keeps it."""

    login: str
    github_id: int | None
    roles: dict[str, str]
    signed_in_at: datetime


def has_session(request: Request) -> bool:
    """True when the session middleware runs (sign-in is configured)."""
    return "session" in request.scope


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; empty when there is no session at all."""
    if not has_session(request):
        return ""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def bearer_secret(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; "" for a malformed one,
    None when the request sends no Authorization header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential or len(credential) > MAX_TOKEN:
        return ""
    return credential


async def verify_csrf(request: Request) -> None:
    """A FastAPI dependency for every POST form: the ``csrf_token`` field (or the
    ``X-CSRF-Token`` header) must equal the session's token. Raises ``SignInRequired`` when
    nobody is signed in (the form's own check of the viewer would say so anyway), else
    ``CsrfFailed``."""
    if bearer_secret(request) is not None:
        return  # an API token: no cookie is sent, so nothing rides on the browser's
    if session_data(request) is None:
        raise SignInRequired()
    expected = request.session.get(_CSRF) if has_session(request) else None
    sent: Any = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get(CSRF_FIELD)
    if not same_token(expected, sent):
        raise CsrfFailed()


def same_token(expected: object, sent: object) -> bool:
    """Both are non-empty strings of sane length and equal, compared in constant time."""
    if not isinstance(expected, str) or not isinstance(sent, str):
        return False
    if not expected or not sent or len(sent) > MAX_TOKEN:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


# --- the session's contents -----------------------------------------------------------------


def start_session(request: Request, data: SessionData) -> None:
    """Begin a signed-in session: everything from before (a visitor's state) is dropped, and
    a new CSRF token is made, so a token or cookie planted earlier is worth nothing."""
    request.session.clear()
    request.session.update(
        {
            _LOGIN: data.login,
            _ID: data.github_id,
            _ROLES: dict(data.roles),
            _AT: data.signed_in_at.isoformat(),
            _CSRF: secrets.token_urlsafe(32),
        }
    )


def end_session(request: Request) -> None:
    """Sign out: the cookie is emptied (the browser is told to drop it)."""
    if has_session(request):
        request.session.clear()


def session_data(request: Request) -> SessionData | None:
    """The signed-in session, or None (none, or not one this version wrote)."""
    if not has_session(request):
        return None
    session = request.session
    login, github_id, roles, at = (session.get(key) for key in (_LOGIN, _ID, _ROLES, _AT))
    if not isinstance(login, str) or not isinstance(roles, dict) or not isinstance(at, str):
        return None
    if github_id is not None and not isinstance(github_id, int):
        return None
    try:
        signed_in_at = datetime.fromisoformat(at)
    except ValueError:
        return None
    clean = {str(course): str(role) for course, role in roles.items()}
    return SessionData(login, github_id, clean, signed_in_at)


def remember_sign_in(request: Request, state: str, next_path: str) -> None:
    """Keep the OAuth ``state`` and where to go afterwards until GitHub sends the user back."""
    request.session[_STATE] = state
    request.session[_NEXT] = next_path


def take_sign_in(request: Request) -> tuple[str | None, str]:
    """The kept OAuth state (None when there is none) and next path; both are used up."""
    state = request.session.pop(_STATE, None)
    next_path = request.session.pop(_NEXT, None)
    return (
        state if isinstance(state, str) else None,
        next_path if isinstance(next_path, str) else "/console",
    )


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of the console on this site, else ``/console``.

    Only ``/console`` and paths below it: no scheme, no host, no ``//`` or ``\\`` that a
    browser reads as another site, no control characters.
    """
    if not value or len(value) > 2000:
        return "/console"
    if value != "/console" and not value.startswith(("/console/", "/console?")):
        return "/console"
    if (
        "//" in value
        or "\\" in value
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
    ):
        return "/console"
    return value
