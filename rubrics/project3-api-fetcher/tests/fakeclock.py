"""A clock and a sleep for the scheduler that never wait: sleeping moves the clock."""

from __future__ import annotations

from fakeapi import T0

MAX_SLEEPS = 10_000
MAX_READS = 500_000
"""Far more sleeps and clock reads than any test needs: a scheduler that loops without end
fails fast instead of at the test's timeout."""


class SchedulerLoops(AssertionError):
    pass


class FakeClock:
    """``clock()`` is the fake time (seconds since the epoch); ``clock.sleep(s)`` moves it.

    ``sleeps`` lists every sleep the code asked for; ``advance`` moves the
    time without a sleep, as a job that works for a while does.
    """

    def __init__(self, now: float = T0) -> None:
        self.now = float(now)
        self.sleeps: list[float] = []
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads > MAX_READS:
            raise SchedulerLoops(f"the clock was read {MAX_READS} times: a busy loop")
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"sleep length must be non-negative, got {seconds}")
        self.sleeps.append(seconds)
        if len(self.sleeps) > MAX_SLEEPS:
            raise SchedulerLoops(f"over {MAX_SLEEPS} sleeps: the scheduler loops without end")
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def offset(self) -> float:
        """Seconds since T0."""
        return self.now - T0
