"""``MemoryBatchStore``: the ``BatchStore`` over a ``MemoryStore``'s submissions, for tests.

It wraps the ``MemoryStore`` it is given and reaches into it on purpose: it reads the
submissions and changes members through the store's own lock and ``_update`` (which
stamps ``updated_at`` with the store's clock), as ``SqlBatchStore`` changes the rows of
the same database. The audit trail is kept here (``audit_log``), newest last.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from grader.service.store.batches import (
    AUDIT_ACTIONS,
    Batch,
    BatchKind,
    BatchState,
    audit_target,
)
from grader.service.store.course import AuditEntry
from grader.service.store.memory import MemoryStore
from grader.service.store.records import Submission

_VERBS = {"applied": "apply", "discarded": "discard", "reverted": "revert"}


class MemoryBatchStore:
    """Batches in a dictionary; members are the wrapped ``MemoryStore``'s submissions."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._batches: dict[str, Batch] = {}
        self._lock = threading.RLock()
        self.audit_log: list[AuditEntry] = []

    def batch(self, batch_id: str) -> Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def batches(self, course: str, assignment: str | None = None) -> list[Batch]:
        with self._lock:
            found = [
                batch
                for batch in self._batches.values()
                if batch.course == course and assignment in (None, batch.assignment)
            ]
        return sorted(found, key=lambda batch: (-batch.created_at.timestamp(), batch.id))

    def members(self, batch_id: str) -> list[Submission]:
        return self._submissions(lambda sub: sub.batch_id == batch_id)

    def assignment_submissions(self, assignment: str) -> list[Submission]:
        return self._submissions(lambda sub: sub.assignment == assignment)

    def replacements(self, submission_ids: Sequence[str]) -> list[Submission]:
        wanted = set(submission_ids)
        return self._submissions(lambda sub: sub.replaces in wanted)

    def _submissions(self, keep: Callable[[Submission], bool]) -> list[Submission]:
        with self.store._lock:
            found = [sub for sub in self.store._submissions.values() if keep(sub)]
        return sorted(found, key=lambda sub: (sub.submitted_at, sub.created_at, sub.id))

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
        now = self.store.clock()
        batch = Batch(
            uuid.uuid4().hex,
            course,
            assignment,
            kind,
            state,
            preview,
            rubric_sha256,
            actor,
            now,
            now,
            note,
        )
        with self._lock:
            self._batches[batch.id] = batch
            action = f"{AUDIT_ACTIONS[kind]}.start"
            after = f"{state}{', preview' if preview else ''}"
            self._audit(batch, actor, action, None, after, note)
        return batch

    def apply(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("grading", "applied"),
            lambda sub: sub.held and sub.status == "graded",
            {"held": False},
        )

    def discard(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("grading", "discarded"),
            lambda sub: sub.held,
            {"status": "discarded", "lease_until": None},
        )

    def revert(self, batch_id: str, actor: str) -> bool:
        return self._move(
            batch_id,
            actor,
            ("applied", "reverted"),
            lambda sub: not sub.held and sub.status == "graded",
            {"status": "reverted"},
        )

    def _move(
        self,
        batch_id: str,
        actor: str,
        states: tuple[BatchState, BatchState],
        members: Callable[[Submission], bool],
        values: dict[str, Any],
    ) -> bool:
        before, after = states
        with self._lock, self.store._lock:
            batch = self._batches.get(batch_id)
            if batch is None or batch.state != before:
                return False
            self._batches[batch_id] = replace(batch, state=after, updated_at=self.store.clock())
            changed = [
                sub.id
                for sub in self.store._submissions.values()
                if sub.batch_id == batch_id and members(sub)
            ]
            for submission_id in changed:
                self.store._update(submission_id, **values)
            action = f"{AUDIT_ACTIONS[batch.kind]}.{_VERBS[after]}"
            count = len(changed)
            summary = f"{after}: {count} submission{'s' if count != 1 else ''}"
            self._audit(batch, actor, action, before, summary, None)
            return True

    def _audit(
        self,
        batch: Batch,
        actor: str,
        action: str,
        before: str | None,
        after: str | None,
        reason: str | None,
    ) -> None:
        self.audit_log.append(
            AuditEntry(
                id=len(self.audit_log) + 1,
                course=batch.course,
                at=self.store.clock(),
                actor=actor,
                action=action,
                target=audit_target(batch.assignment, batch.id),
                before=before,
                after=after,
                reason=reason,
            )
        )
