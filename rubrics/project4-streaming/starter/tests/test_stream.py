"""Your own tests. Coverage of stream.py by these tests is graded (aim for 80%+).

Run them from your project4/ folder with:  python -m pytest tests
They may use the broker: AMQP_URL names it (the grader sets it; locally, start
RabbitMQ and export AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F). Give each test
its own queue (e.g. f"test.{uuid.uuid4().hex}") and delete it at the end.
"""

from stream import Event, parse_event


def test_parse_event_reads_a_reading() -> None:
    body = b'{"event_id": "e-1", "sensor": "boiler", "ts": 600, "value": 21.5}'
    assert parse_event(body) == Event("e-1", "boiler", 600.0, 21.5)
