"""``SqlStore``: the store on SQLAlchemy 2, over SQLite (a file in the data dir) or PostgreSQL.

The schema is owned by the Alembic migrations in ``migrations/``. Every state change is
one short transaction, and the few that race (claiming a job, recording a delivery,
de-duplicating a push) rely on the database's own atomicity: a unique key or a
conditional ``UPDATE``, never read-then-write. Rows never leave this module: every
method returns the plain records of ``records.py``. What a webhook delivery writes
(deliveries, installations, new submissions) is the mixin of ``sql_deliveries.py``; the
fair queue's reads are ``sql_queue.py``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from grader.service.store.engine import make_engine
from grader.service.store.records import (
    ACTIVE,
    Attempt,
    Clock,
    Publication,
    PublicationState,
    Result,
    Submission,
    SubmissionStatus,
    utcnow,
)
from grader.service.store.sql_deliveries import DeliveryWrites
from grader.service.store.sql_queue import QueueQueries
from grader.service.store.tables import (
    AttemptRow,
    PublicationRow,
    ResultRow,
    SubmissionRow,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


class SqlStore(DeliveryWrites, QueueQueries):
    """Every database access of the service (the ``Store`` protocol on SQLAlchemy)."""

    def __init__(self, url: str, *, echo: bool = False, clock: Clock = utcnow) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self.sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call from every process)."""
        from grader.service.store.migrate import upgrade

        upgrade(self.engine)

    def ping(self) -> None:
        """Raise when the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    # --- submissions ------------------------------------------------------------------

    def get(self, submission_id: str) -> Submission | None:
        with self.session() as session:
            row = session.get(SubmissionRow, submission_id)
            return None if row is None else _record(Submission, row)

    def attempts(self, submission_id: str) -> list[Attempt]:
        with self.session() as session:
            rows = session.scalars(
                select(AttemptRow)
                .where(AttemptRow.submission_id == submission_id)
                .order_by(AttemptRow.id)
            )
            return [_record(Attempt, row) for row in rows]

    def result(self, submission_id: str) -> Result | None:
        with self.session() as session:
            row = session.get(ResultRow, submission_id)
            return None if row is None else _record(Result, row)

    def mark_enqueued(self, submission_id: str) -> None:
        self._set(submission_id, enqueued_at=self.clock())

    def unqueued(self, older_than: timedelta) -> list[str]:
        """Queued submissions never handed to the broker (it was down when they arrived)."""
        cutoff = self.clock() - older_than
        with self.session() as session:
            return list(
                session.scalars(
                    select(SubmissionRow.id)
                    .where(
                        SubmissionRow.status == "queued",
                        SubmissionRow.enqueued_at.is_(None),
                        SubmissionRow.created_at < cutoff,
                    )
                    .order_by(SubmissionRow.created_at, SubmissionRow.id)
                )
            )

    def claim(self, submission_id: str, owner: str, lease: timedelta) -> datetime | None:
        """Take a submission to grade; None when taken, else when the holder's lease ends.

        The claim succeeds when the submission is queued, or running under a lease
        that ran out (its worker died); a live lease means another worker has it.
        """
        now = self.clock()
        with self.session() as session:
            taken = session.execute(
                update(SubmissionRow)
                .where(
                    SubmissionRow.id == submission_id,
                    or_(
                        SubmissionRow.status == "queued",
                        (SubmissionRow.status == "running")
                        & or_(SubmissionRow.lease_until.is_(None), SubmissionRow.lease_until < now),
                    ),
                )
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_until=now + lease,
                    started_at=func.coalesce(SubmissionRow.started_at, now),
                    attempts=SubmissionRow.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) == 1:
                session.add(AttemptRow(submission_id=submission_id, worker=owner, started_at=now))
                return None
            row = session.get(SubmissionRow, submission_id)
            if row is None or row.status != "running" or row.lease_until is None:
                return now
            return row.lease_until

    def renew(self, submission_id: str, owner: str, lease: timedelta) -> bool:
        """Extend a lease this worker holds; False when it lost it (superseded, taken over)."""
        now = self.clock()
        with self.session() as session:
            renewed = session.execute(
                update(SubmissionRow)
                .where(
                    SubmissionRow.id == submission_id,
                    SubmissionRow.status == "running",
                    SubmissionRow.lease_owner == owner,
                )
                .values(lease_until=now + lease, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(renewed) == 1

    def finish(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        reason: str | None = None,
        outcome: str | None = None,
        only_if: Sequence[str] = ACTIVE,
    ) -> bool:
        """Move an active submission to a final status; False when it was not active."""
        now = self.clock()
        with self.session() as session:
            done = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status.in_(only_if))
                .values(
                    status=status, reason=reason, finished_at=now, lease_until=None, updated_at=now
                )
                .execution_options(synchronize_session=False)
            )
            self._close_attempt(session, submission_id, outcome or status, reason, now)
            return _rowcount(done) == 1

    def note_attempt(self, submission_id: str, outcome: str, error: str | None) -> None:
        """Close the open attempt without changing the submission (a retry follows)."""
        now = self.clock()
        with self.session() as session:
            self._close_attempt(session, submission_id, outcome, error, now)
            session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status == "running")
                .values(lease_until=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )

    @staticmethod
    def _close_attempt(
        session: Session, submission_id: str, outcome: str, error: str | None, now: datetime
    ) -> None:
        attempt = session.scalar(
            select(AttemptRow)
            .where(AttemptRow.submission_id == submission_id, AttemptRow.finished_at.is_(None))
            .order_by(AttemptRow.id.desc())
            .limit(1)
        )
        if attempt is not None:
            attempt.finished_at, attempt.outcome, attempt.error = now, outcome, error

    def save_result(self, submission_id: str, result: Result) -> bool:
        """Store the report and mark the submission graded; False when it is no longer active."""
        now = self.clock()
        with self.session() as session:
            done = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status.in_(ACTIVE))
                .values(
                    status="graded",
                    finished_at=now,
                    lease_until=None,
                    score=result.score,
                    max_score=result.max_score,
                    reason=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) != 1:
                return False
            session.merge(ResultRow(**{**asdict(result), "submission_id": submission_id}))
            self._close_attempt(session, submission_id, "graded", None, now)
            return True

    def set_check_run(self, submission_id: str, check_run_id: int) -> None:
        self._set(submission_id, check_run_id=check_run_id)

    def _set(self, submission_id: str, **values: Any) -> None:
        with self.session() as session:
            session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id)
                .values(**values, updated_at=self.clock())
                .execution_options(synchronize_session=False)
            )

    # --- publications -----------------------------------------------------------------

    def publication(self, submission_id: str, kind: str) -> Publication | None:
        with self.session() as session:
            row = session.get(PublicationRow, (submission_id, kind))
            return None if row is None else _record(Publication, row)

    def publish(
        self,
        submission_id: str,
        kind: str,
        state: PublicationState,
        *,
        github_id: int | None = None,
        progress: int | None = None,
    ) -> None:
        """Record the state of a post before sending it and after it went through."""
        with self.session() as session:
            row = session.get(PublicationRow, (submission_id, kind))
            if row is None:
                row = PublicationRow(submission_id=submission_id, kind=kind, progress=0)
                session.add(row)
            row.state = state
            row.updated_at = self.clock()
            if github_id is not None:
                row.github_id = github_id
            if progress is not None:
                row.progress = progress

    # --- reading ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Submissions by status."""
        with self.session() as session:
            rows = session.execute(
                select(SubmissionRow.status, func.count()).group_by(SubmissionRow.status)
            ).all()
        return {str(status): int(count) for status, count in rows}

    def verdicts(self) -> dict[str, int]:
        """Graded results by report status (`graded`, `incomplete`)."""
        with self.session() as session:
            rows = session.execute(
                select(ResultRow.status, func.count()).group_by(ResultRow.status)
            ).all()
        return {str(status): int(count) for status, count in rows}

    def durations(self, buckets: Sequence[float]) -> tuple[list[int], float, int]:
        """Cumulative counts of grading durations at each bucket bound, their sum and count."""
        at_most = [func.sum(case((ResultRow.duration <= bound, 1), else_=0)) for bound in buckets]
        with self.session() as session:
            row = session.execute(
                select(func.coalesce(func.sum(ResultRow.duration), 0.0), func.count(), *at_most)
            ).one()
        total, count, *cumulative = row
        return [int(n or 0) for n in cumulative], float(total), int(count)


def _record(kind: type[R], row: object) -> R:
    """The plain record of a row: the record's fields, copied while the session is open."""
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0))
