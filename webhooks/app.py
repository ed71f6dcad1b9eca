"""The API: GitHub's webhook, health, readiness, metrics, submission status and the console.

``GET /submissions/{id}`` (JSON) and the console exist only when ``create_app`` is given a
``ConsoleContext``; a submission is then read by a signed-in viewer or an API token: the
staff of its course get it whole, the student who authored it gets the report as students
see it, anyone else a 404 (as for an id that does not exist).

``POST /webhooks/github`` does only what fits well inside GitHub's 10 seconds:
check the size and the signature, parse, record the delivery, store a
submission per matching assignment, enqueue, and answer 202 with the ids.
Grading happens in the workers. Every bad input gets a 4xx naming what is
wrong; a store that does not answer gets a 503 (GitHub shows it as a failed
delivery, to redeliver); a broker that does not answer loses nothing: the
submission is stored and a worker's sweep enqueues it.

A delivery costs one short transaction (``Store.record_delivery``: the delivery, its
submissions and its outcome at once) plus, per new submission, the broker's publish and
``mark_enqueued``; installations and re-requested check runs, rare, take the steps one
by one. The handling runs in the thread pool, so the event loop keeps reading requests
while a transaction waits for the database. What a request must be before any of this
is the door's (``door.py``). The ``X-GitHub-Event`` header becomes a metrics label only
when it names an event GitHub sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from grader.console.context import ConsoleContext
from grader.console.mount import mount_console
from grader.errors import PayloadError
from grader.service import logs
from grader.service.courses import Courses, Route
from grader.service.metrics import Metrics, event_label
from grader.service.store import Delivery, NewSubmission, Store, Stored, regrade_of
from grader.settings import ServiceSettings
from webhooks import events
from webhooks.door import MAX_BODY, Answer, Door, Limits, refuse, signature_ok, verified

__all__ = ["MAX_BODY", "Backend", "Limits", "create_app", "signature_ok"]

log = logs.get("webhooks")


@dataclass
class Backend:
    """What the API talks to; tests swap the pieces."""

    settings: ServiceSettings
    store: Store
    courses: Courses
    enqueue: Callable[[str, Route], None]
    """Hand a stored submission to the queue (raises when the broker is down)."""
    checks: dict[str, Callable[[], None]] = field(default_factory=dict)
    """Readiness probes by name; each raises when its dependency does not answer."""
    queue_depth: Callable[[], dict[str, int]] = dict
    limits: Limits = field(default_factory=Limits)


def create_app(backend: Backend, console: ConsoleContext | None = None) -> FastAPI:
    """The FastAPI application over a backend; with a console context, the console too."""
    if backend.settings.github_webhook_secret is None:
        raise ValueError("GITHUB_WEBHOOK_SECRET is not set: the webhook cannot verify deliveries")
    secret = backend.settings.github_webhook_secret.get_secret_value().encode()
    metrics = Metrics(backend.store, backend.queue_depth)
    app = FastAPI(title="grader", version="1", docs_url=None, redoc_url=None)
    door = Door(secret, backend.limits)

    @app.post("/webhooks/github", status_code=202)
    async def github_webhook(request: Request) -> JSONResponse:
        event = request.headers.get("x-github-event", "")
        response = await _receive(request, door, backend)
        metrics.deliveries.labels(event=event_label(event), outcome=response.outcome).inc()
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, probe in backend.checks.items():
            try:
                probe()
                results[name] = "ok"
            except Exception as exc:  # a probe's failure is the answer, not a crash
                results[name] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
        ready = all(value == "ok" for value in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics")
    def metrics_endpoint() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if console is not None:
        mount_console(app, console)
    return app


async def _receive(request: Request, door: Door, backend: Backend) -> Answer:
    checked = await verified(request, door)
    if isinstance(checked, Answer):
        return checked
    event, delivery, payload = checked
    logs.bind(delivery_id=delivery, event=event)
    try:  # in a thread: the loop reads other requests while this one waits for the store
        return await run_in_threadpool(_handle, backend, delivery, event, payload)
    except SQLAlchemyError as exc:
        log.error("store unavailable", error=type(exc).__name__)
        return Answer(503, "unavailable", "the store does not answer; redeliver later")
    finally:
        logs.clear()


@dataclass(frozen=True)
class Outcome:
    """How a delivery was handled: its record's outcome and detail, and the answer's status."""

    outcome: str
    message: str
    http_status: int = 200
    submission_ids: list[str] = field(default_factory=list)
    queue: list[tuple[str, Route]] = field(default_factory=list)
    """The new submissions to hand to the broker once they are stored."""


Settle = Callable[[list[Stored]], Outcome]


def _handle(backend: Backend, delivery: str, event: str, payload: dict[str, object]) -> Answer:
    try:  # validated before anything is stored: only bounded, storable values go further
        parsed: events.Event | PayloadError = events.parse(event, payload)
    except PayloadError as exc:
        parsed = exc
    action = events.action_of(payload)
    if isinstance(parsed, events.InstallationEvent | events.Rerequest):
        return _handle_in_steps(backend, delivery, event, action, parsed)
    news, settle = _plan(backend, delivery, parsed)
    taken = backend.store.record_delivery(delivery, event, action, news, settle)
    if isinstance(taken, Delivery):
        return _duplicate(delivery, taken)
    for submission_id, route in taken.queue:
        _enqueue(backend, submission_id, route)
    return _answer(taken)


def _plan(
    backend: Backend,
    delivery: str,
    parsed: events.Ping | events.PullRequestPush | events.Ignored | PayloadError,
) -> tuple[list[NewSubmission], Settle]:
    """The submissions a delivery stores and how its outcome follows from what was stored."""
    if isinstance(parsed, events.PullRequestPush):
        routes = backend.courses.for_repository(parsed.repository)
        if routes:
            news = [_new_submission(parsed, route, delivery) for route in routes]
            return news, partial(_settle_push, parsed, routes)
        known = Outcome("ignored", f"no assignment maps to {parsed.repository}")
    elif isinstance(parsed, PayloadError):
        known = Outcome("rejected", str(parsed), http_status=400)
    elif isinstance(parsed, events.Ping):
        known = Outcome("pong", f"pong (hook {parsed.hook_id})")
    else:
        known = Outcome("ignored", parsed.why)
    return [], lambda _: known


def _answer(outcome: Outcome) -> Answer:
    log.info(
        "delivery",
        outcome=outcome.outcome,
        detail=outcome.message,
        submissions=outcome.submission_ids,
    )
    if outcome.http_status >= 400:
        return refuse(outcome.http_status, outcome.message)
    return Answer(
        outcome.http_status,
        outcome.outcome,
        outcome.message,
        submission_ids=outcome.submission_ids,
    )


def _duplicate(delivery: str, earlier: Delivery) -> Answer:
    log.info("duplicate delivery", outcome=earlier.outcome)
    return Answer(
        200,
        "duplicate",
        f"delivery {delivery} was already handled ({earlier.outcome})",
        submission_ids=earlier.submission_ids,
    )


def _handle_in_steps(
    backend: Backend,
    delivery: str,
    event: str,
    action: str | None,
    parsed: events.InstallationEvent | events.Rerequest,
) -> Answer:
    """Record the delivery, act, record the outcome: a transaction each (rare events)."""
    earlier = backend.store.begin_delivery(delivery, event, action)
    if earlier is not None:
        return _duplicate(delivery, earlier)
    try:
        if isinstance(parsed, events.InstallationEvent):
            backend.store.record_installation(
                parsed.installation_id, parsed.account, parsed.action, parsed.repositories
            )
            outcome = Outcome("recorded", f"installation {parsed.installation_id} {parsed.action}")
        else:
            outcome = _rerequest(backend, delivery, parsed)
    except BaseException:
        _give_back(backend, delivery)
        raise
    backend.store.finish_delivery(
        delivery, outcome.outcome, outcome.message, outcome.submission_ids
    )
    return _answer(outcome)


def _give_back(backend: Backend, delivery: str) -> None:
    """Mark a delivery whose handling failed, so that GitHub's redelivery is handled anew."""
    try:
        backend.store.finish_delivery(delivery, "failed", "handling failed; redeliver")
    except SQLAlchemyError:  # the store is down: the row stays received, reclaimed later
        log.warning("could not mark the delivery failed", delivery=delivery)


def _new_submission(push: events.PullRequestPush, route: Route, delivery: str) -> NewSubmission:
    return NewSubmission(
        repository=push.repository,
        pull_number=push.number,
        head_sha=push.head_sha,
        head_repository=push.head_repository,
        head_ref=push.head_ref,
        base_sha=push.base_sha,
        installation_id=push.installation_id,
        assignment=route.id,
        rubric_path=str(route.loaded.path),
        rubric_sha256=route.digest,
        paths=list(route.assignment.paths) if route.assignment.paths else None,
        delivery_id=delivery,
        submitted_at=push.updated_at,
        author_login=push.author_login,
        author_id=push.author_id,
    )


def _settle_push(
    push: events.PullRequestPush, routes: list[Route], stored: list[Stored]
) -> Outcome:
    """Accepted when a submission is new (and not outdated by a newer push), else duplicate."""
    created = [
        (done.id, route)
        for done, route in zip(stored, routes, strict=True)
        if done.created and done.outdated_by is None
    ]
    duplicates = [done.id for done in stored if not done.created or done.outdated_by is not None]
    if not created:
        return Outcome(
            "duplicate",
            f"{push.head_sha[:12]} was already graded against {len(duplicates)} assignment(s),"
            " or a newer push of the pull request was delivered first",
            submission_ids=duplicates,
        )
    return Outcome(
        "accepted",
        f"queued {len(created)} submission(s) for {push.repository}@{push.head_sha[:12]}",
        http_status=202,
        submission_ids=[submission_id for submission_id, _ in created] + duplicates,
        queue=created,
    )


def _rerequest(backend: Backend, delivery: str, rerequest: events.Rerequest) -> Outcome:
    original = backend.store.get(rerequest.external_id) if rerequest.external_id else None
    if original is None or original.repository.lower() != rerequest.repository.lower():
        return Outcome("ignored", "the check run is not one of ours")
    route = backend.courses.get(original.assignment)
    if route is None:
        return Outcome("ignored", f"assignment {original.assignment!r} is no longer configured")
    again = replace(
        regrade_of(original, route.digest),
        delivery_id=delivery,
        installation_id=rerequest.installation_id or original.installation_id,
    )
    stored = backend.store.add_submission(again)
    _enqueue(backend, stored.id, route)
    return Outcome(
        "accepted",
        f"regrading {original.head_sha[:12]}",
        http_status=202,
        submission_ids=[stored.id],
    )


def _enqueue(backend: Backend, submission_id: str, route: Route) -> None:
    try:
        backend.enqueue(submission_id, route)
        backend.store.mark_enqueued(submission_id)
    except Exception as exc:  # the broker is down: stored, and swept later
        log.warning(
            "enqueue failed; a worker will sweep it", submission=submission_id, error=str(exc)[:200]
        )
