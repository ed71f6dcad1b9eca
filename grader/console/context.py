"""What the console's routes talk to, and how they render a page.

``ConsoleContext`` is built once at the entry point (``webhooks/service.py``) and kept on
``app.state.console``; a route asks for it with the ``console`` dependency, so tests hand
the app a context over SQLite files and a fake GitHub.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from grader.console.security import csrf_token
from grader.service.classroom.cache import GradebookCache
from grader.service.classroom.gradebook import Gradebook
from grader.service.courses import Courses
from grader.service.store import Clock, Store, utcnow
from grader.service.store.batches import BatchStore
from grader.service.store.course import CourseStore
from grader.service.store.sources import SourceStore
from grader.settings import ServiceSettings

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

TEMPLATES = Jinja2Templates(directory=TEMPLATE_DIR)
"""The console's Jinja2 templates (autoescaped); every page can call ``csrf_token(request)``."""
TEMPLATES.env.globals["csrf_token"] = csrf_token


@dataclass
class ConsoleContext:
    """The console's collaborators: settings, courses, the two stores and the clock."""

    settings: ServiceSettings
    courses: Courses
    store: Store
    """Submissions and results (the webhook's and the workers' store)."""
    course_store: CourseStore
    """Roster, extensions, overrides, regrade requests, audit trail and API tokens."""
    clock: Clock = utcnow
    batches: BatchStore | None = None
    """Regrades and reruns (``grader.service.store.batches``); None: the pages say so."""
    sources: SourceStore | None = None
    """Graded submissions' files, for the similarity report; None: the page says so."""
    enqueue: Callable[[str], None] | None = None
    """Hands a stored submission to the workers (bulk work the console starts)."""
    github_timeout: float = 10.0
    """Seconds each request to GitHub during sign-in may take (then: a clear message)."""
    gradebooks: GradebookCache = field(default_factory=GradebookCache)
    """Each course's gradebook, brought up to date on each view from what changed since the
    last one (``grader.service.classroom.cache``)."""

    def gradebook(self, course_id: str) -> Gradebook:
        """The course's gradebook now (``KeyError`` for an unknown course)."""
        return self.gradebooks.get(self.courses, course_id, self.course_store)

    @property
    def public_url(self) -> str | None:
        """The service's public address without a trailing slash, when set."""
        url = self.settings.public_url
        return url.rstrip("/") if url else None


def console(request: Request) -> ConsoleContext:
    """The console's context (a FastAPI dependency); the app must have been given one."""
    context = getattr(request.app.state, "console", None)
    if not isinstance(context, ConsoleContext):
        raise RuntimeError("the console is not mounted: create_app was given no ConsoleContext")
    return context


def render(
    request: Request,
    name: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template of the console with ``request`` (and the values) in its context."""
    return TEMPLATES.TemplateResponse(request, name, dict(values or {}), status_code=status_code)
