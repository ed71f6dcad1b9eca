"""``SqlCourseStore``: the console's ``CourseStore`` (``course.py``) on SQLAlchemy, in the
database ``SqlStore`` keeps the submissions in (its engine, its migrations, its clock).

Every change is one transaction that also writes its ``AuditEntry``: the trail never misses
a change, nor records one that rolled back. The roster (``course_roster.py``), API tokens
(``course_tokens.py``) and the reads of submissions (``course_views.py``) live beside this
module, on the engine and transactions of ``course_base.py``; extensions, overrides,
regrade requests and the audit trail are here. Rows never leave these modules: every method
returns the plain records of ``course.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from grader.service.store.course import (
    AuditEntry,
    Extension,
    Override,
    RegradeRequest,
    RegradeState,
)
from grader.service.store.course_base import MAX_ID, bounded, fits, record, rowcount
from grader.service.store.course_roster import Roster
from grader.service.store.course_tokens import ApiTokens
from grader.service.store.course_views import SubmissionViews
from grader.service.store.tables import (
    AuditRow,
    ExtensionRow,
    OverrideRow,
    RegradeRequestRow,
    SubmissionRow,
)

if TYPE_CHECKING:
    from grader.service.store.sql import SqlStore

AUDIT_LIMIT = 10_000
"""The most audit entries one call returns."""
ANSWERS: tuple[RegradeState, ...] = ("accepted", "declined")


class SqlCourseStore(Roster, ApiTokens, SubmissionViews):
    """Roster, extensions, overrides, regrade requests, audit trail and API tokens, and the
    console's views of the submissions: the ``CourseStore`` protocol on SQLAlchemy."""

    @classmethod
    def beside(cls, store: SqlStore) -> SqlCourseStore:
        """The course store in ``store``'s database, on its engine and clock."""
        return cls(store.engine, store.clock)

    # --- extensions and overrides ---------------------------------------------------------

    def set_extension(self, extension: Extension) -> None:
        """Create or replace the student's due date for the assignment (``extension.set``)."""
        ext = extension
        bounded(
            "extension",
            course=ext.course,
            assignment=ext.assignment,
            student=ext.student,
            actor=ext.granted_by,
            reason=ext.reason,
        )
        with self._session() as session:
            row = session.get(ExtensionRow, (ext.course, ext.assignment, ext.student))
            before = None if row is None else _due(row.due)
            session.merge(ExtensionRow(**asdict(ext)))
            self._audit(
                session,
                ext.course,
                ext.granted_by,
                "extension.set",
                f"{ext.assignment}/{ext.student}",
                before=before,
                after=_due(ext.due),
                reason=ext.reason,
            )

    def remove_extension(self, course: str, assignment: str, student: str, actor: str) -> bool:
        """Remove the student's own due date (``extension.remove``); False when there was none."""
        key = (course, assignment, student)
        return self._remove(ExtensionRow, key, actor, "extension", lambda row: _due(row.due))

    def extensions(self, course: str) -> list[Extension]:
        """The course's extensions, by assignment then student."""
        with self._session() as session:
            rows = session.scalars(
                select(ExtensionRow)
                .where(ExtensionRow.course == course)
                .order_by(ExtensionRow.assignment, ExtensionRow.student)
            )
            return [record(Extension, row) for row in rows]

    def set_override(self, override: Override) -> None:
        """Create or replace the student's grade for the assignment (``override.set``: before,
        after); ``ValueError`` when the score is negative or not a finite number."""
        over = override
        bounded(
            "override",
            course=over.course,
            assignment=over.assignment,
            student=over.student,
            actor=over.by,
            reason=over.reason,
        )
        if not math.isfinite(over.score) or over.score < 0:
            raise ValueError(f"override: score {over.score} is not a number of points (0 or more)")
        with self._session() as session:
            row = session.get(OverrideRow, (over.course, over.assignment, over.student))
            before = None if row is None else _points(row.score)
            session.merge(OverrideRow(**asdict(over)))
            self._audit(
                session,
                over.course,
                over.by,
                "override.set",
                f"{over.assignment}/{over.student}",
                before=before,
                after=_points(over.score),
                reason=over.reason,
            )

    def remove_override(self, course: str, assignment: str, student: str, actor: str) -> bool:
        """Remove the grade set by hand (``override.remove``); False when there was none."""
        key = (course, assignment, student)
        return self._remove(OverrideRow, key, actor, "override", lambda row: _points(row.score))

    def _remove(
        self,
        table: type[ExtensionRow] | type[OverrideRow],
        key: tuple[str, str, str],
        actor: str,
        kind: str,
        describe: Callable[[Any], str],
    ) -> bool:
        """Delete one student's row of ``table`` and audit ``<kind>.remove`` with what it was."""
        bounded(kind, actor=actor)
        course, assignment, student = key
        with self._session() as session:
            row = session.get(table, key)
            if row is None:
                return False
            before = describe(row)
            session.delete(row)
            target = f"{assignment}/{student}"
            self._audit(session, course, actor, f"{kind}.remove", target, before=before)
            return True

    def overrides(self, course: str) -> list[Override]:
        """The course's overrides, by assignment then student."""
        with self._session() as session:
            rows = session.scalars(
                select(OverrideRow)
                .where(OverrideRow.course == course)
                .order_by(OverrideRow.assignment, OverrideRow.student)
            )
            return [record(Override, row) for row in rows]

    # --- regrade requests and the audit trail ---------------------------------------------

    def open_regrade_request(
        self, course: str, submission_id: str, login: str, message: str
    ) -> RegradeRequest:
        """Record a student's request (``regrade.open``, by them); KeyError when there is no
        such submission."""
        login = login.lower()
        bounded("regrade request", course=course, login=login, message=message)
        with self._session() as session:
            if not fits(submission_id, "submission_id") or not session.get(
                SubmissionRow, submission_id
            ):
                raise KeyError(f"no submission {submission_id[:64]!r}")
            row = RegradeRequestRow(
                course=course,
                submission_id=submission_id,
                login=login,
                message=message,
                status="open",
                opened_at=self.clock(),
            )
            session.add(row)
            session.flush()
            self._audit(
                session, course, login, "regrade.open", submission_id, after="open", reason=message
            )
            return record(RegradeRequest, row)

    def answer_regrade_request(
        self, request_id: int, status: RegradeState, response: str, actor: str
    ) -> RegradeRequest | None:
        """Accept or decline an open request (``regrade.answer``); None when there is no such
        open request. Of two staff answering at once, one answer wins."""
        if status not in ANSWERS:
            raise ValueError(f"regrade answer: {status!r} is not one of {', '.join(ANSWERS)}")
        bounded("regrade answer", actor=actor, response=response)
        if not 1 <= request_id <= MAX_ID:
            return None
        with self._session() as session:
            answered = session.execute(
                update(RegradeRequestRow)
                .where(RegradeRequestRow.id == request_id, RegradeRequestRow.status == "open")
                .values(
                    status=status, response=response, answered_by=actor, answered_at=self.clock()
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(answered) != 1:
                return None
            row = session.get_one(RegradeRequestRow, request_id)
            self._audit(
                session,
                row.course,
                actor,
                "regrade.answer",
                row.submission_id,
                before="open",
                after=status,
                reason=response,
            )
            return record(RegradeRequest, row)

    def regrade_requests(
        self, course: str, *, submission_id: str | None = None, login: str | None = None
    ) -> list[RegradeRequest]:
        """The course's requests (of one submission, of one student), oldest first."""
        query = select(RegradeRequestRow).where(RegradeRequestRow.course == course)
        if submission_id is not None:
            query = query.where(RegradeRequestRow.submission_id == submission_id)
        if login is not None:
            query = query.where(RegradeRequestRow.login == login.lower())
        with self._session() as session:
            rows = session.scalars(query.order_by(RegradeRequestRow.id))
            return [record(RegradeRequest, row) for row in rows]

    def audit(
        self, course: str, limit: int = 200, *, action: str | None = None
    ) -> list[AuditEntry]:
        """Newest first; at most ``limit`` entries (itself at most ``AUDIT_LIMIT``); only
        those of ``action`` when given."""
        query = select(AuditRow).where(AuditRow.course == course)
        if action is not None:
            query = query.where(AuditRow.action == action)
        with self._session() as session:
            rows = session.scalars(
                query.order_by(AuditRow.id.desc()).limit(max(0, min(limit, AUDIT_LIMIT)))
            )
            return [record(AuditEntry, row) for row in rows]

    def note(
        self,
        course: str,
        actor: str,
        action: str,
        target: str,
        *,
        before: str | None = None,
        after: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Write one audit entry for an action taken outside this store (a Canvas push, a
        similarity verdict, a regrade)."""
        bounded("audit entry", actor=actor, reason=reason)
        with self._session() as session:
            self._audit(
                session, course, actor, action, target, before=before, after=after, reason=reason
            )


def _due(due: datetime) -> str:
    """``due 2026-12-01 23:59 UTC``: the audit trail's words for a due date."""
    moment = due.astimezone(UTC) if due.tzinfo else due.replace(tzinfo=UTC)
    return f"due {moment:%Y-%m-%d %H:%M} UTC"


def _points(score: float) -> str:
    """``score 72.5``: the audit trail's words for a grade."""
    return f"score {score:g}"
