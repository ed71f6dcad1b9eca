"""The scheduler on a fake clock: slots, overruns, failures, daily times, stop."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

# isort: split
from fetcher import Scheduler

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def noting(clock: Clock, ran: list[float], work: float = 0.0) -> Callable[[], None]:
    def job() -> None:
        ran.append(clock.now - T0)
        clock.now += work

    return job


def test_interval_jobs_on_their_grid() -> None:
    clock, fast, slow = Clock(), list[float](), list[float]()
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, noting(clock, fast, work=3), name="fast")
    scheduler.every(15, noting(clock, slow), name="slow", first_run=T0)
    scheduler.run(until=T0 + 31)
    assert fast == [10, 20, 30]
    assert slow == [0, 15, 33], (
        "at 30 s both are due: fast (added first) works until 33"
    )
    assert clock.now == T0 + 33, "past until after the last run: no sleep"


def test_an_overrun_skips_slots_and_a_failure_is_recorded() -> None:
    clock, ran = Clock(), list[float]()

    def failing() -> None:
        ran.append(clock.now - T0)
        clock.now += 25
        raise RuntimeError("boom")

    scheduler = Scheduler(clock, clock.sleep)
    scheduler.every(10, failing)
    scheduler.run(until=T0 + 80)
    assert ran == [10, 40, 70]
    assert [run.ok for run in scheduler.history] == [False, False, False]
    assert scheduler.history[0].error == "RuntimeError: boom"


def test_a_running_job_is_not_started_again() -> None:
    clock = Clock()
    scheduler = Scheduler(clock, clock.sleep)
    inner: list[int] = []

    def reentrant() -> None:
        inner.append(len(scheduler.run_pending()))

    scheduler.every(10, reentrant, first_run=T0)
    assert [run.name for run in scheduler.run_pending()] == ["reentrant"]
    assert inner == [0]


def test_daily_jobs() -> None:
    clock, morning, early = Clock(), list[float](), list[float]()
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.daily("7:30", noting(clock, morning), name="morning")
    scheduler.daily("05:00", noting(clock, early), name="early")
    scheduler.run(until=T0 + 30 * 3600)
    assert morning == [5400, 86_400 + 5400]
    assert early == [23 * 3600]


def test_stop_and_no_jobs() -> None:
    clock = Clock()
    scheduler = Scheduler(clock, clock.sleep)
    scheduler.run()
    scheduler.every(10, scheduler.stop)
    scheduler.run()
    assert clock.now == T0 + 10


@pytest.mark.parametrize("at", ["24:00", "7", "07:60"])
def test_bad_daily_times(at: str) -> None:
    with pytest.raises(ValueError):
        Scheduler().daily(at, print)


def test_bad_intervals_and_duplicate_names() -> None:
    scheduler = Scheduler()
    with pytest.raises(ValueError):
        scheduler.every(0, print)
    scheduler.every(10, print)
    with pytest.raises(ValueError):
        scheduler.every(5, print)
