"""``/console/tokens``: the signed-in user's API tokens, made, listed and revoked in the browser.

A token acts as its owner (``Authorization: Bearer``) with the roles ``courses.yaml`` and
``GRADER_ADMINS`` give that login. Its secret is shown once, on the page that made it; only a
hash is kept. A request that itself came with a token cannot make or revoke tokens: a leaked
token must not be able to mint others.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.console.auth import Forbidden, Viewer, current_viewer
from grader.console.context import ConsoleContext, console
from grader.console.security import verify_csrf
from grader.console.views import PageRoute, render

MAX_NAME = 100
"""The longest name a token may be given."""
MAX_TOKENS = 20
"""Live tokens one login may hold."""

router = APIRouter(route_class=PageRoute)
Viewing = Annotated[Viewer, Depends(current_viewer)]
Context = Annotated[ConsoleContext, Depends(console)]


def _page(
    request: Request,
    ctx: ConsoleContext,
    viewer: Viewer,
    *,
    secret: str | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    tokens = ctx.course_store.tokens(viewer.login)
    return render(
        request,
        "tokens.html",
        viewer=viewer,
        tokens=list(reversed(tokens)),
        secret=secret,
        problems=problems or [],
        max_name=MAX_NAME,
        status=status,
    )


def _by_session(viewer: Viewer) -> None:
    if viewer.via_token:
        raise Forbidden("tokens are made and revoked in a signed-in browser, not with a token")


@router.get("/console/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, viewer: Viewing, ctx: Context) -> HTMLResponse:
    """The viewer's tokens (never their secrets) and a form to make one."""
    _by_session(viewer)
    return _page(request, ctx, viewer)


@router.post("/console/tokens", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def create_token(
    request: Request,
    viewer: Viewing,
    ctx: Context,
    name: Annotated[str, Form(max_length=MAX_NAME)] = "",
) -> HTMLResponse:
    """Make a token; the page shows its secret this once."""
    _by_session(viewer)
    label = name.strip()
    live = [token for token in ctx.course_store.tokens(viewer.login) if token.revoked_at is None]
    problems = []
    if not label:
        problems.append("name: say what the token is for, e.g. `nightly gradebook export`")
    if len(live) >= MAX_TOKENS:
        problems.append(f"you hold {len(live)} live tokens already: revoke one first")
    if problems:
        return _page(request, ctx, viewer, problems=problems, status=400)
    _, secret = ctx.course_store.create_token(viewer.login, label)
    return _page(request, ctx, viewer, secret=secret, status=201)


@router.post("/console/tokens/{token_id}/revoke", dependencies=[Depends(verify_csrf)])
def revoke_token(token_id: int, viewer: Viewing, ctx: Context) -> Response:
    """Revoke one of the viewer's tokens (another's is not found)."""
    _by_session(viewer)
    ctx.course_store.revoke_token(viewer.login, token_id)
    return RedirectResponse("/console/tokens", status_code=303)
