"""``SqlBatchStore``: the ``BatchStore`` on SQLAlchemy, in the submissions' database.

Each state change is one transaction: a conditional ``UPDATE`` of the batch (from the state
it must be in), the change to its members, and the audit entry, so two instructors pressing
"apply" at once apply it once and the trail says so once. A member released or reverted has
its ``updated_at`` moved to now: the console's gradebook, which reads what changed since its
last read, sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.service.store.batches import (
    AUDIT_ACTIONS,
    Batch,
    BatchKind,
    BatchState,
    audit_target,
)
from grader.service.store.course_base import CourseSqlBase, bounded, record, rowcount
from grader.service.store.records import Submission
from grader.service.store.tables import BatchRow, SubmissionRow

CHUNK = 500
"""Ids per ``IN`` list."""


class SqlBatchStore(CourseSqlBase):
    """Batches and their members in ``batches`` and ``submissions``; build it on the
    ``SqlStore``'s engine and clock (``SqlBatchStore(store.engine, store.clock)``)."""

    def batch(self, batch_id: str) -> Batch | None:
        if not 0 < len(batch_id) <= 32:
            return None
        with self._session() as session:
            row = session.get(BatchRow, batch_id)
            return None if row is None else record(Batch, row)

    def batches(self, course: str, assignment: str | None = None) -> list[Batch]:
        query = select(BatchRow).where(BatchRow.course == course)
        if assignment is not None:
            query = query.where(BatchRow.assignment == assignment)
        with self._session() as session:
            rows = session.scalars(query.order_by(BatchRow.created_at.desc(), BatchRow.id))
            return [record(Batch, row) for row in rows]

    def members(self, batch_id: str) -> list[Submission]:
        return self._submissions(SubmissionRow.batch_id == batch_id)

    def assignment_submissions(self, assignment: str) -> list[Submission]:
        return self._submissions(SubmissionRow.assignment == assignment)

    def replacements(self, submission_ids: Sequence[str]) -> list[Submission]:
        ids = list(dict.fromkeys(submission_ids))
        found: list[Submission] = []
        for start in range(0, len(ids), CHUNK):
            found += self._submissions(SubmissionRow.replaces.in_(ids[start : start + CHUNK]))
        return found

    def _submissions(self, where: Any) -> list[Submission]:
        with self._session() as session:
            rows = session.scalars(
                select(SubmissionRow)
                .where(where)
                .order_by(SubmissionRow.submitted_at, SubmissionRow.created_at, SubmissionRow.id)
            )
            return [record(Submission, row) for row in rows]

    def create(
        self,
        course: str,
        assignment: str,
        kind: BatchKind,
        *,
        preview: bool,
        rubric_sha256: str,
        actor: str,
        state: BatchState = "grading",
        note: str | None = None,
    ) -> Batch:
        bounded("a batch", course=course, assignment=assignment, actor=actor, note=note)
        now = self.clock()
        row = BatchRow(
            id=uuid.uuid4().hex,
            course=course,
            assignment=assignment,
            kind=kind,
            state=state,
            preview=preview,
            rubric_sha256=rubric_sha256,
            created_by=actor,
            created_at=now,
            updated_at=now,
            note=note,
        )
        with self._session() as session:
            session.add(row)
            self._audit(
                session,
                course,
                actor,
                f"{AUDIT_ACTIONS[kind]}.start",
                audit_target(assignment, row.id),
                after=f"{state}{', preview' if preview else ''}",
                reason=note,
            )
            session.flush()
            return record(Batch, row)

    def apply(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("grading", "applied"),
            [SubmissionRow.held.is_(True), SubmissionRow.status == "graded"],
            {"held": False},
        )

    def discard(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("grading", "discarded"),
            [SubmissionRow.held.is_(True)],
            {"status": "discarded", "lease_until": None},
        )

    def revert(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("applied", "reverted"),
            [SubmissionRow.held.is_(False), SubmissionRow.status == "graded"],
            {"status": "reverted"},
        )

    def _move(
        self,
        batch_id: str,
        actor: str,
        states: tuple[BatchState, BatchState],
        members: list[Any],
        values: dict[str, Any],
    ) -> bool:
        """Move the batch from ``states[0]`` to ``states[1]`` and change the members that
        match ``members``, with its audit entry; False when it was not in ``states[0]``."""
        before, after = states
        now = self.clock()
        with self._session() as session:
            moved = session.execute(
                update(BatchRow)
                .where(BatchRow.id == batch_id, BatchRow.state == before)
                .values(state=after, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if rowcount(moved) != 1:
                return False
            changed = session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.batch_id == batch_id, *members)
                .values(**values, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            self._audit_move(session, batch_id, actor, states, rowcount(changed))
            return True

    def _audit_move(
        self,
        session: Session,
        batch_id: str,
        actor: str,
        states: tuple[BatchState, BatchState],
        changed: int,
    ) -> None:
        row = session.get(BatchRow, batch_id)
        if row is None:  # pragma: no cover - the update above just found it
            return
        verb = {"applied": "apply", "discarded": "discard", "reverted": "revert"}[states[1]]
        self._audit(
            session,
            row.course,
            actor,
            f"{AUDIT_ACTIONS[row.kind]}.{verb}",
            audit_target(row.assignment, batch_id),
            before=states[0],
            after=f"{states[1]}: {changed} submission{'s' if changed != 1 else ''}",
        )
