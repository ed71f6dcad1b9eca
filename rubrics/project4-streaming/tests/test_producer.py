"""The producer: persistent JSON messages, confirmed by the broker; and the queues' declaration."""

from __future__ import annotations

import json
import uuid

import pika
import pika.exceptions
import pytest
from conftest import Broker, reading
from stream import PublishError, declare_queues, publish_events

EVENTS = [reading(f"e{i}", "s1", 60.0 * i, float(i)) for i in range(5)]


def test_publish_events_returns_the_number_published(broker: Broker) -> None:
    assert publish_events(broker.url, broker.queue, EVENTS) == len(EVENTS)


def test_published_bodies_are_the_events_as_json_in_order(broker: Broker) -> None:
    publish_events(broker.url, broker.queue, EVENTS)
    bodies = [json.loads(body) for _, body in broker.take_all(broker.queue)]
    assert bodies == EVENTS, "the queue should hold each event as a JSON object, in order"


def test_published_messages_are_persistent(broker: Broker) -> None:
    publish_events(broker.url, broker.queue, EVENTS)
    messages = broker.take_all(broker.queue)
    assert len(messages) == len(EVENTS)
    modes = {properties.delivery_mode for properties, _ in messages}
    assert modes == {2}, "every message should have delivery_mode 2 (persistent)"


def test_published_messages_say_they_are_json(broker: Broker) -> None:
    publish_events(broker.url, broker.queue, EVENTS[:2])
    types = {properties.content_type for properties, _ in broker.take_all(broker.queue)}
    assert types == {"application/json"}


def test_publish_events_on_an_empty_iterable_publishes_nothing(broker: Broker) -> None:
    assert publish_events(broker.url, broker.queue, iter([])) == 0
    assert broker.ready(broker.queue) == 0


def test_publish_to_a_missing_queue_raises_publish_error(broker: Broker) -> None:
    missing = f"hidden.missing.{uuid.uuid4().hex[:12]}"
    with pytest.raises(PublishError):
        publish_events(broker.url, missing, EVENTS[:1])


def test_publish_refused_by_the_broker_raises_publish_error(broker: Broker) -> None:
    full = f"hidden.full.{uuid.uuid4().hex[:12]}"
    broker.channel.queue_declare(
        queue=full, arguments={"x-max-length": 2, "x-overflow": "reject-publish"}
    )
    try:
        with pytest.raises(PublishError):
            publish_events(broker.url, full, EVENTS[:4])
        assert broker.ready(full) == 2
    finally:
        broker.channel.queue_delete(queue=full)


def test_declare_queues_makes_both_queues_durable(broker: Broker) -> None:
    for name in (broker.queue, broker.dead):
        channel = broker.channel.connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as raised:
            channel.queue_declare(queue=name, durable=False)
        assert "durable" in raised.value.reply_text, f"{name} should be durable"


def test_declare_queues_twice_is_harmless(broker: Broker) -> None:
    broker.publish(b'{"event_id": "x"}')
    declare_queues(broker.channel, broker.queue)
    assert broker.ready(broker.queue) == 1
