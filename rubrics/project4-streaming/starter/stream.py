"""Streaming ingestion of sensor readings through RabbitMQ: a producer and a consumer.

The producer publishes each reading as a persistent JSON message and waits for the
broker's confirm. The consumer acknowledges by hand, retries a reading whose handler
failed, sends what can never succeed to ``<queue>.dead``, drops readings it has
already counted, and sums the readings per sensor and per time window.

Replace each ``raise NotImplementedError`` with your implementation. Keep the names
and signatures: the hidden tests import them. Connect with
``pika.BlockingConnection(pika.URLParameters(url))``; the grader passes
``os.environ["AMQP_URL"]`` as ``url``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel


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
        """The average value (``total / count``)."""
        raise NotImplementedError

    def add(self, value: float) -> None:
        """Count one more reading of ``value``."""
        raise NotImplementedError


@dataclass
class ConsumeResult:
    """What one run of the consumer did."""

    windows: dict[tuple[str, int], WindowStats] = field(default_factory=dict)
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


def dead_queue(queue: str) -> str:
    """The name of the dead-letter queue of ``queue``: ``queue + ".dead"``."""
    return f"{queue}.dead"


def declare_queues(channel: BlockingChannel, queue: str) -> None:
    """Declare ``queue`` and its dead-letter queue, both durable (idempotent)."""
    raise NotImplementedError


def parse_event(body: bytes) -> Event:
    """The reading in a message body; ``InvalidEvent`` says what is wrong with it."""
    raise NotImplementedError


def window_start(ts: float, window_seconds: int) -> int:
    """The start of the window ``ts`` falls in: ``window_start(119.5, 60) == 60``."""
    raise NotImplementedError


def publish_events(url: str, queue: str, events: Iterable[Mapping[str, Any]]) -> int:
    """Publish each event to ``queue`` as persistent, confirmed JSON; how many.

    The queue must exist (``declare_queues``). Raises ``PublishError`` when the broker
    nacks a message or no queue receives it.
    """
    raise NotImplementedError


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
    raise NotImplementedError
