"""Staff verdicts on similar pairs, kept in the course's audit trail.

A verdict is an audit entry: action ``similarity.verdict``, target
``<assignment>/<keyA>~<keyB>`` (the two student keys sorted), ``after`` the verdict
(``confirmed`` or ``dismissed``), ``before`` the one it replaced, ``reason`` why. The latest
entry of a pair is its verdict; the trail keeps every change.

Written with ``CourseStore.note`` and read with ``CourseStore.audit(action=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from grader.service.store.course import AuditEntry, CourseStore

ACTION = "similarity.verdict"
Verdict = Literal["confirmed", "dismissed"]
VERDICTS: tuple[Verdict, ...] = ("confirmed", "dismissed")
MAX_ENTRIES = 10_000
"""Verdict entries read for one assignment (newest first)."""


@dataclass(frozen=True)
class PairVerdict:
    """The latest verdict on a pair."""

    verdict: str
    reason: str | None
    actor: str
    at: datetime


def pair_target(assignment: str, first: str, second: str) -> str:
    """``<assignment>/<keyA>~<keyB>``, the keys sorted: one target whichever way it is asked."""
    low, high = sorted((first, second))
    return f"{assignment}/{low}~{high}"


def record_verdict(
    store: CourseStore,
    course: str,
    assignment: str,
    pair: tuple[str, str],
    verdict: Verdict,
    reason: str,
    actor: str,
) -> None:
    """Write the verdict (``before``: the pair's previous verdict, if any)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r}: give one of {', '.join(VERDICTS)}")
    target = pair_target(assignment, *pair)
    previous = latest_verdicts(store, course, assignment).get(target)
    before = previous.verdict if previous is not None else None
    store.note(course, actor, ACTION, target, before=before, after=verdict, reason=reason)


def verdict_entries(store: CourseStore, course: str, prefix: str) -> list[AuditEntry]:
    """The course's verdict entries whose target starts with ``prefix``, newest first."""
    entries = store.audit(course, MAX_ENTRIES, action=ACTION)
    return [entry for entry in entries if entry.target.startswith(prefix)]


def latest_verdicts(store: CourseStore, course: str, assignment: str) -> dict[str, PairVerdict]:
    """The latest verdict of each pair of the assignment, by ``pair_target``."""
    entries = verdict_entries(store, course, f"{assignment}/")
    latest: dict[str, PairVerdict] = {}
    for entry in entries:  # newest first: the first seen of a target is its verdict
        if entry.target not in latest and entry.after is not None:
            latest[entry.target] = PairVerdict(entry.after, entry.reason, entry.actor, entry.at)
    return latest
