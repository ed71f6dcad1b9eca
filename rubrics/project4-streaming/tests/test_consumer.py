"""The consumer: windows per sensor, manual acks, retries, dead letters, duplicates, stopping."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from conftest import Broker, reading
from stream import Event, consume

IDLE = 0.5


def summary(result: Any) -> dict[tuple[str, int], tuple[int, float, float, float, float]]:
    return {
        key: (stats.count, stats.total, stats.minimum, stats.maximum, stats.mean)
        for key, stats in result.windows.items()
    }


def test_windows_per_sensor_and_minute(broker: Broker) -> None:
    broker.publish_events(
        [
            reading("a1", "boiler", 600.0, 20.0),
            reading("a2", "boiler", 659.5, 22.0),
            reading("a3", "boiler", 660.0, 30.0),
            reading("b1", "pump", 610.0, 1.5),
            reading("a4", "boiler", 605.25, 27.0),
        ]
    )
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    got = summary(result)
    assert set(got) == {("boiler", 600), ("boiler", 660), ("pump", 600)}
    assert got[("boiler", 600)] == pytest.approx((3, 69.0, 20.0, 27.0, 23.0))
    assert got[("boiler", 660)] == pytest.approx((1, 30.0, 30.0, 30.0, 30.0))
    assert got[("pump", 600)] == pytest.approx((1, 1.5, 1.5, 1.5, 1.5))
    assert result.processed == 5


def test_window_seconds_sets_the_window_length(broker: Broker) -> None:
    broker.publish_events(
        [reading("a", "s", 9.99, 1.0), reading("b", "s", 10.0, 2.0), reading("c", "s", 19, 4.0)]
    )
    result = consume(broker.url, broker.queue, window_seconds=10, idle_timeout=IDLE)
    assert summary(result) == {
        ("s", 0): (1, 1.0, 1.0, 1.0, 1.0),
        ("s", 10): (2, 6.0, 2.0, 4.0, 3.0),
    }


def test_window_keys_are_integer_window_starts(broker: Broker) -> None:
    broker.publish_events([reading("a", "s", 1_767_225_601.5, 1.0)])
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    ((sensor, start),) = result.windows
    assert (sensor, start) == ("s", 1_767_225_600)
    assert type(start) is int


def test_every_message_is_acked_and_the_queue_is_empty_after(broker: Broker) -> None:
    broker.publish_events([reading(f"e{i}", f"s{i % 3}", float(i), 1.0) for i in range(40)])
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    assert result.processed == 40
    assert broker.wait_ready(broker.queue, 0) == 0, "messages left in the queue after consume"
    assert broker.ready(broker.dead) == 0


def test_an_empty_queue_returns_an_empty_result_on_idle(broker: Broker) -> None:
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    assert result.windows == {}
    assert (result.processed, result.duplicates, result.dead_lettered) == (0, 0, 0)


def test_duplicate_event_ids_are_counted_once(broker: Broker) -> None:
    broker.publish_events(
        [reading("d1", "s", 0.0, 5.0), reading("d2", "s", 1.0, 7.0), reading("d1", "s", 2.0, 5.0)]
    )
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    assert summary(result)[("s", 0)][:2] == (2, 12.0)
    assert (result.processed, result.duplicates) == (2, 1)
    assert broker.wait_ready(broker.queue, 0) == 0, "the duplicate should be acked too"


def test_a_failed_handler_sees_the_message_again_and_it_counts_once(broker: Broker) -> None:
    calls: Counter[str] = Counter()

    def flaky(event: Event) -> None:
        calls[event.event_id] += 1
        if event.event_id == "r2" and calls["r2"] == 1:
            raise ConnectionError("the warehouse is down for a moment")

    broker.publish_events([reading(f"r{i}", "s", 0.0, 1.0) for i in range(1, 4)])
    result = consume(broker.url, broker.queue, idle_timeout=IDLE, on_event=flaky)
    assert calls == {"r1": 1, "r2": 2, "r3": 1}, "the failed message should come back once"
    assert summary(result)[("s", 0)][0] == 3, "each reading should be counted once"
    assert (result.processed, result.dead_lettered) == (3, 0)
    assert broker.wait_ready(broker.queue, 0) == 0
    assert broker.ready(broker.dead) == 0


def test_the_handler_is_called_with_the_parsed_event(broker: Broker) -> None:
    seen: list[Event] = []
    broker.publish_events([reading("p1", "fan", 12.0, 3.25)])
    consume(broker.url, broker.queue, idle_timeout=IDLE, on_event=seen.append)
    assert len(seen) == 1
    event = seen[0]
    assert (event.event_id, event.sensor, event.ts, event.value) == ("p1", "fan", 12.0, 3.25)


@pytest.mark.timeout(3)
def test_a_handler_that_always_fails_ends_in_the_dead_queue(broker: Broker) -> None:
    calls: Counter[str] = Counter()

    def broken(event: Event) -> None:
        calls[event.event_id] += 1
        if event.event_id == "bad":
            raise ValueError("cannot store this reading")

    events = [reading("ok1", "s", 0.0, 1.0), reading("bad", "s", 0.0, 9.0), reading("ok2", "s", 0.0, 1.0)]
    broker.publish_events(events)
    result = consume(broker.url, broker.queue, idle_timeout=IDLE, max_attempts=3, on_event=broken)
    assert calls["bad"] == 3, "a failing message should be tried max_attempts times in all"
    assert summary(result)[("s", 0)][:2] == (2, 2.0)
    assert (result.processed, result.dead_lettered) == (2, 1)
    dead = broker.take_all(broker.dead)
    assert [json.loads(body) for _, body in dead] == [events[1]]
    assert broker.wait_ready(broker.queue, 0) == 0


@pytest.mark.timeout(3)
def test_max_attempts_one_dead_letters_at_the_first_failure(broker: Broker) -> None:
    calls: list[str] = []

    def broken(event: Event) -> None:
        calls.append(event.event_id)
        raise RuntimeError("always")

    broker.publish_events([reading("x", "s", 0.0, 1.0)])
    result = consume(broker.url, broker.queue, idle_timeout=IDLE, max_attempts=1, on_event=broken)
    assert calls == ["x"]
    assert result.dead_lettered == 1
    assert broker.wait_ready(broker.dead, 1) == 1


INVALID = {
    "not-json": b"{not json",
    "missing-value": b'{"event_id": "m", "sensor": "s", "ts": 1}',
}


@pytest.mark.timeout(3)
@pytest.mark.parametrize("body", list(INVALID.values()), ids=list(INVALID))
def test_an_invalid_message_goes_to_the_dead_queue(broker: Broker, body: bytes) -> None:
    handled: list[Event] = []
    broker.publish(body)
    broker.publish_events([reading("fine", "s", 0.0, 2.0)])
    result = consume(broker.url, broker.queue, idle_timeout=IDLE, on_event=handled.append)
    assert [event.event_id for event in handled] == ["fine"], "only the valid reading is handled"
    assert (result.processed, result.dead_lettered) == (1, 1)
    assert [dead for _, dead in broker.take_all(broker.dead)] == [body], (
        "the dead queue should hold the message's body unchanged"
    )
    assert broker.wait_ready(broker.queue, 0) == 0


@pytest.mark.timeout(3)
def test_dead_letters_are_persistent(broker: Broker) -> None:
    broker.publish(b"garbage")
    consume(broker.url, broker.queue, idle_timeout=IDLE)
    dead = broker.take_all(broker.dead)
    assert [properties.delivery_mode for properties, _ in dead] == [2]


def test_extra_fields_and_integer_values_are_accepted(broker: Broker) -> None:
    broker.publish(b'{"event_id": "i", "sensor": "s", "ts": 5, "value": 4, "unit": "C"}')
    result = consume(broker.url, broker.queue, idle_timeout=IDLE)
    assert summary(result) == {("s", 0): (1, 4.0, 4.0, 4.0, 4.0)}


def test_stops_after_max_messages_and_leaves_the_rest_queued(broker: Broker) -> None:
    broker.publish_events([reading(f"m{i}", "s", 0.0, 1.0) for i in range(10)])
    result = consume(broker.url, broker.queue, max_messages=4, idle_timeout=5.0, prefetch=3)
    assert result.processed == 4
    assert broker.wait_ready(broker.queue, 6) == 6, (
        "the messages not processed should be back in the queue, ready"
    )
    rest = consume(broker.url, broker.queue, idle_timeout=IDLE)
    assert rest.processed == 6


def test_prefetch_bounds_the_unacked_messages(broker: Broker) -> None:
    total = 30
    in_flight: list[int] = []

    def watch(event: Event) -> None:
        ready = broker.ready(broker.queue)
        in_flight.append(total - ready - len(in_flight))

    broker.publish_events([reading(f"q{i}", "s", 0.0, 1.0) for i in range(total)])
    consume(broker.url, broker.queue, idle_timeout=IDLE, prefetch=2, on_event=watch)
    assert len(in_flight) == total
    assert max(in_flight) <= 2, "more messages were delivered than prefetch allows"


@pytest.mark.parametrize(
    "options",
    [{"window_seconds": 0}, {"prefetch": 0}, {"max_attempts": 0}, {"idle_timeout": 0}],
    ids=["window", "prefetch", "attempts", "idle"],
)
def test_bad_settings_raise_value_error(broker: Broker, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        consume(broker.url, broker.queue, **options)
