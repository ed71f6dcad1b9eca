"""Sensor readings through RabbitMQ.

Nothing is ever lost: a message is acked only once it has been counted, and anything
that goes wrong puts the message back in the queue to be tried again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel


class PublishError(Exception):
    """The broker did not take a message."""


class InvalidEvent(ValueError):
    """A message that is not a valid reading."""


@dataclass(frozen=True)
class Event:
    event_id: str
    sensor: str
    ts: float
    value: float


@dataclass
class WindowStats:
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
    windows: dict[tuple[str, int], WindowStats] = field(default_factory=dict)
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


def dead_queue(queue: str) -> str:
    return queue + ".dead"


def declare_queues(channel: BlockingChannel, queue: str) -> None:
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=dead_queue(queue), durable=True)


def _number(data: dict[str, Any], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidEvent(name)
    if math.isnan(value) or math.isinf(value):
        raise InvalidEvent(name)
    return float(value)


def _string(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value == "":
        raise InvalidEvent(name)
    return value


def parse_event(body: bytes) -> Event:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidEvent("not JSON") from error
    if not isinstance(data, dict):
        raise InvalidEvent("not an object")
    ts = _number(data, "ts")
    if ts < 0:
        raise InvalidEvent("ts")
    return Event(_string(data, "event_id"), _string(data, "sensor"), ts, _number(data, "value"))


def window_start(ts: float, window_seconds: int) -> int:
    return int(math.floor(ts / window_seconds) * window_seconds)


def publish_events(url: str, queue: str, events: Iterable[Mapping[str, Any]]) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    sent = 0
    for event in events:
        channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=json.dumps(event),
            properties=pika.BasicProperties(
                content_type="application/json", delivery_mode=2
            ),
        )
        sent += 1
    connection.close()
    return sent


class _State:
    def __init__(self, window_seconds: int) -> None:
        self.window_seconds = window_seconds
        self.result = ConsumeResult()
        self.seen: set[str] = set()

    def add(self, event: Event) -> None:
        self.seen.add(event.event_id)
        key = (event.sensor, window_start(event.ts, self.window_seconds))
        self.result.windows.setdefault(key, WindowStats()).add(event.value)
        self.result.processed += 1


def _handle(
    state: _State, body: bytes, on_event: Callable[[Event], None] | None
) -> bool:
    """Whether the message is done with (False: put it back)."""
    try:
        event = parse_event(body)
        if event.event_id in state.seen:
            state.result.duplicates += 1
            return True
        if on_event is not None:
            on_event(event)
    except Exception:
        return False
    state.add(event)
    return True


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
    if min(window_seconds, idle_timeout, prefetch, max_attempts) <= 0:
        raise ValueError("settings must be positive")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_queues(channel, queue)
    channel.basic_qos(prefetch_count=prefetch)
    state = _State(window_seconds)
    done = 0
    for method, _props, body in channel.consume(queue, inactivity_timeout=idle_timeout):
        if method is None:
            break
        if _handle(state, body, on_event):
            channel.basic_ack(method.delivery_tag)
            done += 1
        else:
            channel.basic_nack(method.delivery_tag, requeue=True)
        if max_messages is not None and done >= max_messages:
            break
    channel.cancel()
    connection.close()
    return state.result
