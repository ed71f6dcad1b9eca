"""Scoring arithmetic: pure functions from counts and outcomes to points.

Every function returns the points together with a sentence saying how they
were computed, because a student who lost points deserves the arithmetic.
Scores are rounded to hundredths once, here, so reports never show 6.999999.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from grader.report.wording import format_number, plural
from grader.rubric.model import LatePolicy, TestOverride, days_late


@dataclass(frozen=True)
class Points:
    """A score and the sentence that explains it."""

    score: float
    explanation: str


def _round(value: float) -> float:
    return round(value + 0.0, 2)


def deduction(points: float, per_item: float, count: int, noun: str, suffix: str = "") -> Points:
    """Full points minus ``per_item`` for each of ``count`` items, floored at 0."""
    score = _round(max(0.0, points - per_item * count))
    plural = noun if count == 1 else noun + "s"
    if count == 0:
        return Points(
            score, f"no {noun}s{suffix}: {format_number(points)} of {format_number(points)}"
        )
    return Points(
        score,
        f"{format_number(points)} - {format_number(per_item)} x {count} {plural}{suffix} = {format_number(score)} (never below 0)",
    )


def unchecked_points(points: float, paths: list[str]) -> Points:
    """Nothing for a check that could not read every file it had to: 0, naming the files."""
    named = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return Points(
        0.0,
        f"{plural(len(paths), 'file')} could not be checked ({named}), and what cannot be "
        f"checked earns no points: 0 of {format_number(points)}",
    )


@dataclass(frozen=True)
class WeightedOutcome:
    """A test's name, weight and whether it passed."""

    name: str
    weight: float
    passed: bool


def override_for(name: str, overrides: Mapping[str, TestOverride]) -> TestOverride | None:
    """The first override whose glob matches the test's name (its function name or full id)."""
    short = name.rsplit("::", 1)[-1]
    for pattern, override in overrides.items():
        if fnmatch.fnmatchcase(short, pattern) or fnmatch.fnmatchcase(name, pattern):
            return override
    return None


def share_passed(points: float, outcomes: Iterable[WeightedOutcome]) -> Points:
    """Points in proportion to the weight of the tests that passed."""
    outcomes = list(outcomes)
    total = math.fsum(outcome.weight for outcome in outcomes)  # exact: order cannot change a score
    earned = math.fsum(outcome.weight for outcome in outcomes if outcome.passed)
    passed = sum(1 for outcome in outcomes if outcome.passed)
    if total <= 0:
        return Points(0.0, "no graded tests ran: 0")
    score = _round(points * (earned / total))  # the ratio first: it never exceeds 1
    weighted = (
        ""
        if earned == passed and total == len(outcomes)
        else f" (weight {format_number(earned)} of {format_number(total)})"
    )
    return Points(
        score,
        f"{passed} of {plural(len(outcomes), 'test')} passed{weighted}: {format_number(points)} x {format_number(earned)}/{format_number(total)} = {format_number(score)}",
    )


def threshold_findings(
    points: float, per_finding: float | None, count: int, threshold: str
) -> Points:
    """Full points with no finding at or above the threshold; otherwise a deduction per finding."""
    if count == 0:
        return Points(
            _round(points),
            f"no findings of {threshold} severity or above: {format_number(points)} of {format_number(points)}",
        )
    per = points if per_finding is None else per_finding
    return deduction(points, per, count, "finding", suffix=f" of {threshold} severity or above")


def proportional(points: float, value: float, target: float, unit: str = "%") -> Points:
    """Full points at or above ``target``; otherwise in proportion to ``value / target``."""
    if value >= target:
        return Points(
            _round(points),
            f"{format_number(round(value, 1))}{unit} >= {format_number(target)}{unit}: {format_number(points)} of {format_number(points)}",
        )
    score = _round(points * max(0.0, value) / target)
    return Points(
        score,
        f"{format_number(round(value, 1))}{unit} < {format_number(target)}{unit}: {format_number(points)} x {format_number(round(value, 1))}/{format_number(target)} = {format_number(score)}",
    )


@dataclass(frozen=True)
class LatePenalty:
    """What the late policy did to a total."""

    score: float
    days_late: int
    penalty_percent: float
    accepted: bool


def apply_late_policy(score: float, policy: LatePolicy, submitted_at: datetime) -> LatePenalty:
    """Deduct ``penalty_per_day`` percent per started day late; nothing is accepted after ``max_days``."""
    days = days_late(policy, submitted_at)
    if days == 0:
        return LatePenalty(_round(score), 0, 0.0, accepted=True)
    if days > policy.max_days:
        return LatePenalty(0.0, days, 100.0, accepted=False)
    percent = min(100.0, policy.penalty_per_day * days)
    return LatePenalty(_round(score * (1 - percent / 100)), days, percent, accepted=True)
