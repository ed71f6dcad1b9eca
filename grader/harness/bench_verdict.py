"""When the benchmark's verdict is settled, for ``bench_runner.py``: pure functions of the times.

The runner measures in rounds (one call per side at every size); after each it asks
``settled``: is every measure so far from its threshold that more rounds (whose best can only
be lower, on either side) could not change whether it passes? Far from the threshold one round
decides; near it the runner goes on to the criterion's ``repeat``, as a full measurement would.
The margins shrink with the rounds, as the best of more rounds moves less.

Stdlib only (it runs inside the sandbox beside the runner). The grader's scoring
(``grader.checks.benchmark``) applies the same thresholds to the runner's report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TIME_MARGIN = 0.5
"""After k rounds the time ratio is settled when it is below ``max_ratio / (1 + m)`` or above
``max_ratio * (1 + m)``, with ``m = max(TIME_MARGIN / k, TIME_FLOOR)``: a best of one CPU time
is rarely off by half."""
TIME_FLOOR = 0.45
"""The margin never shrinks below this, whatever the rounds: on a busy host every round may be
slow by 40 %, and a ratio settled within that could be the wrong side of ``max_ratio`` (the
student's best and the reference's each off by up to x1.4 gives a ratio off by up to x1.4)."""
GROWTH_MARGIN = 0.3
"""After k rounds the fitted exponent is settled when it is ``GROWTH_MARGIN / k`` or more from
its limit (a third of the way from linear to n^1.4 after one round)."""


@dataclass(frozen=True)
class Goals:
    """The thresholds the grader will apply, as the runner's spec gives them."""

    max_ratio: float | None = None
    growth_limit: float | None = None
    """The growth class's largest exponent (``GROWTH_LIMIT`` in the grader)."""
    reference_margin: float = 0.35
    """How much faster than the reference's a student's time may grow (``REFERENCE_MARGIN``)."""

    @property
    def timed(self) -> bool:
        """Whether any measure depends on the times (memory alone is measured once)."""
        return self.max_ratio is not None or self.growth_limit is not None


def slope(sizes: Sequence[int], times: Sequence[float]) -> float | None:
    """Least-squares slope of log(time) against log(size): 1 for linear, 2 for quadratic."""
    points = [(math.log(n), math.log(t)) for n, t in zip(sizes, times, strict=True) if t > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


def growth_allowed(class_limit: float, reference_slope: float | None, margin: float) -> float:
    """The largest exponent allowed: the class's, or the reference's own plus ``margin`` when
    the machine makes even the reference grow faster than its class, whichever is larger."""
    if reference_slope is None:
        return class_limit
    return max(class_limit, reference_slope + margin)


def _time_settled(ratio: float, max_ratio: float, rounds: int) -> bool:
    factor = 1 + max(TIME_MARGIN / rounds, TIME_FLOOR)
    return ratio <= max_ratio / factor or ratio >= max_ratio * factor


def _growth_settled(
    sizes: Sequence[int],
    reference: Sequence[float],
    student: Sequence[float],
    goals: Goals,
    rounds: int,
) -> bool:
    exponent = slope(sizes, student)
    if exponent is None or goals.growth_limit is None:
        return False
    limit = growth_allowed(goals.growth_limit, slope(sizes, reference), goals.reference_margin)
    return abs(exponent - limit) >= GROWTH_MARGIN / rounds


def settled(
    sizes: Sequence[int],
    reference: Sequence[float],
    student: Sequence[float],
    goals: Goals,
    rounds: int,
) -> bool:
    """Whether the best times so far (one per size, after ``rounds`` rounds) already decide
    every timed measure, so that more rounds cannot change the verdict."""
    if rounds < 1 or len(student) < len(sizes) or len(reference) < len(sizes):
        return False
    if goals.max_ratio is not None:
        ratio = student[-1] / reference[-1] if reference[-1] > 0 else math.inf
        if not _time_settled(ratio, goals.max_ratio, rounds):
            return False
    if goals.growth_limit is not None:
        return _growth_settled(sizes, reference, student, goals, rounds)
    return True
