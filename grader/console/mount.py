"""The console wired into the FastAPI app: the session, sign-in, the pages, their answers
to a signed-out or unauthorised request, and the static files.

``webhooks.app.create_app`` calls ``mount_console`` when it is given a ``ConsoleContext``.
Without ``GRADER_SESSION_SECRET`` there is no session middleware: nobody can sign in (the
sign-in page says what to set) and only API tokens are accepted.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.sessions import SessionMiddleware

from grader.console import links, oauth, status
from grader.console.auth import Forbidden, SignInRequired
from grader.console.context import STATIC_DIR, ConsoleContext, render
from grader.console.limits import BodyLimit
from grader.console.security import SESSION_COOKIE, CsrfFailed, safe_next
from grader.service import logs

API_PREFIXES = ("/api/", "/console/api/", "/submissions/")
"""Paths that answer JSON: a signed-out request there gets a 401, not a redirect."""

log = logs.get("console")


def mount_console(app: FastAPI, ctx: ConsoleContext) -> None:
    """Add the console to ``app``: its context, middleware, routes, handlers and static files."""
    from grader.console.routes import router as pages  # the pages import this package's modules

    app.state.console = ctx
    settings = ctx.settings
    if settings.session_secret is not None:
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.session_secret.get_secret_value(),
            session_cookie=SESSION_COOKIE,
            max_age=int(settings.session_hours * 3600),
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    app.add_middleware(BodyLimit)
    app.include_router(oauth.router)
    app.include_router(links.router)
    app.include_router(status.router)
    app.include_router(pages)
    if STATIC_DIR.is_dir():
        app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in_required)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfFailed, _csrf_failed)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyError, _store_down)  # type: ignore[arg-type]


def wants_page(request: Request) -> bool:
    """True for a browser asking for a console page (not the JSON API, not a script, not
    htmx fetching a part of a page)."""
    path = request.url.path
    if request.method not in ("GET", "HEAD") or path.startswith(API_PREFIXES):
        return False
    if request.headers.get("hx-request"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or (
        "application/json" not in accept and path.startswith("/console")
    )


def prefers_html(request: Request) -> bool:
    """True when the answer should be a page (a browser's form post, a page load)."""
    if request.url.path.startswith(API_PREFIXES) or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _message(request: Request, status: int, title: str, message: str) -> Response:
    if prefers_html(request) or wants_page(request):
        values = {"viewer": None, "course": None, "title": title, "message": message}
        return render(request, "error.html", values, status_code=status)
    return JSONResponse({"message": message}, status_code=status)


async def _sign_in_required(request: Request, exc: SignInRequired) -> Response:
    """A page load goes to the sign-in page (and back afterwards); htmx is told to load it
    instead of swapping it into a part of the page; anything else gets a 401."""
    if wants_page(request):
        return RedirectResponse(_signin_url(str(request.url)), status_code=303)
    headers = {"WWW-Authenticate": "Bearer"}
    if request.headers.get("hx-request"):
        headers["HX-Redirect"] = _signin_url(request.headers.get("hx-current-url", ""))
    return JSONResponse({"message": exc.message}, status_code=401, headers=headers)


def _signin_url(back_to: str) -> str:
    """The sign-in page, coming back to this address's console page afterwards."""
    parts = urlsplit(back_to)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"/console/signin?next={quote(safe_next(target), safe='')}"


async def _forbidden(request: Request, exc: Forbidden) -> Response:
    return _message(request, 403, "Not allowed", exc.message)


async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
    return _message(request, 403, "Refused", exc.message)


async def _store_down(request: Request, exc: SQLAlchemyError) -> Response:
    log.error("store unavailable", error=type(exc).__name__, path=request.url.path)
    return _message(request, 503, "Unavailable", "the store does not answer; try again shortly")
