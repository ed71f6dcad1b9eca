"""Bulk work an instructor starts: a regrade (previewed, then applied, discarded or
reverted), a rerun of what the platform failed, the deferred pushes graded at the due date.

``BatchStore`` is what the service asks; its submissions are ordinary submissions carrying
the batch's id (``Submission.batch_id``), held (``Submission.held``) while previewed.
The SQL and in-memory stores live beside it (``batches_sql.py``, ``batches_memory.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from grader.service.store.records import Submission

BatchKind = Literal["regrade", "rerun", "deferred"]
BatchState = Literal["grading", "applied", "discarded", "reverted"]


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
    """Batches and the submissions they hold (the helper building regrades owns this)."""

    def batch(self, batch_id: str) -> Batch | None:
        """The batch, or None."""

    def batches(self, course: str, assignment: str | None = None) -> Sequence[Batch]:
        """The course's batches (of one assignment when given), newest first."""

    def members(self, batch_id: str) -> Sequence[Submission]:
        """The batch's submissions, held ones included."""
