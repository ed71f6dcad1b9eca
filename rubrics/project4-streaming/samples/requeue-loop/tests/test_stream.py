from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pika
import pytest

from stream import (
    Event,
    InvalidEvent,
    WindowStats,
    consume,
    declare_queues,
    parse_event,
    publish_events,
    window_start,
)

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def queue() -> Iterator[str]:
    name = "t." + uuid.uuid4().hex
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    declare_queues(channel, name)
    yield name
    channel.queue_delete(name)
    channel.queue_delete(name + ".dead")
    connection.close()


def test_parse_event() -> None:
    assert parse_event(b'{"event_id":"a","sensor":"s","ts":3,"value":1}') == Event(
        "a", "s", 3.0, 1.0
    )
    for bad in [b"x", b"[]", b'{"event_id":"a","sensor":"s","ts":-3,"value":1}']:
        with pytest.raises(InvalidEvent):
            parse_event(bad)


def test_windows() -> None:
    assert window_start(61, 60) == 60
    stats = WindowStats()
    stats.add(3)
    assert stats.mean == 3


def test_retry_then_count_once(queue: str) -> None:
    failures = [1]

    def flaky(event: Event) -> None:
        if failures:
            failures.pop()
            raise RuntimeError("try again")

    events = [
        {"event_id": "a", "sensor": "s", "ts": 1, "value": 2},
        {"event_id": "a", "sensor": "s", "ts": 1, "value": 2},
    ]
    publish_events(URL, queue, events)
    result = consume(URL, queue, idle_timeout=0.2, on_event=flaky)
    assert result.processed == 1
    assert result.duplicates == 1


def test_max_messages(queue: str) -> None:
    publish_events(URL, queue, [{"event_id": str(i), "sensor": "s", "ts": 0, "value": 1} for i in range(3)])
    assert consume(URL, queue, max_messages=1).processed == 1
    with pytest.raises(ValueError):
        consume(URL, queue, prefetch=0)
