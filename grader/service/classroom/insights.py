"""How a class did on one assignment, from the reports of the submissions that count.

A score histogram (ten bins of the percent of the maximum), each criterion's average, and
the tests most students fail. Hidden tests are included and marked: the page decides who
sees them. Reports are the stored ``grader.report/v1`` JSON; they are read field by field
(a malformed entry is skipped, never a 500), without validating each whole report, so a
class of 500 is summarised in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

BINS = 10
"""Histogram bins: 0-10%, 10-20%, ... 90-100% (100% falls in the last)."""
MOST_FAILED = 10
"""Tests listed as most failed."""
_FAILED = ("failed", "error")


@dataclass(frozen=True)
class CriterionAverage:
    """One criterion across the class."""

    id: str
    title: str
    average: float
    max_score: float


@dataclass(frozen=True)
class FailingTest:
    """A test many students fail."""

    name: str
    """The test's id as the report names it (``hidden test N`` when the report withheld it)."""
    criterion: str
    failures: int
    out_of: int
    """Reports in which the test ran."""
    hidden: bool


@dataclass(frozen=True)
class Insights:
    """One assignment across the class."""

    reports: int
    """How many reports were summarised."""
    histogram: tuple[int, ...]
    """Counts per bin of percent of the maximum, ``BINS`` of them."""
    criteria: tuple[CriterionAverage, ...]
    """In the rubric's order."""
    most_failed: tuple[FailingTest, ...]
    """Most failures first; at most ``MOST_FAILED``."""


def assignment_insights(reports: Mapping[str, dict[str, Any]], max_score: float) -> Insights:
    """Summarise the counted submissions' reports (by submission id)."""
    histogram = [0] * BINS
    totals: dict[str, list[float]] = {}
    titles: dict[str, tuple[str, float]] = {}
    tests: dict[tuple[str, str], list[int]] = {}
    hidden: set[tuple[str, str]] = set()
    for report in reports.values():
        score = _number(report.get("score"))
        top = max_score or _number(report.get("max_score"))
        if score is not None and top:
            histogram[_bin(score / top)] += 1
        for criterion in _dicts(report.get("criteria")):
            ident = str(criterion.get("id", ""))
            points = _number(criterion.get("score"))
            if not ident or points is None:
                continue
            totals.setdefault(ident, []).append(points)
            titles.setdefault(
                ident,
                (str(criterion.get("title", ident)), _number(criterion.get("max_score")) or 0),
            )
            _count_tests(ident, criterion.get("tests"), tests, hidden)
    return Insights(
        reports=len(reports),
        histogram=tuple(histogram),
        criteria=tuple(
            CriterionAverage(ident, titles[ident][0], round(sum(s) / len(s), 2), titles[ident][1])
            for ident, s in totals.items()
        ),
        most_failed=_most_failed(tests, hidden),
    )


def _count_tests(
    criterion: str,
    entries: Any,
    tests: dict[tuple[str, str], list[int]],
    hidden: set[tuple[str, str]],
) -> None:
    """Add one report's test outcomes of one criterion: [failures, runs] per test."""
    for test in _dicts(entries):
        name = test.get("name")
        if not isinstance(name, str):
            continue
        key = (criterion, name)
        counts = tests.setdefault(key, [0, 0])
        counts[0] += test.get("outcome") in _FAILED
        counts[1] += 1
        if test.get("hidden") is True:
            hidden.add(key)


def _most_failed(
    tests: Mapping[tuple[str, str], list[int]], hidden: set[tuple[str, str]]
) -> tuple[FailingTest, ...]:
    failing = [
        FailingTest(name, criterion, failures, runs, (criterion, name) in hidden)
        for (criterion, name), (failures, runs) in tests.items()
        if failures
    ]
    failing.sort(key=lambda test: (-test.failures, test.criterion, test.name))
    return tuple(failing[:MOST_FAILED])


def _bin(fraction: float) -> int:
    return min(BINS - 1, max(0, int(fraction * BINS)))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _dicts(value: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(value, list):
        return ()
    return (item for item in value if isinstance(item, dict))
