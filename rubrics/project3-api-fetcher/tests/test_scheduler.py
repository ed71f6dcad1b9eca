"""Hidden tests: the scheduler, on a fake clock whose sleep moves the time at once.

Times are seconds after T0 (2026-03-02 06:00 UTC), where every clock starts.
``time.sleep`` itself is forbidden: the scheduler waits through its ``sleep``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from fakeapi import T0
from fakeclock import FakeClock
from fetcher import Scheduler

HOUR, DAY = 3600.0, 86_400.0


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(seconds: float) -> None:
        raise AssertionError("time.sleep was called: wait through the sleep you were given")

    monkeypatch.setattr(time, "sleep", forbidden)


def recorder(clock: FakeClock, log: list[float]) -> Callable[[], None]:
    """A job that notes when it ran (seconds after T0)."""

    def job() -> None:
        log.append(clock.offset())

    return job


def named(clock: FakeClock, name: str, log: list[tuple[str, float]]) -> Callable[[], None]:
    def job() -> None:
        log.append((name, clock.offset()))

    return job


def test_a_job_runs_every_interval(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, recorder(clock, ran))
    scheduler.run(until=T0 + 55)
    assert ran == [10, 20, 30, 40, 50], "first one interval after it is added"
    assert clock.offset() == 55, "run returns when the clock reaches `until`"


def test_run_sleeps_exactly_until_the_next_slot(clock: FakeClock) -> None:
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, recorder(clock, []))
    scheduler.run(until=T0 + 55)
    assert clock.sleeps == pytest.approx([10, 10, 10, 10, 10, 5])


def test_the_first_run_can_be_given(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, recorder(clock, ran), first_run=T0)
    scheduler.run(until=T0 + 35)
    assert ran == [0, 10, 20, 30]


def test_jobs_with_different_intervals_interleave(clock: FakeClock) -> None:
    ran: list[tuple[str, float]] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, named(clock, "a", ran), name="a")
    scheduler.every(15, named(clock, "b", ran), name="b")
    scheduler.run(until=T0 + 61)
    assert ran == [
        ("a", 10),
        ("b", 15),
        ("a", 20),
        ("a", 30),
        ("b", 30),
        ("a", 40),
        ("b", 45),
        ("a", 50),
        ("a", 60),
        ("b", 60),
    ]
    assert clock.sleeps == pytest.approx([10, 5, 5, 10, 10, 5, 5, 10, 1]), "no busy waiting"


def test_jobs_due_together_run_in_the_order_they_were_added(clock: FakeClock) -> None:
    ran: list[tuple[str, float]] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(20, named(clock, "second", ran), name="second")
    scheduler.every(20, named(clock, "first", ran), name="first")
    scheduler.run(until=T0 + 25)
    assert ran == [("second", 20), ("first", 20)]


def test_run_pending_runs_only_the_jobs_due_now(clock: FakeClock) -> None:
    ran: list[tuple[str, float]] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, named(clock, "a", ran), name="a")
    scheduler.every(20, named(clock, "b", ran), name="b")
    assert scheduler.run_pending() == []
    clock.advance(10)
    runs = scheduler.run_pending()
    assert [run.name for run in runs] == ["a"]
    clock.advance(10)
    assert [run.name for run in scheduler.run_pending()] == ["a", "b"]
    assert ran == [("a", 10), ("a", 20), ("b", 20)]
    assert clock.sleeps == [], "run_pending never sleeps"


def test_run_pending_runs_an_overdue_job_once(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, recorder(clock, ran))
    clock.advance(35)
    scheduler.run_pending()
    scheduler.run_pending()
    assert ran == [35], "an overdue job runs once: missed slots are not made up"
    clock.advance(5)
    scheduler.run_pending()
    assert ran == [35, 40], "then back on the grid"


def test_a_failing_job_does_not_stop_the_others(clock: FakeClock) -> None:
    ran: list[float] = []

    def broken() -> None:
        raise RuntimeError("the partner API is down")

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, broken)
    scheduler.every(10, recorder(clock, ran), name="healthy")
    scheduler.run(until=T0 + 35)
    assert ran == [10, 20, 30]


def test_a_failing_job_runs_again_at_its_next_slot(clock: FakeClock) -> None:
    attempts: list[float] = []

    def flaky() -> None:
        attempts.append(clock.offset())
        if len(attempts) <= 2:
            raise ConnectionError("refused")

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, flaky)
    scheduler.run(until=T0 + 45)
    assert attempts == [10, 20, 30, 40], "no immediate retry, no giving up: the next slot"


def test_each_run_is_recorded_in_the_history(clock: FakeClock) -> None:
    calls: list[float] = []

    def flaky() -> None:
        calls.append(clock.offset())
        clock.advance(2)
        if len(calls) == 2:
            raise ValueError("bad page 3")

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, flaky)
    scheduler.run(until=T0 + 35)
    history = scheduler.history
    assert [run.name for run in history] == ["flaky"] * 3, "the name defaults to the function's"
    assert [run.ok for run in history] == [True, False, True]
    assert [run.scheduled_for - T0 for run in history] == [10, 20, 30]
    assert [run.started_at - T0 for run in history] == [10, 20, 30]
    assert [run.finished_at - T0 for run in history] == [12, 22, 32]
    assert history[0].error is None
    assert history[1].error is not None and "bad page 3" in history[1].error


def test_a_failed_run_is_logged_as_an_error(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def nightly_export() -> None:
        raise RuntimeError("disk full")

    caplog.set_level(logging.ERROR)
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, nightly_export)
    scheduler.run(until=T0 + 15)
    errors = [entry for entry in caplog.records if entry.levelno >= logging.ERROR]
    assert errors, "a failed run is logged at level ERROR"
    text = " ".join(
        entry.getMessage() + (str(entry.exc_info[1]) if entry.exc_info else "") for entry in errors
    )
    assert "nightly_export" in text, "the log names the job"
    assert "disk full" in text, "the log says what went wrong"


def test_a_run_that_overruns_skips_the_slots_it_overlapped(clock: FakeClock) -> None:
    started: list[float] = []

    def slow() -> None:
        started.append(clock.offset())
        clock.advance(25)

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, slow)
    scheduler.run(until=T0 + 99)
    assert started == [10, 40, 70], "no overlap, no pile-up of late runs"


def test_slots_stay_on_the_grid_however_long_a_run_takes(clock: FakeClock) -> None:
    started: list[float] = []

    def busy() -> None:
        started.append(clock.offset())
        clock.advance(3)

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, busy)
    scheduler.run(until=T0 + 45)
    assert started == [10, 20, 30, 40], "the interval runs from slot to slot, not end to start"


def test_a_job_is_never_started_while_it_is_running(clock: FakeClock) -> None:
    started: list[float] = []
    inner: list[list[str]] = []
    scheduler = Scheduler(clock, clock.sleep)

    def reentrant() -> None:
        started.append(clock.offset())
        clock.advance(10)
        inner.append([run.name for run in scheduler.run_pending()])

    scheduler.every(10, reentrant)
    clock.advance(10)
    scheduler.run_pending()
    assert started == [10], "run_pending inside a running job must not start that job again"
    assert inner == [[]]


def test_a_daily_job_runs_at_its_time_every_day(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.daily("07:30", recorder(clock, ran))
    scheduler.run(until=T0 + 3 * DAY)
    assert ran == [1.5 * HOUR, DAY + 1.5 * HOUR, 2 * DAY + 1.5 * HOUR], "07:30 UTC each day"


def test_a_daily_time_already_past_today_waits_for_tomorrow(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.daily("05:00", recorder(clock, ran))
    scheduler.run(until=T0 + DAY)
    assert ran == [23 * HOUR]


def test_daily_and_interval_jobs_run_together(clock: FakeClock) -> None:
    ran: list[tuple[str, float]] = []
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(HOUR, named(clock, "hourly", ran), name="hourly")
    scheduler.daily("08:30", named(clock, "report", ran), name="report")
    scheduler.run(until=T0 + 3.25 * HOUR)
    assert ran == [
        ("hourly", HOUR),
        ("hourly", 2 * HOUR),
        ("report", 2.5 * HOUR),
        ("hourly", 3 * HOUR),
    ]


def test_stop_makes_run_return(clock: FakeClock) -> None:
    ran: list[float] = []
    scheduler = Scheduler(clock, clock.sleep)

    def job() -> None:
        ran.append(clock.offset())
        if len(ran) == 3:
            scheduler.stop()

    scheduler.every(10, job)
    scheduler.run()
    assert ran == [10, 20, 30]
    assert clock.offset() == 30, "no sleep after stop()"


def test_run_without_jobs_or_until_returns(clock: FakeClock) -> None:
    Scheduler(clock, clock.sleep).run()
    assert clock.sleeps == []


@pytest.mark.parametrize("seconds", [0, -5], ids=["zero", "negative"])
def test_a_non_positive_interval_is_rejected(clock: FakeClock, seconds: float) -> None:
    with pytest.raises(ValueError):
        Scheduler(clock, clock.sleep).every(seconds, recorder(clock, []))


@pytest.mark.parametrize(
    "at",
    ["24:00", "12:60", "noon", "", "7"],
    ids=["hour-24", "minute-60", "word", "empty", "no-colon"],
)
def test_an_invalid_daily_time_is_rejected(clock: FakeClock, at: str) -> None:
    with pytest.raises(ValueError):
        Scheduler(clock, clock.sleep).daily(at, recorder(clock, []))


def test_two_jobs_with_the_same_name_are_rejected(clock: FakeClock) -> None:
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, recorder(clock, []), name="fetch")
    with pytest.raises(ValueError):
        scheduler.every(20, recorder(clock, []), name="fetch")
