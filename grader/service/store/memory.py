"""``MemoryStore``: the ``Store`` protocol in a process's memory, for tests and trials.

It keeps the promises ``SqlStore`` keeps, and the contract tests (``tests/test_store.py``)
hold both to them: one submission per commit and rubric, the older active pushes of a
pull request superseded, one claim at a time under a lease that runs out on the store's
clock, a result saved only on an active submission. One lock makes every method atomic,
as a transaction does; records are copied in and out, as rows are.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from grader.service.store.memory_queue import MemoryQueueQueries
from grader.service.store.protocol import SettledT
from grader.service.store.records import (
    ACTIVE,
    OUTDATED,
    RECLAIM_AFTER,
    Attempt,
    Clock,
    Delivery,
    NewSubmission,
    Publication,
    PublicationState,
    Result,
    Stored,
    Submission,
    SubmissionStatus,
    dedupe_key,
    utcnow,
)


class MemoryStore(MemoryQueueQueries):
    """Deliveries, submissions, attempts, results and publications in dictionaries."""

    def __init__(self, *, clock: Clock = utcnow) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._deliveries: dict[str, Delivery] = {}
        self._installations: dict[int, dict[str, Any]] = {}
        self._submissions: dict[str, Submission] = {}
        self._by_key: dict[str, str] = {}
        self._attempts: dict[str, list[Attempt]] = {}
        self._results: dict[str, Result] = {}
        self._publications: dict[tuple[str, str], Publication] = {}

    def migrate(self) -> None:
        """Nothing to migrate: the dictionaries have no schema."""

    def ping(self) -> None:
        """Always answers."""

    def dispose(self) -> None:
        """No connections to let go of; the data stays."""

    # --- deliveries -------------------------------------------------------------------

    def begin_delivery(self, delivery_id: str, event: str, action: str | None) -> Delivery | None:
        now = self.clock()
        with self._lock:
            earlier = self._deliveries.get(delivery_id)
            abandoned = earlier is not None and (
                earlier.outcome == "failed"
                or (earlier.outcome == "received" and earlier.received_at < now - RECLAIM_AFTER)
            )
            if earlier is None or abandoned:
                self._deliveries[delivery_id] = Delivery(
                    id=delivery_id,
                    event=event,
                    action=action,
                    received_at=now,
                    outcome="received",
                    detail=None,
                    submission_ids=[],
                )
                return None
            return deepcopy(earlier)

    def finish_delivery(
        self, delivery_id: str, outcome: str, detail: str | None, submission_ids: Sequence[str] = ()
    ) -> None:
        with self._lock:
            earlier = self._deliveries.get(delivery_id)
            if earlier is not None:
                self._deliveries[delivery_id] = replace(
                    earlier, outcome=outcome, detail=detail, submission_ids=list(submission_ids)
                )

    def record_delivery(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        submissions: Sequence[NewSubmission],
        settle: Callable[[list[Stored]], SettledT],
    ) -> Delivery | SettledT:
        with self._lock:  # reentrant: the steps below are one step, undone if one raises
            saved = dict(self._deliveries), dict(self._submissions), dict(self._by_key)
            try:
                earlier = self.begin_delivery(delivery_id, event, action)
                if earlier is not None:
                    return earlier
                settled = settle([self.add_submission(new) for new in submissions])
            except BaseException:
                self._deliveries, self._submissions, self._by_key = saved
                raise
            self.finish_delivery(
                delivery_id, settled.outcome, settled.message, settled.submission_ids
            )
            return settled

    def record_installation(
        self, installation_id: int, account: str, action: str, repositories: list[str]
    ) -> None:
        with self._lock:
            known = self._installations.get(installation_id, {"repositories": []})
            self._installations[installation_id] = {
                "account": account,
                "action": action,
                "repositories": list(repositories) or known["repositories"],
                "updated_at": self.clock(),
            }

    # --- submissions ------------------------------------------------------------------

    def add_submission(self, new: NewSubmission) -> Stored:
        key = (
            None
            if new.regrade
            else dedupe_key(new.repository, new.head_sha, new.assignment, new.rubric_sha256)
        )
        with self._lock:
            if key is not None and key in self._by_key:
                return Stored(self._by_key[key], created=False)
            now = self.clock()
            submission = Submission(
                id=uuid.uuid4().hex,
                **{**deepcopy(asdict(new)), "submitted_at": new.submitted_at or now},
                dedupe_key=key,
                status="queued",
                reason=None,
                superseded_by=None,
                enqueued_at=None,
                created_at=now,
                updated_at=now,
                started_at=None,
                finished_at=None,
                lease_owner=None,
                lease_until=None,
                attempts=0,
                check_run_id=None,
                score=None,
                max_score=None,
            )
            self._submissions[submission.id] = submission
            if key is not None:
                self._by_key[key] = submission.id
            outdated_by = self._newer(submission)
            if outdated_by is not None:
                self._update(
                    submission.id, status="superseded", superseded_by=outdated_by, reason=OUTDATED
                )
                return Stored(submission.id, created=True, outdated_by=outdated_by)
            return Stored(submission.id, created=True, superseded=self._supersede(submission))

    def _same_pull(self, one: Submission, other: Submission) -> bool:
        return (
            one.repository == other.repository
            and one.pull_number == other.pull_number
            and one.assignment == other.assignment
            and one.id != other.id
        )

    def _newer(self, new: Submission) -> str | None:
        """A submission of the same pull request and assignment pushed after this one."""
        if new.pull_number is None or new.regrade:
            return None
        later = sorted(
            (sub for sub in self._submissions.values() if self._same_pull(sub, new)),
            key=lambda sub: (-sub.submitted_at.timestamp(), sub.id),
        )
        return next(
            (sub.id for sub in later if not sub.regrade and sub.submitted_at > new.submitted_at),
            None,
        )

    def _supersede(self, newer: Submission) -> tuple[str, ...]:
        if newer.pull_number is None or newer.held:
            return ()
        older = tuple(
            sub.id
            for sub in self._submissions.values()
            if self._same_pull(sub, newer)
            and sub.status in (*ACTIVE, "deferred")
            and not sub.held
            and (sub.submitted_at <= newer.submitted_at or sub.regrade)
        )
        for submission_id in older:
            self._update(
                submission_id,
                status="superseded",
                superseded_by=newer.id,
                reason="a newer push superseded it",
            )
        return older

    def get(self, submission_id: str) -> Submission | None:
        with self._lock:
            return deepcopy(self._submissions.get(submission_id))

    def attempts(self, submission_id: str) -> list[Attempt]:
        with self._lock:
            return list(self._attempts.get(submission_id, []))

    def result(self, submission_id: str) -> Result | None:
        with self._lock:
            return deepcopy(self._results.get(submission_id))

    def mark_enqueued(self, submission_id: str) -> None:
        with self._lock:
            self._update(submission_id, enqueued_at=self.clock())

    def unqueued(self, older_than: timedelta) -> list[str]:
        cutoff = self.clock() - older_than
        with self._lock:
            return [
                sub.id
                for sub in self._submissions.values()
                if sub.status == "queued" and sub.enqueued_at is None and sub.created_at < cutoff
            ]

    def claim(self, submission_id: str, owner: str, lease: timedelta) -> datetime | None:
        now = self.clock()
        with self._lock:
            sub = self._submissions.get(submission_id)
            if sub is None:
                return now
            expired = sub.lease_until is None or sub.lease_until < now
            if sub.status == "queued" or (sub.status == "running" and expired):
                self._update(
                    submission_id,
                    status="running",
                    lease_owner=owner,
                    lease_until=now + lease,
                    started_at=sub.started_at or now,
                    attempts=sub.attempts + 1,
                )
                self._attempts.setdefault(submission_id, []).append(
                    Attempt(submission_id, owner, now, finished_at=None, outcome=None, error=None)
                )
                return None
            if sub.status != "running" or sub.lease_until is None:
                return now
            return sub.lease_until

    def renew(self, submission_id: str, owner: str, lease: timedelta) -> bool:
        now = self.clock()
        with self._lock:
            sub = self._submissions.get(submission_id)
            if sub is None or sub.status != "running" or sub.lease_owner != owner:
                return False
            self._update(submission_id, lease_until=now + lease)
            return True

    def finish(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        reason: str | None = None,
        outcome: str | None = None,
        only_if: Sequence[str] = ACTIVE,
    ) -> bool:
        now = self.clock()
        with self._lock:
            sub = self._submissions.get(submission_id)
            done = sub is not None and sub.status in only_if
            if done:
                self._update(
                    submission_id, status=status, reason=reason, finished_at=now, lease_until=None
                )
            self._close_attempt(submission_id, outcome or status, reason, now)
            return done

    def note_attempt(self, submission_id: str, outcome: str, error: str | None) -> None:
        now = self.clock()
        with self._lock:
            self._close_attempt(submission_id, outcome, error, now)
            sub = self._submissions.get(submission_id)
            if sub is not None and sub.status == "running":
                self._update(submission_id, lease_until=None)

    def _close_attempt(
        self, submission_id: str, outcome: str, error: str | None, now: datetime
    ) -> None:
        attempts = self._attempts.get(submission_id, [])
        for index in range(len(attempts) - 1, -1, -1):
            if attempts[index].finished_at is None:
                attempts[index] = replace(
                    attempts[index], finished_at=now, outcome=outcome, error=error
                )
                return

    def save_result(self, submission_id: str, result: Result) -> bool:
        now = self.clock()
        with self._lock:
            sub = self._submissions.get(submission_id)
            if sub is None or sub.status not in ACTIVE:
                return False
            self._update(
                submission_id,
                status="graded",
                finished_at=now,
                lease_until=None,
                score=result.score,
                max_score=result.max_score,
                reason=None,
            )
            self._results[submission_id] = deepcopy(replace(result, submission_id=submission_id))
            self._close_attempt(submission_id, "graded", None, now)
            return True

    def set_check_run(self, submission_id: str, check_run_id: int) -> None:
        with self._lock:
            self._update(submission_id, check_run_id=check_run_id)

    def _update(self, submission_id: str, **values: Any) -> None:
        """Change a stored submission (the caller holds the lock); a missing one is left be."""
        sub = self._submissions.get(submission_id)
        if sub is not None:
            self._submissions[submission_id] = replace(sub, **values, updated_at=self.clock())

    # --- publications -----------------------------------------------------------------

    def publication(self, submission_id: str, kind: str) -> Publication | None:
        with self._lock:
            return self._publications.get((submission_id, kind))

    def publish(
        self,
        submission_id: str,
        kind: str,
        state: PublicationState,
        *,
        github_id: int | None = None,
        progress: int | None = None,
    ) -> None:
        with self._lock:
            row = self._publications.get((submission_id, kind)) or Publication(
                submission_id, kind, state, github_id=None, progress=0, updated_at=self.clock()
            )
            self._publications[(submission_id, kind)] = replace(
                row,
                state=state,
                github_id=row.github_id if github_id is None else github_id,
                progress=row.progress if progress is None else progress,
                updated_at=self.clock(),
            )

    # --- reading ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            return _tally(sub.status for sub in self._submissions.values())

    def verdicts(self) -> dict[str, int]:
        with self._lock:
            return _tally(result.status for result in self._results.values())

    def durations(self, buckets: Sequence[float]) -> tuple[list[int], float, int]:
        with self._lock:
            seconds = [result.duration for result in self._results.values()]
        cumulative = [sum(1 for s in seconds if s <= bound) for bound in buckets]
        return cumulative, float(sum(seconds)), len(seconds)


def _tally(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values))
