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

Before the signature is checked the sender is anonymous, so what it can cost is
bounded: a request without a signature header is refused before its body is
read; at most ``Limits.bodies`` bodies are read at once (503 with Retry-After
beyond); a body must arrive within ``Limits.body_seconds`` (408); a client
that hangs up mid-body is one info line. The ``X-GitHub-Event`` header
becomes a metrics label only when it names an event GitHub sends.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect

from grader.console.context import ConsoleContext
from grader.console.mount import mount_console
from grader.errors import PayloadError
from grader.service import logs
from grader.service.courses import Courses, Route
from grader.service.metrics import Metrics, event_label
from grader.service.store import NewSubmission, Store, regrade_of
from grader.settings import ServiceSettings
from webhooks import events

MAX_BODY = 25 * 1024 * 1024
"""GitHub caps payloads at 25 MB; anything larger is not from GitHub."""
MAX_INT_DIGITS = 20
"""JSON integers longer than this are refused while parsing (int64 has 19 digits and a sign)."""
EVENT_NAME = re.compile(r"^[a-z_]{1,64}$")
DELIVERY_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
"""GitHub's delivery ids are GUIDs; the deliveries table keeps 64 characters."""


@dataclass(frozen=True)
class Limits:
    """What an unauthenticated client may cost the API process."""

    bodies: int = 4
    """Bodies read at once (each up to 25 MB in memory); more wait for none: 503 + Retry-After."""
    body_seconds: float = 10.0
    """A body must arrive within this (GitHub gives up on a delivery after 10 s anyway): 408."""


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
    door = _Door(secret, backend.limits)

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


class Answer(JSONResponse):
    """The webhook's answer, keeping its outcome for the metrics."""

    def __init__(self, status: int, outcome: str, message: str, **extra: Any) -> None:
        super().__init__({"status": outcome, "message": message, **extra}, status_code=status)
        self.outcome = outcome


def _error(status: int, message: str, **extra: Any) -> Answer:
    return Answer(status, "rejected", message, **extra)


class _Door:
    """The secret and the bounds on reading bodies, shared by the requests of one process."""

    def __init__(self, secret: bytes, limits: Limits) -> None:
        self.secret = secret
        self.limits = limits
        self.slots = asyncio.Semaphore(limits.bodies)

    async def read_body(self, request: Request) -> bytes | Answer:
        """The raw body, or the answer refusing it: too big, too slow, too many at once, gone."""
        if self.slots.locked():
            answer = Answer(503, "busy", "too many deliveries at once; redeliver later")
            answer.headers["Retry-After"] = "5"
            return answer
        async with self.slots:
            try:
                async with asyncio.timeout(self.limits.body_seconds):
                    return await _stream_body(request)
            except TimeoutError:
                log.info("body too slow", seconds=self.limits.body_seconds)
                return _error(408, f"the body did not arrive within {self.limits.body_seconds} s")
            except ClientDisconnect:
                log.info("client disconnected before sending its whole body")
                return _error(400, "the client disconnected before sending its whole body")


async def _stream_body(request: Request) -> bytes | Answer:
    """The body, counted as it streams, refused as soon as it passes GitHub's 25 MB."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return _too_big()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big() -> Answer:
    return _error(413, f"the payload is over GitHub's {MAX_BODY // 2**20} MB limit")


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """GitHub's ``X-Hub-Signature-256``: HMAC-SHA256 of the raw body, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def _receive(request: Request, door: _Door, backend: Backend) -> Answer:
    checked = await _verified(request, door)
    if isinstance(checked, Answer):
        return checked
    event, delivery, payload = checked
    logs.bind(delivery_id=delivery, event=event)
    try:
        return _handle(backend, delivery, event, payload)
    except SQLAlchemyError as exc:
        log.error("store unavailable", error=type(exc).__name__)
        return Answer(503, "unavailable", "the store does not answer; redeliver later")
    finally:
        logs.clear()


async def _verified(request: Request, door: _Door) -> Answer | tuple[str, str, dict[str, Any]]:
    """The event, delivery id and payload of a genuine delivery, or the 4xx saying why not."""
    declared = request.headers.get("content-length", "")
    if len(declared) > 12 or (declared.isdigit() and int(declared) > MAX_BODY):
        return _too_big()
    signature = request.headers.get("x-hub-signature-256")
    if not signature:  # refused before the body is read: an unsigned body costs nothing
        return _error(
            401, "missing X-Hub-Signature-256 header: is the webhook secret set on GitHub?"
        )
    body = await door.read_body(request)
    if isinstance(body, Answer):
        return body
    if not signature_ok(door.secret, body, signature):
        return _error(401, "X-Hub-Signature-256 does not match the body: wrong secret, or altered")
    headers = _headers(request)
    if isinstance(headers, Answer):
        return headers
    payload = parse_json(body)
    if isinstance(payload, str):
        return _error(400, payload)
    return (*headers, payload)


def _headers(request: Request) -> Answer | tuple[str, str]:
    """The event name and delivery id, each checked against what GitHub sends."""
    event = request.headers.get("x-github-event", "")
    delivery = request.headers.get("x-github-delivery", "")
    missing = [
        name
        for name, value in (("X-GitHub-Event", event), ("X-GitHub-Delivery", delivery))
        if not value
    ]
    if missing:
        return _error(400, f"missing header(s): {', '.join(missing)}")
    if not EVENT_NAME.match(event):
        return _error(400, "X-GitHub-Event: not an event name (lower-case letters and _, 1-64)")
    if not DELIVERY_ID.match(delivery):
        return _error(400, "X-GitHub-Delivery: not a delivery id (1-64 printable ASCII characters)")
    return event, delivery


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(digits)} digits (at most {MAX_INT_DIGITS})")
    return int(digits)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> dict[str, Any] | str:
    """The body's JSON object, or why it is not one (too deep, a huge integer, not UTF-8...).

    The standard parser is C and bounded by the interpreter's recursion limit, which it
    reports as ``RecursionError`` (caught: a few thousand levels are cheap to refuse);
    integers are refused before ``int()`` sees them and NaN/Infinity are not JSON.
    """
    try:
        payload = json.loads(body, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        return "the body is not JSON this service reads: nested too deep"
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        return f"the body is not JSON this service reads: {str(exc)[:200]}"
    if not isinstance(payload, dict):
        return f"the body is a JSON {type(payload).__name__}, not an object"
    return payload


def _handle(backend: Backend, delivery: str, event: str, payload: dict[str, Any]) -> Answer:
    try:  # validated before anything is stored: only bounded, storable values go further
        parsed: events.Event | PayloadError = events.parse(event, payload)
    except PayloadError as exc:
        parsed = exc
    earlier = backend.store.begin_delivery(delivery, event, events.action_of(payload))
    if earlier is not None:
        log.info("duplicate delivery", outcome=earlier.outcome)
        return Answer(
            200,
            "duplicate",
            f"delivery {delivery} was already handled ({earlier.outcome})",
            submission_ids=earlier.submission_ids,
        )
    if isinstance(parsed, PayloadError):
        backend.store.finish_delivery(delivery, "rejected", str(parsed))
        log.info("rejected delivery", detail=str(parsed))
        return _error(400, str(parsed))
    try:
        outcome = _dispatch(backend, delivery, parsed)
    except BaseException:
        _give_back(backend, delivery)
        raise
    backend.store.finish_delivery(
        delivery, outcome.outcome, outcome.message, outcome.submission_ids
    )
    log.info(
        "delivery",
        outcome=outcome.outcome,
        detail=outcome.message,
        submissions=outcome.submission_ids,
    )
    return Answer(
        outcome.http_status,
        outcome.outcome,
        outcome.message,
        submission_ids=outcome.submission_ids,
    )


def _give_back(backend: Backend, delivery: str) -> None:
    """Mark a delivery whose handling failed, so that GitHub's redelivery is handled anew."""
    try:
        backend.store.finish_delivery(delivery, "failed", "handling failed; redeliver")
    except SQLAlchemyError:  # the store is down: the row stays received, reclaimed later
        log.warning("could not mark the delivery failed", delivery=delivery)


@dataclass(frozen=True)
class Outcome:
    outcome: str
    message: str
    http_status: int = 200
    submission_ids: list[str] = field(default_factory=list)


def _dispatch(backend: Backend, delivery: str, parsed: events.Event) -> Outcome:
    if isinstance(parsed, events.Ping):
        return Outcome("pong", f"pong (hook {parsed.hook_id})")
    if isinstance(parsed, events.InstallationEvent):
        backend.store.record_installation(
            parsed.installation_id, parsed.account, parsed.action, parsed.repositories
        )
        return Outcome("recorded", f"installation {parsed.installation_id} {parsed.action}")
    if isinstance(parsed, events.PullRequestPush):
        return _submit(backend, delivery, parsed)
    if isinstance(parsed, events.Rerequest):
        return _rerequest(backend, delivery, parsed)
    return Outcome("ignored", parsed.why)


def _submit(backend: Backend, delivery: str, push: events.PullRequestPush) -> Outcome:
    routes = backend.courses.for_repository(push.repository)
    if not routes:
        return Outcome("ignored", f"no assignment maps to {push.repository}")
    created: list[str] = []
    duplicates: list[str] = []
    for route in routes:
        stored = backend.store.add_submission(
            NewSubmission(
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
        )
        if not stored.created or stored.outdated_by is not None:
            duplicates.append(stored.id)
            continue
        created.append(stored.id)
        try:
            backend.enqueue(stored.id, route)
            backend.store.mark_enqueued(stored.id)
        except Exception as exc:  # the broker is down: stored, and swept later
            log.warning(
                "enqueue failed; a worker will sweep it", submission=stored.id, error=str(exc)[:200]
            )
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
        submission_ids=created + duplicates,
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
