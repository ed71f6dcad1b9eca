"""Sign-in links: an operator's way into the console without GitHub (the demo, a break-glass).

``grader console link --login L`` prints ``{public}/auth/link?token=...``: the login signed
with ``GRADER_SESSION_SECRET`` (itsdangerous), good for ten minutes. Whoever opens it is
signed in as that login, with the staff roles ``courses.yaml`` and ``GRADER_ADMINS`` give
it by name (teams are not asked of GitHub). Only someone holding the session secret can
make one; a link altered, expired or made with another secret ends on the sign-in page.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from grader.console.auth import roles_by_name
from grader.console.context import ConsoleContext, console
from grader.console.oauth import LOGIN, signin_page
from grader.console.security import SessionData, start_session
from grader.settings import ServiceSettings

SALT = "grader.console.sign-in-link"
MAX_AGE = 600
"""Seconds a link stays good."""

router = APIRouter()


def _serializer(settings: ServiceSettings) -> URLSafeTimedSerializer:
    if settings.session_secret is None:
        raise ValueError("GRADER_SESSION_SECRET is not set: no sign-in link can be made")
    return URLSafeTimedSerializer(settings.session_secret.get_secret_value(), salt=SALT)


def make_link(settings: ServiceSettings, login: str, base_url: str) -> str:
    """A link that signs ``login`` in for the next ten minutes."""
    if not LOGIN.match(login):
        raise ValueError(f"{login!r} is not a GitHub login")
    token = _serializer(settings).dumps({"login": login.lower(), "n": secrets.token_hex(8)})
    return f"{base_url.rstrip('/')}/auth/link?token={token}"


@router.get("/auth/link", response_model=None)
def follow(
    request: Request,
    ctx: Annotated[ConsoleContext, Depends(console)],
    token: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """Sign in with a link ``make_link`` made; anything else ends on the sign-in page."""
    try:
        data = _serializer(ctx.settings).loads(token or "", max_age=MAX_AGE)
        login = str(data["login"])
        if not LOGIN.match(login):
            raise BadData("not a login")
    except (BadData, ValueError, KeyError, TypeError):
        message = "This sign-in link is not valid or has expired: ask for a new one."
        return signin_page(request, ctx, message=message, status=400)
    roles = roles_by_name(ctx.courses, login, ctx.settings.admins)
    start_session(request, SessionData(login, None, dict(roles), datetime.now(UTC)))
    return RedirectResponse("/console", status_code=303)
