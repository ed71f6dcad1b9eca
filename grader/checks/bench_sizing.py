"""Sizes, repeats and a ``call_timeout`` for a benchmark, from the reference's own timings.

A benchmark is only as good as its sizes: too small and the clocks' noise decides the
verdict, too large and a quadratic submission takes minutes per call before anything stops
it. ``grader rubric size-bench`` times the reference (trusted instructor code) on a ladder of
sizes, each double the last, and proposes:

- the smallest size: the first whose reference call takes at least ``SMALLEST_TIME``, so the
  growth fit is not fitting the clock's noise;
- the largest size: the first, at least two doublings up, where a *quadratic* submission that
  ties with the reference at the smallest size (its time at the largest is the reference's
  times largest/smallest) would need at least ``QUADRATIC_MARGIN`` times the ``call_timeout``:
  it is stopped by the timeout, a bounded cost, instead of running to the end;
- a ``call_timeout`` of ``HEADROOM`` times what a fine submission needs at the largest size (the
  reference's time times ``max_ratio``, or ``SLOW_BUT_FINE`` without one), at least
  ``MIN_CALL_TIMEOUT``: the timeout is wall time (``setitimer``), the timings are CPU time, and
  a busy host stretches the one and not the other;
- ``repeat``: 5, or 3 once the largest reference call takes a quarter of a second.

The proposal is a pure function of the timings (``propose``); ``next_size`` says which size to
time next (halving first while even the first size is slow, then doubling); ``size_benchmark``
does the timing with the benchmark's own runner in a sandbox (the local one is fine: only the
reference runs), the reference standing on both sides. So each size is timed exactly as in
grading, two imports of the reference interleaved, and their results are compared as a
student's would be: an input generator that is not deterministic, or results of two classes
without a ``compare``, show here rather than at grading time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from grader.checks.bench_probe import OUT_OF_MEMORY, Timing, probe, read_probe
from grader.checks.benchmark import SKIP_FACTOR, BenchmarkCriterion, add_runner
from grader.checks.rubric import LoadedRubric
from grader.errors import InputError
from grader.rubric.model import Limits
from grader.sandbox.protocol import Sandbox

SMALLEST_TIME = 0.005
"""Seconds the reference's call at the smallest size should take at least: shorter calls are
mostly the clocks' resolution and the interpreter's noise."""
LARGEST_TIME = 1.0
"""Seconds of the reference's call past which the ladder stops climbing."""
HEADROOM = 3.0
"""How much slower than a fine submission's CPU time the wall-clock timeout still lets through."""
SLOW_BUT_FINE = 5.0
"""A fine submission's time as a multiple of the reference's when the criterion has no
``max_ratio`` (growth or memory only): same growth, a slower constant."""
MIN_CALL_TIMEOUT = 1.0
"""The shortest ``call_timeout`` proposed: below it, a busy host alone could cut a call short."""
QUADRATIC_MARGIN = 2.0
"""How far past the ``call_timeout`` a quadratic submission's call must be, so it is caught
even when it is somewhat faster than the model assumes."""
MAX_SIZES = 6
"""The most sizes proposed: a longer ladder is thinned (every second size, or third...)."""
MAX_SIZE = 10**9
"""The ladder never climbs past this size, whatever the reference's speed."""
__all__ = ["OUT_OF_MEMORY", "Timing", "read_probe"]  # the probe's, re-exported


@dataclass(frozen=True)
class Goals:
    """What the proposal must respect, from the criterion and the rubric."""

    max_ratio: float | None
    """The criterion's ``max_ratio``, if it has one."""
    step_timeout: float
    """The rubric's ``limits.timeout``: seconds the whole benchmark step may take."""

    @property
    def fine_ratio(self) -> float:
        """How much slower than the reference a submission that should pass may be."""
        return self.max_ratio if self.max_ratio is not None else SLOW_BUT_FINE

    @property
    def skip_factor(self) -> float:
        """The runner's: a student call this much slower than the reference's ends its size."""
        return max(SKIP_FACTOR, 4 * (self.max_ratio or 0))

    @classmethod
    def of(cls, criterion: BenchmarkCriterion, step_timeout: float) -> Goals:
        """The goals of a rubric's benchmark criterion."""
        return cls(max_ratio=criterion.max_ratio, step_timeout=step_timeout)


@dataclass(frozen=True)
class Proposal:
    """Sizes, repeat and call timeout for a benchmark, with the arithmetic behind them."""

    sizes: tuple[int, ...]
    times: tuple[float, ...]
    """The reference's best CPU seconds at each size, as measured."""
    repeat: int
    call_timeout: float
    goals: Goals
    bounded: bool
    """True when a quadratic submission reaches ``call_timeout`` at the largest size."""

    @property
    def quadratic_seconds(self) -> float:
        """A quadratic submission's call at the largest size, had it tied at the smallest."""
        return self.times[-1] * self.sizes[-1] / self.sizes[0]

    @property
    def fine_seconds(self) -> float:
        """A submission at ``fine_ratio``'s call at the largest size."""
        return self.times[-1] * self.goals.fine_ratio

    def fine_step_seconds(self) -> float:
        """Timed seconds of the step for a submission at ``fine_ratio`` (inputs and memory aside)."""
        per_round = sum(t * (1 + self.goals.fine_ratio) for t in self.times)
        return self.repeat * per_round

    def quadratic_step_seconds(self) -> float:
        """Timed seconds of the step for the quadratic submission: it stops at its first timeout,
        and a size where it is ``skip_factor`` times slower ends after one round."""
        total = 0.0
        for size, reference in zip(self.sizes, self.times, strict=True):
            student = reference * size / self.sizes[0]
            if student >= self.call_timeout:
                return total + reference + self.call_timeout
            rounds = 1 if student > self.goals.skip_factor * reference else self.repeat
            total += rounds * (reference + student)
        return total

    def yaml(self) -> str:
        """The lines to paste into the criterion."""
        sizes = ", ".join(str(size) for size in self.sizes)
        return f"sizes: [{sizes}]\nrepeat: {self.repeat}\ncall_timeout: {self.call_timeout:g}\n"

    def warnings(self) -> list[str]:
        """What the proposal could not achieve."""
        problems = []
        if not self.bounded:
            problems.append(
                f"a quadratic submission would need about {seconds_text(self.quadratic_seconds)} at "
                f"{self.sizes[-1]:,}, under {QUADRATIC_MARGIN:g} x the call_timeout: the ladder "
                f"stopped at a reference call of {seconds_text(self.times[-1])}; growth (or "
                "max_ratio) still catches it, but the timeout may not stop it: only the step's "
                "limits.timeout bounds its time"
            )
        budget = self.goals.step_timeout
        if self.fine_step_seconds() > budget / 2:
            problems.append(
                f"a submission at x{self.goals.fine_ratio:g} would spend about "
                f"{seconds_text(self.fine_step_seconds())} in timed calls, more than half of the "
                f"step's {budget:g} s (limits.timeout): raise it or lower repeat"
            )
        return problems


def seconds_text(value: float) -> str:
    """Milliseconds below a second, else seconds."""
    return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"


def round_timeout(seconds: float) -> float:
    """Rounded up to a value worth writing: half seconds below 10 s, whole seconds above."""
    step = 0.5 if seconds < 10 else 1.0
    return math.ceil(seconds / step - 1e-9) * step


def call_timeout_for(largest_time: float, goals: Goals) -> float:
    """``HEADROOM`` times a fine submission's call at the largest size, at least the minimum."""
    return round_timeout(max(MIN_CALL_TIMEOUT, HEADROOM * goals.fine_ratio * largest_time))


def _measured(timings: Sequence[Timing]) -> list[tuple[int, float]]:
    """The sizes that finished in time, ascending."""
    return sorted((t.size, t.seconds) for t in timings if t.seconds is not None)


def _thin(indices: range) -> list[int]:
    """At most ``MAX_SIZES`` of the indices, evenly stepped down from the last; the first kept
    (a smaller step at the bottom when the span does not divide)."""
    step = math.ceil((len(indices) - 1) / (MAX_SIZES - 1)) if len(indices) > MAX_SIZES else 1
    kept = list(range(indices[-1], indices[0] - 1, -step))[::-1]
    return kept if kept[0] == indices[0] else [indices[0], *kept]


def _proposal(
    ladder: list[tuple[int, float]], first: int, last: int, goals: Goals, bounded: bool
) -> Proposal:
    chosen = [ladder[index] for index in _thin(range(first, last + 1))]
    largest_time = chosen[-1][1]
    return Proposal(
        sizes=tuple(size for size, _ in chosen),
        times=tuple(seconds for _, seconds in chosen),
        repeat=5 if largest_time < 0.25 else 3,
        call_timeout=call_timeout_for(largest_time, goals),
        goals=goals,
        bounded=bounded,
    )


def _smallest_index(ladder: list[tuple[int, float]]) -> int:
    """The first size whose reference call is long enough to time, else the last."""
    return next(
        (i for i, (_, seconds) in enumerate(ladder) if seconds >= SMALLEST_TIME), len(ladder) - 1
    )


def propose(timings: Sequence[Timing], goals: Goals) -> Proposal | None:
    """The shortest span of the ladder that bounds a quadratic submission, or None when the
    ladder does not reach one yet (``best_effort`` then says what it can)."""
    ladder = _measured(timings)
    first = _smallest_index(ladder)
    for last in range(first + 2, len(ladder)):
        size, seconds = ladder[last]
        if seconds > LARGEST_TIME:
            return None
        quadratic = seconds * size / ladder[first][0]
        if quadratic >= QUADRATIC_MARGIN * call_timeout_for(seconds, goals):
            return _proposal(ladder, first, last, goals, bounded=True)
    return None


def best_effort(timings: Sequence[Timing], goals: Goals) -> Proposal | None:
    """``propose``'s answer, or else the widest span within ``LARGEST_TIME``, marked unbounded;
    None with fewer than three sizes timed."""
    found = propose(timings, goals)
    if found is not None:
        return found
    ladder = _measured(timings)
    within = [i for i, (_, seconds) in enumerate(ladder) if seconds <= LARGEST_TIME]
    if len(within) < 3:
        return None
    last = within[-1]
    first = min(_smallest_index(ladder), last - 2)
    return _proposal(ladder, first, last, goals, bounded=False)


def next_size(timings: Sequence[Timing], start: int, goals: Goals) -> int | None:
    """The next size to time, or None when the ladder is done.

    Down by halves while even the smallest size is slow enough to time comfortably; then up by
    doubling until ``propose`` finds a span, a call passes ``LARGEST_TIME``, or one times out.
    """
    if not timings:
        return start
    by_size = sorted(timings, key=lambda timing: timing.size)
    smallest, largest = by_size[0], by_size[-1]
    if smallest.seconds is not None and smallest.seconds >= 2 * SMALLEST_TIME and smallest.size > 1:
        return smallest.size // 2
    if propose(timings, goals) is not None:
        return None
    if largest.seconds is None or largest.seconds > LARGEST_TIME or largest.size * 2 > MAX_SIZE:
        return None
    return largest.size * 2


@dataclass(frozen=True)
class BenchSource:
    """Where a benchmark's files are, and the limits its steps run under."""

    folder: Path
    """The rubric folder: the input generator's file and the reference are relative to it."""
    limits: Limits

    @classmethod
    def of(cls, loaded: LoadedRubric) -> BenchSource:
        """A loaded rubric's folder and limits."""
        return cls(loaded.folder, loaded.rubric.limits)

    def resolve(self, relative: str) -> Path:
        """A path the benchmark names, on the host."""
        return (self.folder / relative).resolve()


def draft_criterion(
    source: BenchSource,
    call: str,
    inputs: str,
    *,
    compare: str | None = None,
    reference: str = "reference",
    max_ratio: float | None = None,
) -> BenchmarkCriterion:
    """A benchmark criterion to size before the rubric has one; its files must exist.

    Sizing reads only ``max_ratio`` of the measures; without it the draft asks for linear
    growth, which a criterion needs to validate and which changes nothing here.
    """
    try:
        criterion = BenchmarkCriterion.model_validate(
            {
                "id": "benchmark",
                "kind": "benchmark",
                "points": 1,
                "call": call,
                "inputs": inputs,
                "compare": compare,
                "reference": reference,
                "sizes": [16_000, 32_000, 64_000],  # the ladder starts at 1,000 unless told
                "max_ratio": max_ratio,
                "growth": None if max_ratio else "linear",
            }
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"--{error['loc'][0] if error['loc'] else 'call'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InputError(problems.replace("--max_ratio", "--max-ratio")) from None
    missing = [
        f"--{named.field}: {source.folder / named.path} is not a {named.must_be}"
        for named in criterion.named_paths()
        if not _is(source.resolve(named.path), named.must_be)
    ]
    if missing:
        raise InputError("; ".join(missing))
    return criterion


def _is(path: Path, kind: str) -> bool:
    return path.is_dir() if kind == "folder" else path.is_file()


def size_benchmark(
    sandbox: Sandbox,
    source: BenchSource,
    criterion: BenchmarkCriterion,
    start: int | None = None,
    progress: Callable[[Timing], None] = lambda _timing: None,
) -> tuple[list[Timing], Proposal | None]:
    """Time the criterion's reference up the ladder and propose sizes, repeat and timeout.

    ``start`` defaults to the criterion's smallest size over 16, so the ladder can go below
    what the rubric has as well as above.
    """
    goals = Goals.of(criterion, float(source.limits.timeout))
    first = start if start is not None else max(1, criterion.sizes[0] // 16)
    timings: list[Timing] = []
    with sandbox.open(source.resolve(criterion.reference), source.limits) as workspace:
        add_runner(workspace, "grader/sizing")
        for name in criterion.rubric_files:
            workspace.add_tree(source.resolve(name), f"grader/sizing/rubric/{name}")
        while (size := next_size(timings, first, goals)) is not None:
            timing = probe(workspace, criterion, size)
            timings.append(timing)
            progress(timing)
    return timings, best_effort(timings, goals)
