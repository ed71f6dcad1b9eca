"""The producer and the consumer against the broker, and the parsing without it."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel

# isort: split
from stream import (
    Event,
    InvalidEvent,
    PublishError,
    WindowStats,
    consume,
    dead_queue,
    parse_event,
    publish_events,
    window_start,
)


def reading(
    event_id: str, ts: float, value: float, sensor: str = "s"
) -> dict[str, Any]:
    return {"event_id": event_id, "sensor": sensor, "ts": ts, "value": value}


def ready(channel: BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue=queue, passive=True).method.message_count)


def test_parse_event_reads_a_reading() -> None:
    body = json.dumps(reading("a", 5, 2)).encode()
    assert parse_event(body) == Event("a", "s", 5.0, 2.0)


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\xff",
        b"[]",
        b'{"event_id": "a", "sensor": "s", "ts": 1}',
        b'{"event_id": "a", "sensor": "s", "ts": 1, "value": false}',
        b'{"event_id": "a", "sensor": "s", "ts": 1, "value": Infinity}',
        b'{"event_id": "a", "sensor": "s", "ts": -1, "value": 1}',
        b'{"event_id": "", "sensor": "s", "ts": 1, "value": 1}',
    ],
)
def test_parse_event_refuses_what_can_never_be_processed(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_event(body)


def test_window_start_and_stats() -> None:
    assert window_start(119.9, 60) == 60
    assert window_start(120, 60) == 120
    stats = WindowStats()
    stats.add(1.0)
    stats.add(3.0)
    assert (stats.count, stats.minimum, stats.maximum, stats.mean) == (2, 1.0, 3.0, 2.0)
    assert math.isinf(WindowStats().minimum)


def test_publish_events_sends_persistent_json(
    url: str, channel: BlockingChannel, queue: str
) -> None:
    events = [reading("a", 1, 1.0), reading("b", 2, 2.0)]
    assert publish_events(url, queue, events) == 2
    method, properties, body = channel.basic_get(queue, auto_ack=True)
    assert method is not None
    assert properties.delivery_mode == 2
    assert json.loads(body) == events[0]


def test_publish_events_raises_when_nothing_can_take_the_message(url: str) -> None:
    with pytest.raises(PublishError):
        publish_events(url, f"own.missing.{uuid.uuid4().hex}", [reading("a", 1, 1.0)])


def test_consume_sums_windows_and_skips_duplicates(url: str, queue: str) -> None:
    events = [reading("a", 0, 1.0), reading("b", 61, 3.0), reading("a", 0, 1.0)]
    publish_events(url, queue, events)
    result = consume(url, queue, idle_timeout=0.2)
    assert result.windows[("s", 0)].count == 1
    assert result.windows[("s", 60)].total == 3.0
    assert (result.processed, result.duplicates) == (2, 1)


def test_consume_retries_then_dead_letters(
    url: str, channel: BlockingChannel, queue: str
) -> None:
    calls: list[str] = []

    def handler(event: Event) -> None:
        calls.append(event.event_id)
        if event.event_id == "bad" or calls.count(event.event_id) == 1:
            raise RuntimeError("down")

    publish_events(url, queue, [reading("bad", 0, 1.0), reading("ok", 0, 1.0)])
    channel.basic_publish("", queue, b"not json")
    result = consume(url, queue, idle_timeout=0.2, max_attempts=2, on_event=handler)
    assert sorted(calls) == ["bad", "bad", "ok", "ok"]
    assert (result.processed, result.dead_lettered) == (1, 2)
    assert ready(channel, dead_queue(queue)) == 2


def test_consume_stops_after_max_messages(
    url: str, channel: BlockingChannel, queue: str
) -> None:
    publish_events(url, queue, [reading(str(i), 0, 1.0) for i in range(5)])
    result = consume(url, queue, max_messages=2, idle_timeout=2.0, prefetch=1)
    assert result.processed == 2
    assert consume(url, queue, idle_timeout=0.2).processed == 3


def test_consume_refuses_bad_settings(url: str, queue: str) -> None:
    with pytest.raises(ValueError, match="max_messages"):
        consume(url, queue, max_messages=0)
