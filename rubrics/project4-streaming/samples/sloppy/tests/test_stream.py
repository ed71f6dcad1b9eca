import os
import uuid

from stream import *


URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def test_parse():
    assert parse_event(b'{"event_id": "a", "sensor": "s", "ts": 1, "value": 2}').value == 2.0


def test_everything():
    q = "sloppy" + uuid.uuid4().hex
    publish_events(URL, q, [])
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    declare_queues(ch, q)
    publish_events(URL, q, [{"event_id": "a", "sensor": "s", "ts": 1, "value": 2}])
    r = consume(URL, q, idle_timeout=0.2)
    assert r.processed == 1
    assert r.windows[("s", 0)].mean == 2
    ch.queue_delete(q)
    conn.close()
