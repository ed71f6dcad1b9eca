"""``grader serve``, ``grader worker`` and ``grader regrade``: run and steer the service.

Each command reads ``ServiceSettings`` from the environment and checks it
before starting anything, so a missing secret or a bad course file is one
clear line and exit code 2, not a traceback from deep inside uvicorn or Celery.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from grader.errors import InputError, PlatformError
from grader.settings import ServiceSettings

# grader.service's modules (structlog, the course file's rubrics) are imported by the commands
# that use them: `grader grade` starts without them (grader/cli/lazy.py).

EXIT_INPUT, EXIT_PLATFORM = 2, 3


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def service_settings(*, need_secret: bool = False, need_github: bool = False) -> ServiceSettings:
    """The environment's settings, or exit 2 naming every problem."""
    from grader.service.courses import load_courses

    try:
        settings = ServiceSettings()
    except ValidationError as exc:
        shown = "; ".join(
            f"{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise _fail(f"bad configuration: {shown}", EXIT_INPUT) from None
    problems: list[str] = settings.github_problems() if need_github else []
    if need_secret and settings.github_webhook_secret is None:
        problems.append("GITHUB_WEBHOOK_SECRET is not set (the secret of the GitHub webhook)")
    try:
        load_courses(settings.courses)
    except InputError as exc:
        problems.append(f"GRADER_COURSES={settings.courses}:\n{exc}")
    if problems:
        raise _fail("bad configuration: " + "\n".join(problems), EXIT_INPUT)
    return settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes.", min=1)] = 1,
) -> None:
    """Run the API: GitHub's webhook, /healthz, /readyz, /metrics, /submissions/{id}."""
    import uvicorn

    from grader.service import logs

    settings = service_settings(need_secret=True)
    logs.configure(settings.log_level, json=settings.log_json)
    uvicorn.run("webhooks.service:app_from_env", **server_options(host, port, workers))


CONNECTIONS = 500
"""Connections and requests at once per API process; more get uvicorn's 503.

Well under the usual 1,024 open files, so a flood of idle connections meets a 503
(and the head deadline) long before ``accept()`` runs out of descriptors."""


def server_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """uvicorn's settings for ``grader serve``: what a hostile client can hold, bounded.

    The request head must arrive within ``guarded_http.HEAD_SECONDS`` and be at most
    64 KB (``h11_max_incomplete_event_size``); an idle keep-alive connection is closed
    after 5 s; ``CONNECTIONS`` bound what one process holds. The body's deadline, the
    limit on bodies read at once and the metrics' label bounds live in the app.
    """
    return {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "http": "grader.cli.guarded_http:GuardedH11Protocol",
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 64 * 1024,
        "limit_concurrency": CONNECTIONS,
        "backlog": 256,
        "timeout_graceful_shutdown": 10,
    }


def worker(
    concurrency: Annotated[
        int, typer.Option(help="Jobs graded at the same time (each in its own container).", min=1)
    ] = 2,
    queues: Annotated[
        str | None,
        typer.Option(
            help="Queues to consume, comma-separated (default: feedback, each course's "
            "grading.<course>, and grading)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name (default: celery@host).")] = None,
) -> None:
    """Run a Celery worker: announce, fetch, grade in the Docker sandbox, publish."""
    from grader.sandbox.docker import connect
    from grader.service import logs, tasks
    from grader.service.courses import load_courses
    from grader.service.store import SqlStore

    settings = service_settings(need_github=True)
    logs.configure(settings.log_level, json=settings.log_json)
    try:
        SqlStore(settings.sqlalchemy_url).migrate()
        connect(timeout=10).close()
    except PlatformError as exc:
        raise _fail(str(exc), EXIT_PLATFORM) from None
    except Exception as exc:  # the store: one line, not a traceback
        raise _fail(f"the store at DATABASE_URL does not answer: {exc}", EXIT_PLATFORM) from None
    tasks.configure(settings).worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--queues={queues or ','.join(tasks.worker_queues(load_courses(settings.courses)))}",
            f"--hostname={name or f'grader@{socket.gethostname()}-{os.getpid()}'}",
            f"--loglevel={settings.log_level.upper()}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def regrade(
    submission_ids: Annotated[list[str], typer.Argument(help="Submissions to grade again.")],
) -> None:
    """Grade submissions again (a new submission each, with the current rubric)."""
    from grader.service import tasks
    from grader.service.courses import load_courses
    from grader.service.store import SqlStore, regrade_of

    settings = service_settings()
    courses = load_courses(settings.courses)
    store = SqlStore(settings.sqlalchemy_url)
    tasks.configure(settings)
    missing = 0
    for submission_id in submission_ids:
        original = store.get(submission_id)
        route = courses.get(original.assignment) if original is not None else None
        if original is None or route is None:
            typer.echo(f"{submission_id}: no such submission, or its assignment is gone", err=True)
            missing += 1
            continue
        stored = store.add_submission(regrade_of(original, route.digest))
        tasks.enqueue_bulk(stored.id)
        store.mark_enqueued(stored.id)
        typer.echo(f"{submission_id} -> {stored.id} queued")
    if missing:
        raise typer.Exit(EXIT_INPUT)
