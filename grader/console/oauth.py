"""Signing in with GitHub: the OAuth web flow of the GitHub App, and signing out.

``/console/signin`` shows a "Sign in with GitHub" button; ``/auth/github`` sends the browser
to ``{GITHUB_WEB_URL}/login/oauth/authorize`` with a random ``state`` kept in the session;
GitHub sends it back to ``/auth/github/callback?code&state``, where the state is checked, the
code exchanged for the user's token, ``{GITHUB_API_URL}/user`` read, the staff roles resolved
(``courses.yaml``, ``GRADER_ADMINS``, and each course's teams asked of GitHub with the user's
token) and the session begun. The user's token is used for these requests only and never
kept. Whatever GitHub answers (a refusal, a wrong code, silence) ends on the sign-in page
with a message saying what happened, never a 5xx.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.console.auth import better, roles_by_name
from grader.console.context import ConsoleContext, console, render
from grader.console.security import (
    SessionData,
    end_session,
    remember_sign_in,
    safe_next,
    same_token,
    session_data,
    start_session,
    take_sign_in,
    verify_csrf,
)
from grader.service import logs
from grader.service.courses import Role

LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
MAX_TEAMS = 50
"""The most teams asked of GitHub at one sign-in (a course file could list many)."""
USER_AGENT = "grader-console"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

log = logs.get("console")
router = APIRouter()
Context = Annotated[ConsoleContext, Depends(console)]


class _SignInFailed(Exception):
    """GitHub did not sign the user in; the message says why, for the sign-in page."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def signin_page(
    request: Request,
    ctx: ConsoleContext,
    *,
    message: str | None = None,
    next_path: str = "/console",
    status: int = 200,
) -> HTMLResponse:
    """The sign-in page, with a message when there is something to say."""
    problems = ctx.settings.sign_in_problems()
    signed_in = session_data(request)
    return render(
        request,
        "signin.html",
        {
            "viewer": None,
            "course": None,
            "message": message,
            "problems": problems,
            "next": next_path,
            "signed_in_as": signed_in.login if signed_in else None,
        },
        status_code=503 if problems else status,
    )


@router.get("/console/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    ctx: Context,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    signed_out: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The sign-in page."""
    message = "You are signed out." if signed_out else None
    return signin_page(request, ctx, message=message, next_path=safe_next(next))


@router.get("/auth/github", response_model=None)
def start(
    request: Request,
    ctx: Context,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Send the browser to GitHub's authorize page, keeping a random state in the session."""
    if ctx.settings.sign_in_problems():
        return signin_page(request, ctx)
    state = secrets.token_urlsafe(32)
    remember_sign_in(request, state, safe_next(next))
    query = urlencode(
        {
            "client_id": ctx.settings.github_client_id,
            "redirect_uri": callback_url(request, ctx),
            "state": state,
            "allow_signup": "false",
        }
    )
    return RedirectResponse(f"{web_url(ctx)}/login/oauth/authorize?{query}", status_code=303)


@router.get("/auth/github/callback", response_model=None)
async def callback(
    request: Request,
    ctx: Context,
    code: Annotated[str | None, Query(max_length=512)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Where GitHub sends the browser back: check the state, get the user, begin the session."""
    if ctx.settings.sign_in_problems():
        return signin_page(request, ctx)
    expected, next_path = take_sign_in(request)
    if not same_token(expected, state):
        message = (
            "This sign-in did not start here or is stale (the state does not match): sign in again."
        )
        return signin_page(request, ctx, message=message, status=400)
    try:
        if error:
            raise _SignInFailed(refusal(error, error_description))
        if not code:
            raise _SignInFailed("GitHub sent no code back: sign in again.", status=400)
        data = await sign_in_with_code(ctx, code, callback_url(request, ctx))
    except _SignInFailed as failed:
        return signin_page(
            request, ctx, message=failed.message, next_path=next_path, status=failed.status
        )
    start_session(request, data)
    log.info("signed in", login=data.login, roles=data.roles)
    return RedirectResponse(next_path, status_code=303)


@router.post("/auth/signout")
@router.post("/console/signout")
async def signout(request: Request) -> RedirectResponse:
    """End the session: a form with the CSRF token, so a foreign page cannot sign anyone out
    (signed out already, there is nothing to end)."""
    if session_data(request) is not None:
        await verify_csrf(request)
        end_session(request)
    return RedirectResponse("/console/signin?signed_out=true", status_code=303)


# --- talking to GitHub ----------------------------------------------------------------------


def web_url(ctx: ConsoleContext) -> str:
    return ctx.settings.github_web_url.rstrip("/")


def api_url(ctx: ConsoleContext) -> str:
    return ctx.settings.github_api_url.rstrip("/")


def callback_url(request: Request, ctx: ConsoleContext) -> str:
    """Where GitHub sends the browser back: under the public address when set."""
    base = ctx.public_url or str(request.base_url).rstrip("/")
    return f"{base}/auth/github/callback"


def refusal(error: str, description: str | None) -> str:
    """GitHub's ``error`` on the callback, in words."""
    if error == "access_denied":
        return "You declined to sign in on GitHub, so you are not signed in."
    if error == "redirect_uri_mismatch":
        return "GitHub refused the callback address: the App's callback URL must be GRADER_PUBLIC_URL/auth/github/callback."
    return f"GitHub refused the sign-in: {description or error}."


async def sign_in_with_code(ctx: ConsoleContext, code: str, redirect_uri: str) -> SessionData:
    """Exchange the code for the user's token, read the user and resolve their roles."""
    headers = {"User-Agent": USER_AGENT}
    async with httpx.AsyncClient(
        timeout=ctx.github_timeout, headers=headers, follow_redirects=False
    ) as client:
        token = await exchange_code(client, ctx, code, redirect_uri)
        login, github_id = await github_user(client, ctx, token)
        roles = await resolve_roles(client, ctx, login, token)
    return SessionData(login, github_id, dict(roles), ctx.clock())


async def _call(client: httpx.AsyncClient, ctx: ConsoleContext, what: str, **request: Any) -> Any:
    """One request to GitHub and its JSON; ``_SignInFailed`` naming ``what`` otherwise."""
    try:
        response = await client.request(**request)
    except httpx.TimeoutException:
        raise _SignInFailed(
            f"GitHub did not answer within {ctx.github_timeout:g} s ({what}): try again."
        ) from None
    except httpx.HTTPError as exc:
        log.warning("GitHub unreachable at sign-in", step=what, error=type(exc).__name__)
        raise _SignInFailed(f"Could not reach GitHub ({what}): try again later.") from None
    if response.status_code != 200:
        log.warning("GitHub refused at sign-in", step=what, status=response.status_code)
        raise _SignInFailed(f"GitHub answered {response.status_code} ({what}): sign in again.")
    try:
        return response.json()
    except ValueError:
        raise _SignInFailed(f"GitHub's answer was not JSON ({what}): try again later.") from None


async def exchange_code(
    client: httpx.AsyncClient, ctx: ConsoleContext, code: str, redirect_uri: str
) -> str:
    """The user's access token for the code GitHub sent back."""
    secret = ctx.settings.github_client_secret
    body = await _call(
        client,
        ctx,
        "exchanging the code",
        method="POST",
        url=f"{web_url(ctx)}/login/oauth/access_token",
        data={
            "client_id": ctx.settings.github_client_id or "",
            "client_secret": secret.get_secret_value() if secret else "",
            "code": code,
            "redirect_uri": redirect_uri,
        },
        headers={"Accept": "application/json"},
    )
    if not isinstance(body, dict):
        raise _SignInFailed("GitHub's answer to the code was not an object: try again later.")
    token = body.get("access_token")
    if isinstance(token, str) and 0 < len(token) <= 4096:
        return token
    error = body.get("error")
    if error == "bad_verification_code":
        raise _SignInFailed("The sign-in code is wrong or expired: sign in again.")
    if error == "incorrect_client_credentials":
        log.error("GitHub refused GITHUB_CLIENT_ID/GITHUB_CLIENT_SECRET")
        raise _SignInFailed(
            "GitHub refused the console's client id or secret (GITHUB_CLIENT_ID/SECRET): tell the operators."
        )
    detail = body.get("error_description") or error or "no token in the answer"
    raise _SignInFailed(f"GitHub did not give a token: {str(detail)[:200]}.")


def _auth(token: str) -> dict[str, str]:
    return {**API_HEADERS, "Authorization": f"Bearer {token}"}


async def github_user(
    client: httpx.AsyncClient, ctx: ConsoleContext, token: str
) -> tuple[str, int]:
    """The signed-in user's login (lowercased) and id, from ``GET /user``."""
    body = await _call(
        client, ctx, "reading your account", method="GET", url=f"{api_url(ctx)}/user",
        headers=_auth(token),
    )  # fmt: skip
    login = body.get("login") if isinstance(body, dict) else None
    github_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(login, str) or not LOGIN.match(login):
        raise _SignInFailed("GitHub's account answer named no valid login: try again later.")
    if not isinstance(github_id, int) or isinstance(github_id, bool) or github_id <= 0:
        raise _SignInFailed("GitHub's account answer had no valid id: try again later.")
    return login.lower(), github_id


async def resolve_roles(
    client: httpx.AsyncClient, ctx: ConsoleContext, login: str, token: str
) -> dict[str, Role]:
    """Roles by name, then TA for each course whose staff team the user is an active member of."""
    roles = roles_by_name(ctx.courses, login, ctx.settings.admins)
    asked: dict[str, bool] = {}
    for course in ctx.courses.courses:
        if course.id in roles:
            continue  # a named role is at least a TA's
        for team in course.staff.teams:
            if team not in asked:
                asked[team] = len(asked) < MAX_TEAMS and await team_member(
                    client, ctx, team, login, token
                )
            if asked[team]:
                roles[course.id] = better(roles.get(course.id), "ta") or "ta"
                break
    return roles


async def team_member(
    client: httpx.AsyncClient, ctx: ConsoleContext, team: str, login: str, token: str
) -> bool:
    """True when GitHub says the login is an active member of ``org/team-slug``; a 404 (not a
    member, or a team the token cannot see) and any error (logged) are False."""
    org, _, slug = team.partition("/")
    url = f"{api_url(ctx)}/orgs/{org}/teams/{slug}/memberships/{login}"
    try:
        response = await client.get(url, headers=_auth(token))
    except httpx.HTTPError as exc:
        log.warning("team membership not answered", team=team, error=type(exc).__name__)
        return False
    if response.status_code == 404:
        return False
    if response.status_code != 200:
        log.warning("team membership refused", team=team, status=response.status_code)
        return False
    try:
        body = response.json()
    except ValueError:
        log.warning("team membership answer not JSON", team=team)
        return False
    return isinstance(body, dict) and body.get("state") == "active"
