"""What a webhook delivery writes, on SQLAlchemy: the mixin ``SqlStore`` takes for the
deliveries, the installations and the pushes they store (``sql.py`` keeps the rest of a
submission's life cycle).

The webhook's hot path is ``record_delivery``: the delivery, its submissions and its
outcome in one short transaction of Core statements. The two unique keys that race (the
delivery id, a push's de-duplication key) are ``INSERT ... ON CONFLICT DO NOTHING``
(PostgreSQL and SQLite alike), so a duplicate neither aborts the transaction nor costs a
second one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grader.service.store.protocol import SettledT
from grader.service.store.records import (
    ACTIVE,
    OUTDATED,
    RECLAIM_AFTER,
    Clock,
    Delivery,
    NewSubmission,
    Stored,
    dedupe_key,
)
from grader.service.store.tables import DeliveryRow, InstallationRow, SubmissionRow


class _Host(Protocol):
    clock: Clock
    engine: Engine

    def session(self) -> AbstractContextManager[Session]: ...


class DeliveryWrites:
    """Deliveries, installations and the pushes a delivery stores."""

    def begin_delivery(
        self: _Host, delivery_id: str, event: str, action: str | None
    ) -> Delivery | None:
        """Record a delivery; None when this caller is to handle it, else the earlier one.

        The primary key is the dedupe point: of callers racing with one id, one inserts
        and the others get the earlier row. A delivery that ``failed``, or stayed
        ``received`` for ``RECLAIM_AFTER`` (its process died), is taken over by a
        conditional update that only one caller can win, so its work is redone once.
        """
        with self.session() as session:
            return _claim(self, session, delivery_id, event, action, {})

    def finish_delivery(
        self: _Host,
        delivery_id: str,
        outcome: str,
        detail: str | None,
        submission_ids: Sequence[str] = (),
    ) -> None:
        with self.session() as session:
            session.execute(_finish(delivery_id, outcome, detail, submission_ids))

    def record_delivery(
        self: _Host,
        delivery_id: str,
        event: str,
        action: str | None,
        submissions: Sequence[NewSubmission],
        settle: Callable[[list[Stored]], SettledT],
    ) -> Delivery | SettledT:
        """One transaction: a delivery without submissions is one statement (its outcome
        known up front), one with submissions a claim, the pushes, and the outcome."""
        with self.session() as session:
            if not submissions:
                settled = settle([])
                outcome = _outcome_values(settled)
                earlier = _claim(self, session, delivery_id, event, action, outcome)
                return settled if earlier is None else earlier
            earlier = _claim(self, session, delivery_id, event, action, {})
            if earlier is not None:
                return earlier
            stored = [store_submission(self, session, new) for new in submissions]
            settled = settle(stored)
            session.execute(
                _finish(delivery_id, settled.outcome, settled.message, settled.submission_ids)
            )
            return settled

    def record_installation(
        self: _Host, installation_id: int, account: str, action: str, repositories: list[str]
    ) -> None:
        with self.session() as session:
            row = session.get(InstallationRow, installation_id)
            if row is None:
                session.add(
                    InstallationRow(
                        id=installation_id,
                        account=account,
                        action=action,
                        repositories=repositories,
                    )
                )
            else:
                row.account, row.action = account, action
                if repositories:
                    row.repositories = repositories

    def add_submission(self: _Host, new: NewSubmission) -> Stored:
        """Store a submission, or find the one already graded for the same commit and rubric.

        A new submission supersedes the queued or running ones of the same pull request
        and assignment: their workers close their check runs as skipped or cancelled.
        """
        with self.session() as session:
            return store_submission(self, session, new)


def _outcome_values(settled: Any) -> dict[str, Any]:
    return {
        "outcome": settled.outcome,
        "detail": settled.message,
        "submission_ids": list(settled.submission_ids),
    }


def _finish(
    delivery_id: str, outcome: str, detail: str | None, submission_ids: Sequence[str]
) -> Any:
    return (
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id)
        .values(outcome=outcome, detail=detail, submission_ids=list(submission_ids))
        .execution_options(synchronize_session=False)
    )


def _insert(host: _Host, entity: Any) -> Any:
    """The dialect's ``INSERT`` (the one with ``on_conflict_do_nothing``)."""
    dialect = postgresql if host.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(entity)


def _claim(
    host: _Host,
    session: Session,
    delivery_id: str,
    event: str,
    action: str | None,
    outcome: dict[str, Any],
) -> Delivery | None:
    """Insert the delivery (with ``outcome``'s values when given; else ``received``), or take
    over a failed or abandoned one; None when this caller has it, else the earlier record."""
    now = host.clock()
    inserted = session.scalar(
        _insert(host, DeliveryRow)
        .values(id=delivery_id, event=event, action=action, received_at=now, **outcome)
        .on_conflict_do_nothing(index_elements=[DeliveryRow.id])
        .returning(DeliveryRow.id)
    )
    if inserted is not None:
        return None
    taken = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.id == delivery_id,
            or_(
                DeliveryRow.outcome == "failed",
                (DeliveryRow.outcome == "received")
                & (DeliveryRow.received_at < now - RECLAIM_AFTER),
            ),
        )
        .values({"outcome": "received", "received_at": now, "detail": None, **outcome})
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) == 1:
        return None
    row = session.get(DeliveryRow, delivery_id)
    if row is None:  # pragma: no cover - the insert found the key taken
        return None
    return Delivery(**{f.name: getattr(row, f.name) for f in fields(Delivery)})


def store_submission(host: _Host, session: Session, new: NewSubmission) -> Stored:
    """``add_submission`` inside a transaction: the insert, or the existing id of its key."""
    key = (
        None
        if new.regrade
        else dedupe_key(new.repository, new.head_sha, new.assignment, new.rubric_sha256)
    )
    now = host.clock()
    submitted = new.submitted_at or now
    submission_id = session.scalar(
        _insert(host, SubmissionRow)
        .values(
            {
                **asdict(new),
                "submitted_at": submitted,
                "id": uuid.uuid4().hex,
                "dedupe_key": key,
                "created_at": now,
                "updated_at": now,
            }
        )
        .on_conflict_do_nothing(index_elements=[SubmissionRow.dedupe_key])
        .returning(SubmissionRow.id)
    )
    if submission_id is None:
        existing = session.scalar(select(SubmissionRow.id).where(SubmissionRow.dedupe_key == key))
        if existing is None:  # pragma: no cover - the conflict names an existing row
            raise RuntimeError(f"submission key {key} conflicts with no row")
        return Stored(existing, created=False)
    newer = _newer(session, new, submitted, submission_id)
    if newer is not None:
        session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission_id)
            .values(status="superseded", superseded_by=newer, reason=OUTDATED)
            .execution_options(synchronize_session=False)
        )
        return Stored(submission_id, created=True, outdated_by=newer)
    return Stored(
        submission_id, created=True, superseded=_supersede(session, new, submitted, submission_id)
    )


def _newer(session: Session, new: NewSubmission, submitted: datetime, created: str) -> str | None:
    """A submission of the same pull request and assignment pushed after this one."""
    if new.pull_number is None or new.regrade:
        return None
    return session.scalar(
        select(SubmissionRow.id)
        .where(
            SubmissionRow.repository == new.repository,
            SubmissionRow.pull_number == new.pull_number,
            SubmissionRow.assignment == new.assignment,
            SubmissionRow.regrade.is_(False),
            SubmissionRow.submitted_at > submitted,
            SubmissionRow.id != created,
        )
        .order_by(SubmissionRow.submitted_at.desc(), SubmissionRow.id)
        .limit(1)
    )


def _supersede(
    session: Session, new: NewSubmission, submitted: datetime, newer: str
) -> tuple[str, ...]:
    """Supersede the pull request's active pushes and regrades submitted before it.

    A held regrade (a preview) neither supersedes nor is superseded: it replaces
    nothing until its batch is applied."""
    if new.pull_number is None or new.held:
        return ()
    older = session.scalars(
        select(SubmissionRow.id)
        .where(
            SubmissionRow.repository == new.repository,
            SubmissionRow.pull_number == new.pull_number,
            SubmissionRow.assignment == new.assignment,
            SubmissionRow.status.in_((*ACTIVE, "deferred")),
            SubmissionRow.held.is_(False),
            or_(SubmissionRow.submitted_at <= submitted, SubmissionRow.regrade.is_(True)),
            SubmissionRow.id != newer,
        )
        .order_by(SubmissionRow.created_at, SubmissionRow.id)
    ).all()
    if older:
        session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id.in_(older), SubmissionRow.status.in_((*ACTIVE, "deferred")))
            .values(status="superseded", superseded_by=newer, reason="a newer push superseded it")
        )
    return tuple(older)
