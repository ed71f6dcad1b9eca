"""Staff verdicts on similar pairs, kept in the course's audit trail.

A verdict is an audit entry: action ``similarity.verdict``, target
``<assignment>/<keyA>~<keyB>`` (the two student keys sorted), ``after`` the verdict
(``confirmed`` or ``dismissed``), ``before`` the one it replaced, ``reason`` why. The latest
entry of a pair is its verdict; the trail keeps every change.

``CourseStore`` has no method to write an audit entry of another kind nor to read the entries
of one action: ``AuditTrail`` does both on a ``SqlCourseStore``'s engine and clock, in the
store's own way (``CourseSqlBase._audit``), until the store has them (``trail_of`` then uses
the store itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy import select

from grader.service.store.course import AuditEntry, CourseStore
from grader.service.store.course_base import CourseSqlBase, bounded, record
from grader.service.store.tables import AuditRow

ACTION = "similarity.verdict"
Verdict = Literal["confirmed", "dismissed"]
VERDICTS: tuple[Verdict, ...] = ("confirmed", "dismissed")
MAX_ENTRIES = 10_000
"""Verdict entries read for one assignment (newest first)."""


@runtime_checkable
class Trail(Protocol):
    """Writing and reading the audit trail by action."""

    def record_audit(
        self,
        course: str,
        actor: str,
        action: str,
        target: str,
        *,
        before: str | None = None,
        after: str | None = None,
        reason: str | None = None,
    ) -> None: ...

    def audit_of(
        self, course: str, action: str, target_prefix: str = "", limit: int = 200
    ) -> list[AuditEntry]: ...


class AuditTrail(CourseSqlBase):
    """``Trail`` on the course store's database."""

    def record_audit(
        self,
        course: str,
        actor: str,
        action: str,
        target: str,
        *,
        before: str | None = None,
        after: str | None = None,
        reason: str | None = None,
    ) -> None:
        """One entry, in its own transaction; ``ValueError`` for a value its column cannot hold."""
        bounded("audit", course=course, actor=actor, before=before, after=after, reason=reason)
        with self._session() as session:
            self._audit(
                session, course, actor, action, target, before=before, after=after, reason=reason
            )

    def audit_of(
        self, course: str, action: str, target_prefix: str = "", limit: int = 200
    ) -> list[AuditEntry]:
        """The course's entries of one action (targets starting with the prefix), newest first."""
        query = select(AuditRow).where(AuditRow.course == course, AuditRow.action == action)
        if target_prefix:
            query = query.where(AuditRow.target.startswith(target_prefix, autoescape=True))
        with self._session() as session:
            rows = session.scalars(query.order_by(AuditRow.id.desc()).limit(max(0, limit)))
            return [record(AuditEntry, row) for row in rows]


def trail_of(store: CourseStore) -> Trail:
    """The store itself when it keeps a ``Trail``, else an ``AuditTrail`` on its database;
    ``TypeError`` for a store with neither."""
    if isinstance(store, Trail):
        return store
    if isinstance(store, CourseSqlBase):
        return AuditTrail(store.engine, store.clock)
    raise TypeError(f"{type(store).__name__} keeps no audit trail verdicts can be written to")


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
    trail = trail_of(store)
    target = pair_target(assignment, *pair)
    previous = latest_verdicts(store, course, assignment).get(target)
    before = previous.verdict if previous is not None else None
    trail.record_audit(course, actor, ACTION, target, before=before, after=verdict, reason=reason)


def latest_verdicts(store: CourseStore, course: str, assignment: str) -> dict[str, PairVerdict]:
    """The latest verdict of each pair of the assignment, by ``pair_target``."""
    entries = trail_of(store).audit_of(course, ACTION, f"{assignment}/", MAX_ENTRIES)
    latest: dict[str, PairVerdict] = {}
    for entry in entries:  # newest first: the first seen of a target is its verdict
        if entry.target not in latest and entry.after is not None:
            latest[entry.target] = PairVerdict(entry.after, entry.reason, entry.actor, entry.at)
    return latest
