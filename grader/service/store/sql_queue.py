"""What the fair queue and the feedback budget read and change, on SQLAlchemy: the mixin
``SqlStore`` takes (``sql.py`` keeps the submission's life cycle)."""

from __future__ import annotations

import statistics
from contextlib import AbstractContextManager
from dataclasses import fields
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from grader.service.store.records import Clock, Submission
from grader.service.store.tables import ResultRow, SubmissionRow

FEEDBACK_STATUSES = ("running", "graded", "rejected")
"""A push that got (or is getting) feedback spends its student's budget; a superseded,
ignored, failed or deferred one does not."""


class _Host(Protocol):
    clock: Clock

    def session(self) -> AbstractContextManager[Session]: ...


class QueueQueries:
    """Queued and deferred work, the budget's count, typical grading time."""

    def feedback_used(
        self: _Host, assignment: str, author_login: str, since: datetime, excluding: str
    ) -> list[datetime]:
        with self.session() as session:
            rows = session.scalars(
                select(SubmissionRow.created_at)
                .where(
                    SubmissionRow.assignment == assignment,
                    SubmissionRow.author_login == author_login.lower(),
                    SubmissionRow.regrade.is_(False),
                    SubmissionRow.priority == "interactive",
                    SubmissionRow.status.in_(FEEDBACK_STATUSES),
                    SubmissionRow.created_at > since,
                    SubmissionRow.id != excluding,
                )
                .order_by(SubmissionRow.created_at)
            )
            return list(rows)

    def queued_work(self: _Host, limit: int = 5000) -> list[Submission]:
        return _submissions(self, SubmissionRow.status == "queued", limit)

    def deferred(self: _Host, limit: int = 5000) -> list[Submission]:
        return _submissions(self, SubmissionRow.status == "deferred", limit)

    def requeue_deferred(self: _Host, submission_id: str) -> bool:
        now = self.clock()
        with self.session() as session:
            done = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status == "deferred")
                .values(
                    status="queued",
                    priority="bulk",
                    reason=None,
                    finished_at=None,
                    enqueued_at=None,
                    updated_at=now,
                )
            )
            return bool(getattr(done, "rowcount", 0))  # a CursorResult's

    def typical_grade_seconds(self: _Host, recent: int = 50) -> float | None:
        with self.session() as session:
            rows = session.scalars(
                select(ResultRow.durations).order_by(ResultRow.created_at.desc()).limit(recent)
            ).all()
        seconds = [float(d["grade"]) for d in rows if isinstance(d, dict) and "grade" in d]
        return statistics.median(seconds) if seconds else None


def _submissions(host: _Host, where: ColumnElement[bool], limit: int) -> list[Submission]:
    names = [f.name for f in fields(Submission)]
    with host.session() as session:
        rows = session.scalars(
            select(SubmissionRow)
            .where(where)
            .order_by(SubmissionRow.created_at, SubmissionRow.id)
            .limit(limit)
        )
        return [Submission(**{name: getattr(row, name) for name in names}) for row in rows]
