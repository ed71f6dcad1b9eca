"""The webhook's door: what a delivery must be before the service acts on it.

Before the signature is checked the sender is anonymous, so what it can cost is
bounded: a request without a signature header is refused before its body is
read; at most ``Limits.bodies`` bodies are read at once (503 with Retry-After
beyond); a body must arrive within ``Limits.body_seconds`` (408); a client
that hangs up mid-body is one info line. A signed body is then parsed with
bounds (depth, integer digits, no NaN) and its headers checked against what
GitHub sends; every refusal is an ``Answer`` naming what is wrong.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from grader.service import logs

MAX_BODY = 25 * 1024 * 1024
"""GitHub caps payloads at 25 MB; anything larger is not from GitHub."""
MAX_INT_DIGITS = 20
"""JSON integers longer than this are refused while parsing (int64 has 19 digits and a sign)."""
EVENT_NAME = re.compile(r"^[a-z_]{1,64}$")
DELIVERY_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
"""GitHub's delivery ids are GUIDs; the deliveries table keeps 64 characters."""

log = logs.get("webhooks")


@dataclass(frozen=True)
class Limits:
    """What an unauthenticated client may cost the API process."""

    bodies: int = 4
    """Bodies read at once (each up to 25 MB in memory); more wait for none: 503 + Retry-After."""
    body_seconds: float = 10.0
    """A body must arrive within this (GitHub gives up on a delivery after 10 s anyway): 408."""


class Answer(JSONResponse):
    """The webhook's answer, keeping its outcome for the metrics."""

    def __init__(self, status: int, outcome: str, message: str, **extra: Any) -> None:
        super().__init__({"status": outcome, "message": message, **extra}, status_code=status)
        self.outcome = outcome


def refuse(status: int, message: str, **extra: Any) -> Answer:
    return Answer(status, "rejected", message, **extra)


class Door:
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
                return refuse(408, f"the body did not arrive within {self.limits.body_seconds} s")
            except ClientDisconnect:
                log.info("client disconnected before sending its whole body")
                return refuse(400, "the client disconnected before sending its whole body")


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
    return refuse(413, f"the payload is over GitHub's {MAX_BODY // 2**20} MB limit")


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """GitHub's ``X-Hub-Signature-256``: HMAC-SHA256 of the raw body, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def verified(request: Request, door: Door) -> Answer | tuple[str, str, dict[str, Any]]:
    """The event, delivery id and payload of a genuine delivery, or the 4xx saying why not."""
    declared = request.headers.get("content-length", "")
    if len(declared) > 12 or (declared.isdigit() and int(declared) > MAX_BODY):
        return _too_big()
    signature = request.headers.get("x-hub-signature-256")
    if not signature:  # refused before the body is read: an unsigned body costs nothing
        return refuse(
            401, "missing X-Hub-Signature-256 header: is the webhook secret set on GitHub?"
        )
    body = await door.read_body(request)
    if isinstance(body, Answer):
        return body
    if not signature_ok(door.secret, body, signature):
        return refuse(401, "X-Hub-Signature-256 does not match the body: wrong secret, or altered")
    headers = _headers(request)
    if isinstance(headers, Answer):
        return headers
    payload = parse_json(body)
    if isinstance(payload, str):
        return refuse(400, payload)
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
        return refuse(400, f"missing header(s): {', '.join(missing)}")
    if not EVENT_NAME.match(event):
        return refuse(400, "X-GitHub-Event: not an event name (lower-case letters and _, 1-64)")
    if not DELIVERY_ID.match(delivery):
        return refuse(400, "X-GitHub-Delivery: not a delivery id (1-64 printable ASCII characters)")
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
