import json
import os
import uuid

import pika

from stream import Event, consume, declare_queues, parse_event, publish_events

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def test_parse() -> None:
    body = json.dumps({"event_id": "a", "sensor": "s", "ts": 1, "value": 2}).encode()
    assert parse_event(body) == Event("a", "s", 1.0, 2.0)


def test_round_trip() -> None:
    queue = f"mine.{uuid.uuid4().hex}"
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    declare_queues(channel, queue)
    events = [
        {"event_id": "a", "sensor": "s", "ts": 1, "value": 2},
        {"event_id": "a", "sensor": "s", "ts": 1, "value": 2},
        {"event_id": "b", "sensor": "s", "ts": 70, "value": 4},
    ]
    assert publish_events(URL, queue, events) == 3
    channel.basic_publish("", queue, b"junk")
    result = consume(URL, queue, idle_timeout=0.2)
    assert result.processed == 2
    assert result.duplicates == 1
    assert result.dead_lettered == 1
    assert result.windows[("s", 60)].mean == 4.0
    channel.queue_delete(queue)
    channel.queue_delete(queue + ".dead")
    connection.close()
