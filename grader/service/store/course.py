"""What the instructor console keeps: roster, extensions, overrides, regrade requests,
an audit trail and API tokens; and the light views of submissions its pages read.

Plain frozen records and the ``CourseStore`` protocol. ``SqlCourseStore`` (``course_sql.py``)
keeps them in the same database as the submissions, on SQLite and PostgreSQL. Every method
that changes something takes the ``actor`` (a GitHub login, or ``cli:<user>``) and writes an
``AuditEntry`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

RegradeState = Literal["open", "accepted", "declined"]


@dataclass(frozen=True)
class Student:
    """One student of one course's roster."""

    course: str
    key: str
    """Stable within the course: the roster's student id, else ``gh:<login>``."""
    login: str | None
    """GitHub login, lowercased; None until matched."""
    github_id: int | None
    student_id: str | None
    """The school's identifier (GitHub Classroom's ``identifier``)."""
    name: str | None
    email: str | None


@dataclass(frozen=True)
class Extension:
    """A student's own due date for one assignment."""

    course: str
    assignment: str
    student: str
    """The student's ``key``."""
    due: datetime
    reason: str
    granted_by: str
    granted_at: datetime


@dataclass(frozen=True)
class Override:
    """A grade set by hand for one student's assignment, replacing the computed one."""

    course: str
    assignment: str
    student: str
    score: float
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what, when, from what to what, and why."""

    id: int
    course: str
    at: datetime
    actor: str
    action: str
    """``roster.import``, ``roster.match``, ``extension.set``, ``extension.remove``,
    ``override.set``, ``override.remove``, ``regrade.open``, ``regrade.answer``; written from
    outside the store (``note``): ``canvas.push``, ``similarity.verdict``, ``regrade.start``,
    ``regrade.apply``, ``regrade.discard``, ``regrade.revert``, ``rerun.start``."""
    target: str
    """What it was done to, e.g. ``week01-generators/s123`` or a submission id."""
    before: str | None
    after: str | None
    reason: str | None


@dataclass(frozen=True)
class RegradeRequest:
    """A student's request that staff look at a graded submission again."""

    id: int
    course: str
    submission_id: str
    login: str
    message: str
    status: RegradeState
    response: str | None
    opened_at: datetime
    answered_by: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class ApiToken:
    """A token a script sends as ``Authorization: Bearer``; only its hash is stored."""

    id: int
    login: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class SubmissionRow:
    """The few columns of a submission (and its result) the console's pages read."""

    id: str
    repository: str
    pull_number: int | None
    head_sha: str
    assignment: str
    author_login: str | None
    """The pull request's author, lowercased (the student)."""
    submitted_at: datetime
    status: str
    reason: str | None
    score: float | None
    """After the late policy applied when it was graded."""
    raw_score: float | None
    """Before any late penalty; None for a result saved before this column existed."""
    max_score: float | None
    created_at: datetime
    finished_at: datetime | None


def submission_order(row: SubmissionRow) -> tuple[datetime, datetime, str]:
    """The sort key of ``course_submissions``' order: oldest submitted first, then oldest
    created (a regrade after its push), then by id."""
    return (row.submitted_at, row.created_at, row.id)


@dataclass(frozen=True)
class SubmissionChanges:
    """What ``CourseStore.changed_since`` read: the submissions changed since a watermark,
    and what tells a reader whether it has missed any."""

    rows: list[SubmissionRow]
    """The submissions of the assignments stored or updated since the watermark (every one
    when there was none), in ``course_submissions``' order."""
    watermark: Any
    """Opaque; pass it to the next ``changed_since`` to read what changed after this read."""
    count: int
    """How many submissions the assignments have in all, counted after reading ``rows``: a
    reader holding fewer or more after applying ``rows`` missed something (a row written
    with a time far from the store's clock) and reads everything again."""
    audited: int | None
    """The course's newest audit entry (roster, extensions, overrides); None: none yet."""


class CourseStore(Protocol):
    """The console's data. Logins are compared lowercased."""

    # --- roster --------------------------------------------------------------------------

    def upsert_students(
        self, course: str, students: Sequence[Student], actor: str
    ) -> tuple[int, int]:
        """Add or update students by key; (added, updated). One audit entry for the import."""

    def students(self, course: str) -> list[Student]:
        """The roster, by name then key."""

    def student(self, course: str, key: str) -> Student | None: ...

    def student_by_login(self, course: str, login: str) -> Student | None: ...

    def match_login(self, course: str, key: str, login: str, actor: str) -> Student:
        """Give a roster student a GitHub login (matched by hand); raises KeyError when the
        key is not on the roster and ValueError when another student has that login."""

    # --- extensions and overrides ---------------------------------------------------------

    def set_extension(self, extension: Extension) -> None:
        """Create or replace the student's due date for the assignment (audited)."""

    def remove_extension(self, course: str, assignment: str, student: str, actor: str) -> bool: ...

    def extensions(self, course: str) -> list[Extension]: ...

    def set_override(self, override: Override) -> None:
        """Create or replace the student's grade for the assignment (audited: before, after)."""

    def remove_override(self, course: str, assignment: str, student: str, actor: str) -> bool: ...

    def overrides(self, course: str) -> list[Override]: ...

    # --- regrade requests -----------------------------------------------------------------

    def open_regrade_request(
        self, course: str, submission_id: str, login: str, message: str
    ) -> RegradeRequest: ...

    def answer_regrade_request(
        self, request_id: int, status: RegradeState, response: str, actor: str
    ) -> RegradeRequest | None:
        """Accept or decline an open request; None when there is no such open request."""

    def regrade_requests(
        self, course: str, *, submission_id: str | None = None, login: str | None = None
    ) -> list[RegradeRequest]: ...

    def audit(
        self, course: str, limit: int = 200, *, action: str | None = None
    ) -> list[AuditEntry]:
        """Newest first; only those of ``action`` when given."""

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
        """Write one audit entry for an action taken outside this store (``canvas.push``,
        ``similarity.verdict``, ``regrade.*``, ``rerun.start``)."""

    # --- API tokens -----------------------------------------------------------------------

    def create_token(self, login: str, name: str) -> tuple[ApiToken, str]:
        """A new token and its secret (shown once; only a hash is kept)."""

    def token_login(self, secret: str) -> str | None:
        """The login a live token belongs to (noting its use); None when unknown or revoked."""

    def tokens(self, login: str) -> list[ApiToken]: ...

    def revoke_token(self, login: str, token_id: int) -> bool: ...

    # --- reading submissions --------------------------------------------------------------

    def course_submissions(
        self, assignments: Sequence[str], *, logins: Sequence[str] | None = None
    ) -> list[SubmissionRow]:
        """Every submission of these assignments (of these authors when given), oldest first;
        regrades and superseded pushes included (their ``status`` says)."""

    def submission_row(self, submission_id: str) -> SubmissionRow | None: ...

    def changed_since(
        self, course: str, assignments: Sequence[str], watermark: Any = None
    ) -> SubmissionChanges:
        """The submissions of these assignments changed since ``watermark`` (an earlier
        answer's; None: every submission), with the new watermark, the submissions' count and
        the course's newest audit entry: what a reader keeping them up to date asks each time.

        A submission counts as changed when its ``updated_at`` is past the earlier read minus
        a slack (the writers' clocks and their transactions' length); the slack's rows come
        again each time, so a reader compares before recomputing. Rows dated far from the
        store's clock (bulk-loaded history, a writer's clock hours off) are outside the window:
        the count tells a missed insert, not a missed update."""

    def reports(self, submission_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The saved reports (``grader.report/v1`` JSON) of these submissions, by id."""
