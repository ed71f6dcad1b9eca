"""The fair queue's and the feedback budget's reads and changes in memory: the mixin
``MemoryStore`` takes (the same answers as ``sql_queue.QueueQueries``)."""

from __future__ import annotations

import statistics
import threading
from datetime import datetime
from typing import Any

from grader.service.store.records import Clock, Result, Submission
from grader.service.store.sql_queue import FEEDBACK_STATUSES


class MemoryQueueQueries:
    """Queued and deferred work, the budget's count, typical grading time."""

    clock: Clock
    _lock: threading.RLock
    _submissions: dict[str, Submission]
    _results: dict[str, Result]

    def _update(self, submission_id: str, **values: Any) -> None:
        raise NotImplementedError  # MemoryStore's

    def feedback_used(
        self, assignment: str, author_login: str, since: datetime, excluding: str
    ) -> list[datetime]:
        login = author_login.lower()
        with self._lock:
            return sorted(
                sub.created_at
                for sub in self._submissions.values()
                if sub.assignment == assignment
                and sub.author_login == login
                and not sub.regrade
                and sub.priority == "interactive"
                and sub.status in FEEDBACK_STATUSES
                and sub.created_at > since
                and sub.id != excluding
            )

    def queued_work(self, limit: int = 5000) -> list[Submission]:
        return self._with_status("queued", limit)

    def deferred(self, limit: int = 5000) -> list[Submission]:
        return self._with_status("deferred", limit)

    def _with_status(self, status: str, limit: int) -> list[Submission]:
        with self._lock:
            found = [sub for sub in self._submissions.values() if sub.status == status]
        return sorted(found, key=lambda sub: (sub.created_at, sub.id))[:limit]

    def requeue_deferred(self, submission_id: str) -> bool:
        with self._lock:
            sub = self._submissions.get(submission_id)
            if sub is None or sub.status != "deferred":
                return False
            self._update(
                submission_id,
                status="queued",
                priority="bulk",
                reason=None,
                finished_at=None,
                enqueued_at=None,
            )
            return True

    def typical_grade_seconds(self, recent: int = 50) -> float | None:
        with self._lock:
            results = sorted(self._results.values(), key=lambda r: r.created_at)[-recent:]
        seconds = [float(r.durations["grade"]) for r in results if "grade" in r.durations]
        return statistics.median(seconds) if seconds else None
