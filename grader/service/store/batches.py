"""Bulk work an instructor starts: a regrade (previewed, then applied, discarded or
reverted), a rerun of what the platform failed, the deferred pushes graded at the due date.

``BatchStore`` is what the service asks; its submissions are ordinary submissions carrying
the batch's id (``Submission.batch_id``), held (``Submission.held``) while previewed.
The SQL and in-memory stores live beside it (``batches_sql.py``, ``batches_memory.py``).

A batch's life: ``create`` (``grading``; a batch whose members publish as they are graded,
a rerun or a regrade without preview, is created ``applied``), then ``apply`` (its graded
held members are released: counted and published), or ``discard`` (its held members become
``discarded``: never published), and an applied batch may be ``revert``-ed (its applied
members become ``reverted``: the results they replaced count again). Each of these is one
conditional change that writes its audit entry (``regrade.start``, ``regrade.apply``...) in
the same transaction: of two callers, one does it and the other is told it was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from grader.service.store.records import Submission

BatchKind = Literal["regrade", "rerun", "deferred"]
BatchState = Literal["grading", "applied", "discarded", "reverted"]
"""``grading``: its submissions are graded, held (a preview waits for a decision).
``applied``: its graded submissions count and are published. ``discarded``: its preview was
thrown away. ``reverted``: applied, then taken back."""


@dataclass(frozen=True)
class Batch:
    """One piece of bulk work (a row of ``batches``)."""

    id: str
    course: str
    assignment: str
    kind: BatchKind
    state: BatchState
    preview: bool
    """True: its submissions are held until an instructor applies the batch."""
    rubric_sha256: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    note: str | None


class BatchStore(Protocol):
    """Batches and the submissions they hold."""

    def batch(self, batch_id: str) -> Batch | None:
        """The batch, or None."""

    def batches(self, course: str, assignment: str | None = None) -> Sequence[Batch]:
        """The course's batches (of one assignment when given), newest first."""

    def members(self, batch_id: str) -> Sequence[Submission]:
        """The batch's submissions, held ones included, oldest first."""

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
        """A new batch (its members are then stored with its id); audited ``<kind>.start``."""

    def apply(self, batch_id: str, actor: str) -> bool:
        """``grading`` -> ``applied``: release its graded held members (``held`` False, their
        ``updated_at`` now). False when the batch was not ``grading`` (nothing changed)."""

    def discard(self, batch_id: str, actor: str) -> bool:
        """``grading`` -> ``discarded``: its held members become ``discarded`` (a worker
        grading one can no longer save it). False when the batch was not ``grading``."""

    def revert(self, batch_id: str, actor: str) -> bool:
        """``applied`` -> ``reverted``: its released graded members become ``reverted``.
        False when the batch was not ``applied``."""

    def assignment_submissions(self, assignment: str) -> Sequence[Submission]:
        """Every submission of the assignment (held ones included), oldest first."""

    def replacements(self, submission_ids: Sequence[str]) -> Sequence[Submission]:
        """The submissions that regrade one of these (``replaces`` among them)."""


AUDIT_ACTIONS: dict[str, str] = {
    "regrade": "regrade",
    "rerun": "rerun",
    "deferred": "deferred",
}
"""The audit action's prefix per kind: ``regrade.start``, ``rerun.start``..."""


def audit_target(assignment: str, batch_id: str) -> str:
    """What an audit entry of a batch names: ``week01-generators/batch:<id>``."""
    return f"{assignment}/batch:{batch_id}"
