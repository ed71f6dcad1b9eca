"""The console's reads of the submissions and their results, for ``SqlCourseStore``.

Columns, not ORM objects, in one query joining each submission to its result: a course of
500 students x 12 assignments x 10 pushes (60,000 rows) is one round trip and a tuple per
row. The dates come as the database gives them (SQLite's stored text, PostgreSQL's
datetimes) and are made UTC datetimes here, as the tables' ``UTCDateTime`` would, at a
fraction of its cost; the few texts repeated across rows (assignment, author, status) are
kept once. Id lists go to the database in chunks of ``CHUNK``.

``changed_since`` is what keeps a gradebook current without reading the course again: the
rows updated since the previous read (``submissions.updated_at`` is indexed), their count
and the course's newest audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, select, type_coerce

from grader.service.store.course import SubmissionChanges, SubmissionRow
from grader.service.store.course_base import CourseSqlBase, fits
from grader.service.store.tables import AuditRow, ResultRow
from grader.service.store.tables import SubmissionRow as SubmissionTable

CHUNK = 500
"""Values per ``IN`` list: far below SQLite's and PostgreSQL's bound-parameter limits."""
CHANGE_SLACK = timedelta(minutes=2)
"""How far before the previous read (and after this one) ``changed_since`` looks. A writer
stamps ``updated_at`` with its clock when its transaction starts and commits a moment later,
maybe on another host: a row committed after a read can carry a time before it. Two minutes
cover a transaction waiting on a lock and clocks kept by NTP; the rows of the slack come
again on every read (at a deadline, a few dozen)."""

_S, _R = SubmissionTable, ResultRow


def _raw(column: Any, name: str) -> ColumnElement[Any]:
    """A date column as the driver returns it (SQLite: its stored text), without the
    ``UTCDateTime`` processing: ``_utc`` does the same for much less."""
    return type_coerce(column, String()).label(name)


SUBMISSIONS = (
    select(
        _S.id,
        _S.repository,
        _S.pull_number,
        _S.head_sha,
        _S.assignment,
        _S.author_login,
        _raw(_S.submitted_at, "submitted_at"),
        _S.status,
        _S.reason,
        func.coalesce(_R.score, _S.score).label("score"),
        _R.raw_score,
        func.coalesce(_R.max_score, _S.max_score).label("max_score"),
        _raw(_S.created_at, "created_at"),
        _raw(_S.finished_at, "finished_at"),
    )
    .select_from(_S)
    .outerjoin(_R, _R.submission_id == _S.id)
    .where(_S.held.is_(False))
)
"""The columns of ``course.SubmissionRow`` in its fields' order; the result's scores win.
Held submissions (a regrade's preview) are left out until their batch is applied."""
ORDER = (_S.submitted_at, _S.created_at, _S.id)
"""``course_submissions``' order (``course.submission_order`` in Python)."""


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
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(*ORDER)).all()  # one fetch, not one per row
        # Past CHUNK logins the filter is here: one query, no IN list near a parameter limit.
        return _records(row for row in rows if wanted is None or row.author_login in wanted)

    def changed_since(
        self, course: str, assignments: Sequence[str], watermark: Any = None
    ) -> SubmissionChanges:
        """The submissions of these assignments changed since ``watermark`` (every one when
        None), oldest first: those whose ``updated_at`` falls between the previous read less
        ``CHANGE_SLACK`` and this read plus as much (by this store's clock, which is the
        watermark); then their count and the course's newest audit entry."""
        if watermark is not None and not isinstance(watermark, datetime):
            raise TypeError(f"changed_since: watermark {watermark!r} is not one it returned")
        read_at = self.clock()
        wanted = sorted(set(assignments))
        with self.engine.connect() as connection:
            if watermark is None:
                query: Select[Any] = SUBMISSIONS.where(_S.assignment.in_(wanted))
            else:  # the index on updated_at finds the window; other courses' rows go below
                query = SUBMISSIONS.where(
                    _S.updated_at > watermark - CHANGE_SLACK,
                    _S.updated_at <= read_at + CHANGE_SLACK,
                )
            found = connection.execute(query.order_by(*ORDER)).all() if wanted else []
            count = connection.execute(
                select(func.count())
                .select_from(_S)
                .where(_S.assignment.in_(wanted), _S.held.is_(False))
            ).scalar_one()
            audited = connection.execute(
                select(func.max(AuditRow.id)).where(AuditRow.course == course)
            ).scalar()
        of_course = set(wanted)
        rows = _records(row for row in found if row.assignment in of_course)
        return SubmissionChanges(rows, read_at, int(count), audited)

    def submission_row(self, submission_id: str) -> SubmissionRow | None:
        if not fits(submission_id, "submission_id"):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(SUBMISSIONS.where(_S.id == submission_id)).first()
        return None if row is None else _records([row])[0]

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


def _records(rows: Iterable[Sequence[Any]]) -> list[SubmissionRow]:
    """Rows of ``SUBMISSIONS`` as records (the columns are in the fields' order)."""
    texts: dict[Any, Any] = {}
    same = texts.setdefault  # one object per assignment, author, status: 60,000 rows share them
    return [
        SubmissionRow(
            sid,
            same(repository, repository),
            pull,
            sha,
            same(assignment, assignment),
            same(author, author),
            _when(submitted),
            same(status, status),
            reason,
            score,
            raw_score,
            max_score,
            _when(created),
            _utc(finished),
        )
        for (sid, repository, pull, sha, assignment, author, submitted, status, reason, score,
             raw_score, max_score, created, finished) in rows
    ]  # fmt: skip


def _utc(value: str | datetime | None) -> datetime | None:
    """A date column's value as ``UTCDateTime`` reads it: SQLite's text (stored in UTC without
    a zone; SQLAlchemy parses it with ``fromisoformat``) or PostgreSQL's datetime, in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")  # SQLAlchemy's storage format
        except ValueError:  # text written another way (a zone already, no time)
            value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(value: str | datetime | None) -> datetime:
    """A NOT NULL date column's value (see ``_utc``)."""
    made = _utc(value)
    if made is None:  # pragma: no cover - the column is NOT NULL
        raise ValueError("a submission without a date")
    return made
