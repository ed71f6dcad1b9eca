"""A fresh pair of queues per test on the broker named by AMQP_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

# isort: split
from stream import dead_queue, declare_queues


@pytest.fixture
def url() -> str:
    return os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def channel(url: str) -> Iterator[BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    yield connection.channel()
    connection.close()


@pytest.fixture
def queue(channel: BlockingChannel) -> Iterator[str]:
    name = f"own.{uuid.uuid4().hex[:12]}"
    declare_queues(channel, name)
    yield name
    channel.queue_delete(queue=name)
    channel.queue_delete(queue=dead_queue(name))
