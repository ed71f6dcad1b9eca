"""Streaming ingestion of sensor readings through RabbitMQ: a producer and a consumer.

The producer publishes each reading as a persistent JSON message and waits for the
broker's confirm. The consumer acknowledges by hand, retries a reading whose handler
failed, sends what can never succeed to ``<queue>.dead``, drops readings it has
already counted, and sums the readings per sensor and per time window.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import NackError, UnroutableError
from pika.spec import Basic, BasicProperties

PERSISTENT = 2


class PublishError(Exception):
    """The broker did not take a message: it nacked it, or no queue could receive it."""


class InvalidEvent(ValueError):
    """A message that can never be processed: not JSON, or a field missing or wrong."""


@dataclass(frozen=True)
class Event:
    """One sensor reading."""

    event_id: str
    sensor: str
    ts: float
    value: float


@dataclass
class WindowStats:
    """The readings of one sensor in one window."""

    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    @property
    def mean(self) -> float:
        return self.total / self.count

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)


@dataclass
class ConsumeResult:
    """What one run of the consumer did."""

    windows: dict[tuple[str, int], WindowStats] = field(default_factory=dict)
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


def dead_queue(queue: str) -> str:
    """The name of the dead-letter queue of ``queue``."""
    return f"{queue}.dead"


def declare_queues(channel: BlockingChannel, queue: str) -> None:
    """Declare ``queue`` and its dead-letter queue, both durable."""
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=dead_queue(queue), durable=True)


def _number(data: Mapping[str, Any], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(f"{name} must be a number")
    if not math.isfinite(value):
        raise InvalidEvent(f"{name} must be a finite number")
    return float(value)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name} must be a non-empty string")
    return value


def parse_event(body: bytes) -> Event:
    """The reading in a message body; ``InvalidEvent`` says what is wrong with it."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidEvent(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise InvalidEvent("not a JSON object")
    ts = _number(data, "ts")
    if ts < 0:
        raise InvalidEvent("ts must not be negative")
    value = _number(data, "value")
    return Event(_text(data, "event_id"), _text(data, "sensor"), ts, value)


def window_start(ts: float, window_seconds: int) -> int:
    """The start of the window ``ts`` falls in (seconds since the epoch)."""
    return int(ts // window_seconds) * window_seconds


def publish_events(url: str, queue: str, events: Iterable[Mapping[str, Any]]) -> int:
    """Publish each event to ``queue`` as persistent, confirmed JSON; how many.

    The queue must exist (``declare_queues``). Raises ``PublishError`` when the broker
    nacks a message or no queue receives it.
    """
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        published = 0
        for event in events:
            properties = BasicProperties(
                content_type="application/json",
                delivery_mode=PERSISTENT,
                message_id=str(event.get("event_id", "")),
            )
            try:
                channel.basic_publish(
                    exchange="",
                    routing_key=queue,
                    body=json.dumps(event).encode(),
                    properties=properties,
                    mandatory=True,
                )
            except (NackError, UnroutableError) as error:
                message = f"message {published + 1} to {queue!r} not taken"
                raise PublishError(message) from error
            published += 1
        return published
    finally:
        connection.close()


class _Consumer:
    """The state of one run: what was counted, and how often each message failed."""

    def __init__(
        self,
        channel: BlockingChannel,
        queue: str,
        window_seconds: int,
        max_attempts: int,
        on_event: Callable[[Event], None] | None,
    ) -> None:
        self.channel = channel
        self.queue = queue
        self.window_seconds = window_seconds
        self.max_attempts = max_attempts
        self.on_event = on_event
        self.seen: set[str] = set()
        self.failures: dict[str, int] = {}
        self.result = ConsumeResult()

    def dead_letter(self, method: Basic.Deliver, body: bytes, reason: str) -> None:
        self.channel.basic_publish(
            exchange="",
            routing_key=dead_queue(self.queue),
            body=body,
            properties=BasicProperties(
                delivery_mode=PERSISTENT, headers={"error": reason}
            ),
        )
        self.channel.basic_ack(method.delivery_tag)
        self.result.dead_lettered += 1

    def handle(self, method: Basic.Deliver, body: bytes) -> bool:
        """Settle one delivery; whether it reached a final outcome (not a retry)."""
        try:
            event = parse_event(body)
        except InvalidEvent as error:
            self.dead_letter(method, body, str(error))
            return True
        if event.event_id in self.seen:
            self.channel.basic_ack(method.delivery_tag)
            self.result.duplicates += 1
            return True
        try:
            if self.on_event is not None:
                self.on_event(event)
        except Exception as error:  # any failure: retried, then dead-lettered
            return self.failed(method, body, event, error)
        self.count(event)
        self.channel.basic_ack(method.delivery_tag)
        return True

    def failed(
        self, method: Basic.Deliver, body: bytes, event: Event, error: Exception
    ) -> bool:
        attempts = self.failures.get(event.event_id, 0) + 1
        self.failures[event.event_id] = attempts
        if attempts >= self.max_attempts:
            self.dead_letter(method, body, f"failed {attempts} times: {error}")
            return True
        self.channel.basic_nack(method.delivery_tag, requeue=True)
        return False

    def count(self, event: Event) -> None:
        self.seen.add(event.event_id)
        key = (event.sensor, window_start(event.ts, self.window_seconds))
        self.result.windows.setdefault(key, WindowStats()).add(event.value)
        self.result.processed += 1


def _check_settings(
    window_seconds: int,
    max_messages: int | None,
    idle_timeout: float,
    prefetch: int,
    max_attempts: int,
) -> None:
    for name, value in [
        ("window_seconds", window_seconds),
        ("idle_timeout", idle_timeout),
        ("prefetch", prefetch),
        ("max_attempts", max_attempts),
        ("max_messages", 1 if max_messages is None else max_messages),
    ]:
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")


def consume(
    url: str,
    queue: str,
    *,
    window_seconds: int = 60,
    max_messages: int | None = None,
    idle_timeout: float = 1.0,
    prefetch: int = 10,
    max_attempts: int = 3,
    on_event: Callable[[Event], None] | None = None,
) -> ConsumeResult:
    """Consume ``queue`` until ``max_messages`` are settled or it is idle; the sums."""
    _check_settings(window_seconds, max_messages, idle_timeout, prefetch, max_attempts)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        declare_queues(channel, queue)
        channel.basic_qos(prefetch_count=prefetch)
        consumer = _Consumer(channel, queue, window_seconds, max_attempts, on_event)
        settled = 0
        deliveries = channel.consume(queue, inactivity_timeout=idle_timeout)
        for method, _properties, body in deliveries:
            if method is None or body is None:
                break
            settled += consumer.handle(method, body)
            if max_messages is not None and settled >= max_messages:
                break
        channel.cancel()
        return consumer.result
    finally:
        connection.close()
