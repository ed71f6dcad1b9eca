"""What a webhook delivery writes, on SQLAlchemy: the mixin ``SqlStore`` takes for the
deliveries, the installations and the pushes they store (``sql.py`` keeps the rest of a
submission's life cycle).

The webhook's hot path is ``record_delivery``: the delivery, its submissions and its
outcome in one short transaction of Core statements on a connection (no ORM session or
objects); a delivery that stores nothing (a ping) is a single autocommitted statement. The two unique keys that race (the
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

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
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
from grader.service.store.tables import Base, InstallationRow

DELIVERIES: Table = Base.metadata.tables["deliveries"]
SUBMISSIONS: Table = Base.metadata.tables["submissions"]
D, S = DELIVERIES.c, SUBMISSIONS.c


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
        with self.engine.begin() as connection:
            return _claim(self, connection, delivery_id, event, action, {})

    def finish_delivery(
        self: _Host,
        delivery_id: str,
        outcome: str,
        detail: str | None,
        submission_ids: Sequence[str] = (),
    ) -> None:
        with self.engine.begin() as connection:
            connection.execute(_finish(delivery_id, outcome, detail, submission_ids))

    def record_delivery(
        self: _Host,
        delivery_id: str,
        event: str,
        action: str | None,
        submissions: Sequence[NewSubmission],
        settle: Callable[[list[Stored]], SettledT],
    ) -> Delivery | SettledT:
        """A delivery without submissions is one statement (its outcome known up front,
        atomic on its own: no transaction to open and commit); one with submissions is one
        transaction: the pushes, then the delivery with its outcome, rolled back when the
        delivery turns out to be a duplicate (its redelivery waits on the pushes' keys)."""
        if not submissions:
            settled = settle([])
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                earlier = _claim(self, auto, delivery_id, event, action, _outcome_values(settled))
            return settled if earlier is None else earlier
        with self.engine.connect() as connection:
            stored = [store_submission(self, connection, new) for new in submissions]
            settled = settle(stored)
            outcome = _outcome_values(settled)
            earlier = _claim(self, connection, delivery_id, event, action, outcome)
            if earlier is not None:
                connection.rollback()
                return earlier
            connection.commit()
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
        with self.engine.begin() as connection:
            return store_submission(self, connection, new)


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
        update(DELIVERIES)
        .where(D.id == delivery_id)
        .values(outcome=outcome, detail=detail, submission_ids=list(submission_ids))
    )


def _insert(host: _Host, table: Table) -> Any:
    """The dialect's ``INSERT`` (the one with ``on_conflict_do_nothing``)."""
    dialect = postgresql if host.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _claim(
    host: _Host,
    connection: Connection,
    delivery_id: str,
    event: str,
    action: str | None,
    outcome: dict[str, Any],
) -> Delivery | None:
    """Insert the delivery (with ``outcome``'s values when given; else ``received``), or take
    over a failed or abandoned one; None when this caller has it, else the earlier record."""
    now = host.clock()
    inserted = connection.scalar(
        _insert(host, DELIVERIES)
        .values(id=delivery_id, event=event, action=action, received_at=now, **outcome)
        .on_conflict_do_nothing(index_elements=[D.id])
        .returning(D.id)
    )
    if inserted is not None:
        return None
    taken = connection.execute(
        update(DELIVERIES)
        .where(
            D.id == delivery_id,
            or_(
                D.outcome == "failed",
                (D.outcome == "received") & (D.received_at < now - RECLAIM_AFTER),
            ),
        )
        .values({"outcome": "received", "received_at": now, "detail": None, **outcome})
    )
    if taken.rowcount == 1:
        return None
    row = connection.execute(select(DELIVERIES).where(D.id == delivery_id)).mappings().first()
    if row is None:  # pragma: no cover - the insert found the key taken
        return None
    return Delivery(**{f.name: row[f.name] for f in fields(Delivery)})


def store_submission(host: _Host, connection: Connection, new: NewSubmission) -> Stored:
    """``add_submission`` inside a transaction: the insert, or the existing id of its key."""
    key = (
        None
        if new.regrade
        else dedupe_key(new.repository, new.head_sha, new.assignment, new.rubric_sha256)
    )
    now = host.clock()
    submitted = new.submitted_at or now
    submission_id = connection.scalar(
        _insert(host, SUBMISSIONS)
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
        .on_conflict_do_nothing(index_elements=[S.dedupe_key])
        .returning(S.id)
    )
    if submission_id is None:
        existing = connection.scalar(select(S.id).where(S.dedupe_key == key))
        if existing is None:  # pragma: no cover - the conflict names an existing row
            raise RuntimeError(f"submission key {key} conflicts with no row")
        return Stored(existing, created=False)
    newer = _newer(connection, new, submitted, submission_id)
    if newer is not None:
        connection.execute(
            update(SUBMISSIONS)
            .where(S.id == submission_id)
            .values(status="superseded", superseded_by=newer, reason=OUTDATED)
        )
        return Stored(submission_id, created=True, outdated_by=newer)
    return Stored(
        submission_id,
        created=True,
        superseded=_supersede(connection, new, submitted, submission_id),
    )


def _newer(
    connection: Connection, new: NewSubmission, submitted: datetime, created: str
) -> str | None:
    """A submission of the same pull request and assignment pushed after this one."""
    if new.pull_number is None or new.regrade:
        return None
    return connection.scalar(
        select(S.id)
        .where(
            S.repository == new.repository,
            S.pull_number == new.pull_number,
            S.assignment == new.assignment,
            S.regrade.is_(False),
            S.submitted_at > submitted,
            S.id != created,
        )
        .order_by(S.submitted_at.desc(), S.id)
        .limit(1)
    )


def _supersede(
    connection: Connection, new: NewSubmission, submitted: datetime, newer: str
) -> tuple[str, ...]:
    """Supersede the pull request's active pushes and regrades submitted before it.

    A held regrade (a preview) neither supersedes nor is superseded: it replaces
    nothing until its batch is applied."""
    if new.pull_number is None or new.held:
        return ()
    older = connection.scalars(
        select(S.id)
        .where(
            S.repository == new.repository,
            S.pull_number == new.pull_number,
            S.assignment == new.assignment,
            S.status.in_((*ACTIVE, "deferred")),
            S.held.is_(False),
            or_(S.submitted_at <= submitted, S.regrade.is_(True)),
            S.id != newer,
        )
        .order_by(S.created_at, S.id)
    ).all()
    if older:
        connection.execute(
            update(SUBMISSIONS)
            .where(S.id.in_(older), S.status.in_((*ACTIVE, "deferred")))
            .values(status="superseded", superseded_by=newer, reason="a newer push superseded it")
        )
    return tuple(older)
