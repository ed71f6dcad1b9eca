"""The console's reads of the submissions and their results, for ``SqlCourseStore``.

Columns, not ORM objects, in one query joining each submission to its result: a course of
500 students x 12 assignments x 10 pushes (60,000 rows) is one round trip and a tuple per
row. Id lists go to the database in chunks of ``CHUNK``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from grader.service.store.course import SubmissionRow
from grader.service.store.course_base import CourseSqlBase, fits
from grader.service.store.tables import AuditRow, ResultRow
from grader.service.store.tables import SubmissionRow as SubmissionTable

CHUNK = 500
"""Values per ``IN`` list: far below SQLite's and PostgreSQL's bound-parameter limits."""

_S, _R = SubmissionTable, ResultRow
SUBMISSIONS = (
    select(
        _S.id,
        _S.repository,
        _S.pull_number,
        _S.head_sha,
        _S.assignment,
        _S.author_login,
        _S.submitted_at,
        _S.status,
        _S.reason,
        func.coalesce(_R.score, _S.score).label("score"),
        _R.raw_score,
        func.coalesce(_R.max_score, _S.max_score).label("max_score"),
        _S.created_at,
        _S.finished_at,
    )
    .select_from(_S)
    .outerjoin(_R, _R.submission_id == _S.id)
)
"""The columns of ``course.SubmissionRow`` in its fields' order; the result's scores win."""


class SubmissionViews(CourseSqlBase):
    """Submissions as the console's pages read them, and their saved reports."""

    def course_submissions(
        self, assignments: Sequence[str], *, logins: Sequence[str] | None = None
    ) -> list[SubmissionRow]:
        """Every submission of these assignments (of these authors when given), oldest first
        (by ``submitted_at``, then ``created_at``); regrades and superseded pushes included."""
        if not assignments or (logins is not None and not logins):
            return []
        query = SUBMISSIONS.where(_S.assignment.in_(sorted(set(assignments))))
        wanted: set[str] | None = None
        if logins is not None:
            wanted = {login.lower() for login in logins}
            if len(wanted) <= CHUNK:
                query = query.where(_S.author_login.in_(sorted(wanted)))
        query = query.order_by(_S.submitted_at, _S.created_at, _S.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()  # one fetch, not a round of fetchone per row
        # Past CHUNK logins the filter is here: one query, no IN list near a parameter limit.
        return [_view(row) for row in rows if wanted is None or row.author_login in wanted]

    def version(self, course: str, assignments: Sequence[str]) -> tuple[Any, ...]:
        """Changes whenever something a gradebook of the course reads changes: a submission of
        its assignments stored or updated (graded, superseded), or anything audited (roster,
        extensions, overrides). Two indexed aggregates, a few milliseconds."""
        with self.engine.connect() as connection:
            count, newest = connection.execute(
                select(func.count(_S.id), func.max(_S.updated_at)).where(
                    _S.assignment.in_(sorted(set(assignments)))
                )
            ).one()
            audited = connection.execute(
                select(func.max(AuditRow.id)).where(AuditRow.course == course)
            ).scalar()
        return (count, str(newest), audited)

    def submission_row(self, submission_id: str) -> SubmissionRow | None:
        if not fits(submission_id, "submission_id"):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(SUBMISSIONS.where(_S.id == submission_id)).first()
        return None if row is None else _view(row)

    def reports(self, submission_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The saved reports of these submissions by id; those without a result are left out."""
        wanted = [sid for sid in dict.fromkeys(submission_ids) if fits(sid, "submission_id")]
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                query = select(_R.submission_id, _R.report).where(_R.submission_id.in_(chunk))
                found.update({str(sid): report for sid, report in connection.execute(query)})
        return found


def _view(row: Sequence[Any]) -> SubmissionRow:
    """A row of ``SUBMISSIONS`` as its record (the columns are in the fields' order)."""
    return SubmissionRow(*row)
