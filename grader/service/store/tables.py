"""The SQLAlchemy tables behind ``SqlStore`` and ``SqlCourseStore``; the Alembic migrations
create them.

Only ``sql.py``, ``bulk.py`` and the ``course_*.py`` modules (and the migrations' ``env.py``)
touch these rows; everything else sees the plain records of ``records.py`` and ``course.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from grader.service.store.records import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


AutoId = BigInteger().with_variant(Integer, "sqlite")
"""An autoincrement key: 64-bit on PostgreSQL; SQLite numbers only an ``INTEGER PRIMARY KEY``."""


class DeliveryRow(Base):
    """One webhook delivery (see ``records.Delivery``)."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32), default="received")
    detail: Mapped[str | None] = mapped_column(Text)
    submission_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class InstallationRow(Base):
    """A GitHub App installation, as its ``installation`` events describe it."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    repositories: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SubmissionRow(Base):
    """One commit of one pull request to grade (see ``records.Submission``)."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    repository: Mapped[str] = mapped_column(String(255), index=True)
    pull_number: Mapped[int | None] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(64))
    head_repository: Mapped[str] = mapped_column(String(255))
    head_ref: Mapped[str | None] = mapped_column(String(255))
    base_sha: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(Integer)
    assignment: Mapped[str] = mapped_column(String(128), index=True)
    rubric_path: Mapped[str] = mapped_column(Text)
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    paths: Mapped[list[str] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivery_id: Mapped[str | None] = mapped_column(String(64))
    regrade: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    """Indexed: the console reads the submissions changed since its last read."""
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    check_run_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    author_login: Mapped[str | None] = mapped_column(String(255), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[str] = mapped_column(String(16), default="interactive")
    batch_id: Mapped[str | None] = mapped_column(String(32), index=True)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    replaces: Mapped[str | None] = mapped_column(String(32))


class AttemptRow(Base):
    """One worker's try at a submission (see ``records.Attempt``)."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    worker: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


class ResultRow(Base):
    """A submission's graded report (see ``records.Result``)."""

    __tablename__ = "results"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    raw_score: Mapped[float | None] = mapped_column(Float)
    """Before the late penalty; ahead of ``report`` so a read of the scores skips the JSON."""
    status: Mapped[str] = mapped_column(String(16))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    image_digest: Mapped[str | None] = mapped_column(String(128))
    durations: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    duration: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicationRow(Base):
    """One thing posted to GitHub for a submission (see ``records.Publication``)."""

    __tablename__ = "publications"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="sending")
    github_id: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- the instructor console (see ``course.py``) ----------------------------------------------


class StudentRow(Base):
    """One student of a course's roster (see ``course.Student``)."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("course", "login", name="uq_students_course_login"),)
    """One student per login in a course; NULL logins (not yet matched) never collide."""

    course: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    login: Mapped[str | None] = mapped_column(String(255), index=True)
    github_id: Mapped[int | None] = mapped_column(BigInteger)
    student_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))


class ExtensionRow(Base):
    """A student's own due date for an assignment (see ``course.Extension``)."""

    __tablename__ = "extensions"

    course: Mapped[str] = mapped_column(String(128), primary_key=True)
    assignment: Mapped[str] = mapped_column(String(128), primary_key=True)
    student: Mapped[str] = mapped_column(String(255), primary_key=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OverrideRow(Base):
    """A grade set by hand (see ``course.Override``)."""

    __tablename__ = "overrides"

    course: Mapped[str] = mapped_column(String(128), primary_key=True)
    assignment: Mapped[str] = mapped_column(String(128), primary_key=True)
    student: Mapped[str] = mapped_column(String(255), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """One change the console made (see ``course.AuditEntry``)."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    course: Mapped[str] = mapped_column(String(128), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(512))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class RegradeRequestRow(Base):
    """A student's request for another look (see ``course.RegradeRequest``)."""

    __tablename__ = "regrade_requests"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    course: Mapped[str] = mapped_column(String(128), index=True)
    submission_id: Mapped[str] = mapped_column(String(32), index=True)
    login: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    response: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(255))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiTokenRow(Base):
    """A script's bearer token, kept as the SHA-256 of its secret (see ``course.ApiToken``)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- class-scale operations ------------------------------------------------------------------


class BatchRow(Base):
    """One piece of bulk work an instructor started: a regrade (previewed, then applied,
    discarded or reverted), a rerun of what the platform failed, the deferred pushes graded
    at the due date. Its submissions carry its id (``submissions.batch_id``)."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    course: Mapped[str] = mapped_column(String(128), index=True)
    assignment: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    """``regrade``, ``rerun`` or ``deferred``."""
    state: Mapped[str] = mapped_column(String(16), default="grading")
    """``grading`` (its submissions are queued), ``applied``, ``discarded``, ``reverted``."""
    preview: Mapped[bool] = mapped_column(Boolean, default=True)
    """True: its submissions are held until an instructor applies it."""
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class SourceRow(Base):
    """The Python files of a graded submission's folder, kept for the similarity report
    (bounded: ``sources.MAX_BYTES`` of text per submission)."""

    __tablename__ = "sources"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    """Path (relative to the graded folder) -> text."""
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
