"""What the service asks of its store, whichever keeps the data (``SqlStore``, ``MemoryStore``).

Every method takes and returns plain values (``records.py``); a change goes through a
method, never through a record. The methods that race (recording a delivery, storing a
push, claiming a job) are atomic: of two callers, exactly one wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from grader.service.store.records import (
    ACTIVE,
    Attempt,
    Delivery,
    NewSubmission,
    Publication,
    PublicationState,
    Result,
    Stored,
    Submission,
    SubmissionStatus,
)


class Settled(Protocol):
    """How a delivery was handled, as its record keeps it (``outcome``, ``detail``...)."""

    @property
    def outcome(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def submission_ids(self) -> list[str]: ...


SettledT = TypeVar("SettledT", bound=Settled)


class Store(Protocol):
    """Deliveries, submissions, attempts, results and what was posted to GitHub."""

    def migrate(self) -> None:
        """Bring the schema to the newest version (safe to call from every process)."""

    def ping(self) -> None:
        """Raise when the store does not answer."""

    def dispose(self) -> None:
        """Let go of connections; the store may be used again afterwards."""

    # --- deliveries ----------------------------------------------------------------------

    def begin_delivery(self, delivery_id: str, event: str, action: str | None) -> Delivery | None:
        """Record a delivery; None when it is new (or never finished), else the earlier one."""

    def finish_delivery(
        self, delivery_id: str, outcome: str, detail: str | None, submission_ids: Sequence[str] = ()
    ) -> None:
        """Record how a delivery was handled."""

    def record_delivery(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        submissions: Sequence[NewSubmission],
        settle: Callable[[list[Stored]], SettledT],
    ) -> Delivery | SettledT:
        """Record a delivery, store its submissions and how it was handled, all at once.

        ``begin_delivery``, ``add_submission`` for each of ``submissions`` and
        ``finish_delivery`` with what ``settle`` makes of the stored ones, in one
        transaction: a duplicate delivery gets the earlier record and stores nothing; one
        that failed or was abandoned is taken over; a handling that raises leaves nothing.
        """

    def record_installation(
        self, installation_id: int, account: str, action: str, repositories: list[str]
    ) -> None:
        """Create or update an installation (an empty list keeps the repositories known)."""

    # --- submissions ---------------------------------------------------------------------

    def add_submission(self, new: NewSubmission) -> Stored:
        """Store a push once per commit and rubric, superseding older active ones of its PR."""

    def get(self, submission_id: str) -> Submission | None:
        """The submission as stored now."""

    def attempts(self, submission_id: str) -> list[Attempt]:
        """The submission's attempts, oldest first."""

    def mark_enqueued(self, submission_id: str) -> None:
        """Note that the broker has the submission."""

    def unqueued(self, older_than: timedelta) -> list[str]:
        """Queued submissions older than ``older_than`` never handed to the broker."""

    def claim(self, submission_id: str, owner: str, lease: timedelta) -> datetime | None:
        """Take a submission to grade; None when taken, else when the holder's lease ends."""

    def renew(self, submission_id: str, owner: str, lease: timedelta) -> bool:
        """Extend a lease this owner holds; False when it lost it."""

    def finish(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        reason: str | None = None,
        outcome: str | None = None,
        only_if: Sequence[str] = ACTIVE,
    ) -> bool:
        """Move a submission in ``only_if`` to a final status; False when it was not there."""

    def note_attempt(self, submission_id: str, outcome: str, error: str | None) -> None:
        """Close the open attempt and release the lease without changing the status."""

    def save_result(self, submission_id: str, result: Result) -> bool:
        """Store the report and mark the submission graded; False when it is no longer active."""

    def result(self, submission_id: str) -> Result | None:
        """The submission's saved report."""

    def set_check_run(self, submission_id: str, check_run_id: int) -> None:
        """Remember the submission's check run."""

    # --- publications --------------------------------------------------------------------

    def publication(self, submission_id: str, kind: str) -> Publication | None:
        """How far one kind of post got."""

    def publish(
        self,
        submission_id: str,
        kind: str,
        state: PublicationState,
        *,
        github_id: int | None = None,
        progress: int | None = None,
    ) -> None:
        """Record the state of a post (``github_id`` and ``progress`` kept when None)."""

    # --- the fair queue and the feedback budget (``sql_queue.py``, ``memory_queue.py``) ----

    def feedback_used(
        self, assignment: str, author_login: str, since: datetime, excluding: str
    ) -> list[datetime]:
        """When the author's pushes to the assignment created since ``since`` that got (or
        are getting) feedback were made, oldest first; ``excluding`` left out."""

    def queued_work(self, limit: int = 5000) -> list[Submission]:
        """Submissions waiting for a worker (``queued``), oldest first."""

    def deferred(self, limit: int = 5000) -> list[Submission]:
        """Pushes deferred by a feedback budget, oldest first."""

    def requeue_deferred(self, submission_id: str) -> bool:
        """Queue a deferred push again, as bulk work; False when it is no longer deferred."""

    def typical_grade_seconds(self, recent: int = 50) -> float | None:
        """The median grading time of the most recent results; None before any."""

    # --- reading -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Submissions by status."""

    def verdicts(self) -> dict[str, int]:
        """Saved results by report status."""

    def durations(self, buckets: Sequence[float]) -> tuple[list[int], float, int]:
        """Cumulative counts of grading durations at each bucket bound, their sum and count."""
