"""Parsing a message body and the window arithmetic, without the broker."""

from __future__ import annotations

import math

import pytest
from stream import Event, InvalidEvent, WindowStats, parse_event, window_start

INVALID = {
    "not-json": b"{not json",
    "not-utf8": b"\xff\xfe\x00",
    "json-list": b"[1, 2]",
    "json-null": b"null",
    "missing-value": b'{"event_id": "m", "sensor": "s", "ts": 1}',
    "missing-event-id": b'{"sensor": "s", "ts": 1, "value": 1}',
    "value-as-text": b'{"event_id": "m", "sensor": "s", "ts": 1, "value": "3.5"}',
    "value-bool": b'{"event_id": "m", "sensor": "s", "ts": 1, "value": true}',
    "value-nan": b'{"event_id": "m", "sensor": "s", "ts": 1, "value": NaN}',
    "value-infinite": b'{"event_id": "m", "sensor": "s", "ts": 1, "value": -Infinity}',
    "ts-null": b'{"event_id": "m", "sensor": "s", "ts": null, "value": 1}',
    "negative-ts": b'{"event_id": "m", "sensor": "s", "ts": -1, "value": 1}',
    "empty-event-id": b'{"event_id": "", "sensor": "s", "ts": 1, "value": 1}',
    "event-id-number": b'{"event_id": 12, "sensor": "s", "ts": 1, "value": 1}',
    "sensor-number": b'{"event_id": "m", "sensor": 7, "ts": 1, "value": 1}',
}


@pytest.mark.parametrize("body", list(INVALID.values()), ids=list(INVALID))
def test_parse_event_refuses_an_invalid_body(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_event(body)


def test_invalid_event_is_a_value_error() -> None:
    assert issubclass(InvalidEvent, ValueError)


def test_parse_event_reads_the_four_fields() -> None:
    body = b'{"event_id": "e-1", "sensor": "boiler", "ts": 1767225600.5, "value": -3.25}'
    assert parse_event(body) == Event("e-1", "boiler", 1767225600.5, -3.25)


def test_parse_event_accepts_integers_and_extra_fields() -> None:
    event = parse_event(b'{"event_id": "e", "sensor": "s", "ts": 0, "value": 4, "unit": "C"}')
    assert event == Event("e", "s", 0.0, 4.0)
    assert isinstance(event.value, float) and isinstance(event.ts, float)


@pytest.mark.parametrize(
    ("ts", "seconds", "start"),
    [(0, 60, 0), (59.999, 60, 0), (60, 60, 60), (119.5, 60, 60), (1_767_225_601.5, 60, 1_767_225_600), (25, 10, 20)],
    ids=["zero", "just-before", "on-boundary", "inside", "epoch", "ten-seconds"],
)
def test_window_start(ts: float, seconds: int, start: int) -> None:
    got = window_start(ts, seconds)
    assert got == start
    assert type(got) is int


def test_window_stats_add_and_mean() -> None:
    stats = WindowStats()
    for value in (2.0, -1.0, 5.0):
        stats.add(value)
    assert (stats.count, stats.total, stats.minimum, stats.maximum) == (3, 6.0, -1.0, 5.0)
    assert stats.mean == pytest.approx(2.0)
    assert math.isinf(WindowStats().minimum)
