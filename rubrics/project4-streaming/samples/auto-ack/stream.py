"""Sensor readings through RabbitMQ: publish them, consume them into per-minute windows."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import NackError, UnroutableError

log = logging.getLogger(__name__)


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
    return f"{queue}.dead"


def declare_queues(channel: BlockingChannel, queue: str) -> None:
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=dead_queue(queue), durable=True)


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            raise InvalidEvent(f"bad {name}")
        return float(value)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"bad {name}")
    return value


def parse_event(body: bytes) -> Event:
    try:
        data = json.loads(body)
    except ValueError as error:
        raise InvalidEvent("not JSON") from error
    if not isinstance(data, dict):
        raise InvalidEvent("not an object")
    ts = _field(data, "ts", float)
    if ts < 0:
        raise InvalidEvent("negative ts")
    return Event(
        _field(data, "event_id", str),
        _field(data, "sensor", str),
        ts,
        _field(data, "value", float),
    )


def window_start(ts: float, window_seconds: int) -> int:
    return int(ts // window_seconds) * window_seconds


def publish_events(url: str, queue: str, events: Iterable[Mapping[str, Any]]) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    count = 0
    try:
        for event in events:
            channel.basic_publish(
                "",
                queue,
                json.dumps(event).encode(),
                pika.BasicProperties(content_type="application/json", delivery_mode=2),
                mandatory=True,
            )
            count += 1
    except (NackError, UnroutableError) as error:
        raise PublishError(str(error)) from error
    finally:
        connection.close()
    return count


def _process(
    result: ConsumeResult,
    seen: set[str],
    event: Event,
    window_seconds: int,
    on_event: Callable[[Event], None] | None,
) -> None:
    if event.event_id in seen:
        result.duplicates += 1
        return
    if on_event is not None:
        try:
            on_event(event)
        except Exception:
            log.exception("handler failed for %s", event.event_id)
            return
    seen.add(event.event_id)
    key = (event.sensor, window_start(event.ts, window_seconds))
    result.windows.setdefault(key, WindowStats()).add(event.value)
    result.processed += 1


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
    if window_seconds <= 0 or idle_timeout <= 0 or prefetch <= 0 or max_attempts <= 0:
        raise ValueError("settings must be positive")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_queues(channel, queue)
    result = ConsumeResult()
    seen: set[str] = set()
    handled = 0
    for method, _props, body in channel.consume(
        queue, auto_ack=True, inactivity_timeout=idle_timeout
    ):
        if method is None:
            break
        try:
            event = parse_event(body)
        except InvalidEvent:
            channel.basic_publish("", dead_queue(queue), body)
            result.dead_lettered += 1
        else:
            _process(result, seen, event, window_seconds, on_event)
        handled += 1
        if max_messages is not None and handled >= max_messages:
            break
    connection.close()
    return result
