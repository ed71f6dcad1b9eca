"""Fixtures of the hidden tests: the broker from AMQP_URL, a fresh queue per test, and helpers.

Every test gets its own uniquely named queue (and its ``.dead`` queue), deleted afterwards, so
the tests and your own tests never see each other's messages.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel


def pytest_configure(config: pytest.Config) -> None:
    # A connection left open by the code under test is closed by the garbage collector
    # during whichever test runs next: never blame that test for it.
    config.addinivalue_line("filterwarnings", "ignore::ResourceWarning")
    config.addinivalue_line(
        "filterwarnings", "ignore::pytest.PytestUnraisableExceptionWarning"
    )


@dataclass
class Broker:
    """The test's own connection to the broker and its queue."""

    url: str
    channel: BlockingChannel
    queue: str

    @property
    def dead(self) -> str:
        return f"{self.queue}.dead"

    def publish(self, body: bytes) -> None:
        self.channel.basic_publish(
            exchange="",
            routing_key=self.queue,
            body=body,
            properties=pika.BasicProperties(delivery_mode=2),
        )

    def publish_events(self, events: list[Mapping[str, Any]]) -> None:
        for event in events:
            self.publish(json.dumps(event).encode())

    def ready(self, queue: str) -> int:
        """Messages ready in ``queue`` (not counting those delivered and not yet acked)."""
        return int(self.channel.queue_declare(queue=queue, passive=True).method.message_count)

    def wait_ready(self, queue: str, count: int, timeout: float = 3.0) -> int:
        """Poll until ``queue`` holds ``count`` ready messages or ``timeout`` passes; the last count."""
        deadline = time.monotonic() + timeout
        ready = self.ready(queue)
        while ready != count and time.monotonic() < deadline:
            self.channel.connection.process_data_events(time_limit=0.05)
            ready = self.ready(queue)
        return ready

    def take_all(self, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
        """Every message in ``queue``, each acked."""
        messages = []
        while True:
            method, properties, body = self.channel.basic_get(queue=queue, auto_ack=True)
            if method is None:
                return messages
            messages.append((properties, body))


@pytest.fixture
def amqp_url() -> str:
    url = os.environ.get("AMQP_URL")
    assert url, "AMQP_URL is not set: the grader starts RabbitMQ and sets it"
    return url


@pytest.fixture
def broker(amqp_url: str) -> Iterator[Broker]:
    """A fresh queue declared by your ``declare_queues``, and the test's own channel."""
    from stream import declare_queues

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    queue = f"hidden.{uuid.uuid4().hex[:12]}"
    try:
        declare_queues(channel, queue)
        yield Broker(amqp_url, channel, queue)
    finally:
        cleanup = connection.channel() if connection.is_open else None
        if cleanup is None:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
            cleanup = connection.channel()
        for name in (queue, f"{queue}.dead"):
            cleanup.queue_delete(queue=name)
        connection.close()


def reading(event_id: str, sensor: str, ts: float, value: float) -> dict[str, Any]:
    return {"event_id": event_id, "sensor": sensor, "ts": ts, "value": value}
