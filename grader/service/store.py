"""The service's store: deliveries, submissions, attempts, results and what was posted to GitHub.

SQLAlchemy 2 over SQLite (a file in the data dir) or PostgreSQL (``DATABASE_URL``);
the schema is owned by the Alembic migrations in ``grader/service/migrations``. Every
state change is one short transaction, and the few that race (claiming a job,
recording a delivery, de-duplicating a push) rely on the database's own
atomicity: a unique key or a conditional ``UPDATE``, never read-then-write.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    case,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

SubmissionStatus = Literal[
    "queued", "running", "graded", "superseded", "rejected", "failed", "ignored"
]
"""``queued``/``running``: in the pipeline. ``graded``: a result exists. ``superseded``: a
newer push to the same pull request replaced it. ``rejected``: the submission could not be
graded for a reason of its own (an unsafe archive). ``failed``: the platform gave up after
its retries. ``ignored``: no changed path belongs to the assignment."""
ACTIVE: tuple[SubmissionStatus, ...] = ("queued", "running")
PublicationState = Literal["pending", "sending", "done", "abandoned"]


def utcnow() -> datetime:
    return datetime.now(UTC)


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


class Delivery(Base):
    """One webhook delivery, by GitHub's ``X-GitHub-Delivery`` id (the same on a redelivery)."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(32), default="received")
    """``received`` until handled, then ``accepted``, ``ignored``, ``duplicate`` or ``recorded``."""
    detail: Mapped[str | None] = mapped_column(Text)
    submission_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class Installation(Base):
    """A GitHub App installation, as its ``installation`` events describe it."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    repositories: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Submission(Base):
    """One commit of one pull request to grade against one assignment's rubric."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    repository: Mapped[str] = mapped_column(String(255), index=True)
    """The base repository (where the pull request, check run and review live)."""
    pull_number: Mapped[int | None] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(64))
    head_repository: Mapped[str] = mapped_column(String(255))
    """Where the code is: the fork for a pull request from a fork."""
    head_ref: Mapped[str | None] = mapped_column(String(255))
    base_sha: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(Integer)
    assignment: Mapped[str] = mapped_column(String(128), index=True)
    rubric_path: Mapped[str] = mapped_column(Text)
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    paths: Mapped[list[str] | None] = mapped_column(JSON)
    """Globs a changed path must match for the assignment to apply; None: any change."""
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    """When GitHub told us of the push (the late policy's clock)."""
    delivery_id: Mapped[str | None] = mapped_column(String(64))
    regrade: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    """(repository, head SHA, assignment, rubric hash); None for a regrade."""
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    check_run_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)


class Attempt(Base):
    """One worker's try at a submission."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    worker: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    """``graded``, ``retry`` (a platform fault), ``rejected``, ``failed``, ``superseded``."""
    error: Mapped[str | None] = mapped_column(Text)


class Result(Base):
    """A submission's graded report."""

    __tablename__ = "results"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    image_digest: Mapped[str | None] = mapped_column(String(128))
    durations: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    """Seconds per step: fetch, grade, publish."""
    duration: Mapped[float] = mapped_column(Float)
    """Seconds from the delivery to the graded report."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Publication(Base):
    """One thing posted to GitHub for a submission, so a retry never posts it twice."""

    __tablename__ = "publications"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    """``check_run``, ``annotations``, ``status``, ``review``, ``comment``."""
    state: Mapped[str] = mapped_column(String(16), default="sending")
    github_id: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """How many items of a batched post went through (annotations)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def dedupe_key(repository: str, head_sha: str, assignment: str, rubric_sha256: str) -> str:
    """The key that keeps one commit from being graded twice against the same rubric."""
    raw = "\0".join((repository.lower(), head_sha, assignment, rubric_sha256))
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewSubmission:
    """What the webhook knows of a push to grade."""

    repository: str
    pull_number: int | None
    head_sha: str
    head_repository: str
    head_ref: str | None
    base_sha: str | None
    installation_id: int | None
    assignment: str
    rubric_path: str
    rubric_sha256: str
    paths: list[str] | None = None
    delivery_id: str | None = None
    regrade: bool = False


@dataclass(frozen=True)
class Stored:
    """The submission a delivery maps to, and whether this delivery created it."""

    id: str
    created: bool
    superseded: tuple[str, ...] = ()


class Store:
    """Every database access of the service."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self.sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call from every process)."""
        from grader.service.migrate import upgrade

        upgrade(self.engine)

    def ping(self) -> None:
        """Raise when the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    # --- deliveries -------------------------------------------------------------------

    def begin_delivery(self, delivery_id: str, event: str, action: str | None) -> Delivery | None:
        """Record a delivery; None when it is new, else the earlier one.

        A delivery seen before but never finished (``received``: the process died
        between storing and answering) is handed back as new, so its work is redone;
        the submission's own key keeps it from being graded twice.
        """
        try:
            with self.session() as session:
                session.add(Delivery(id=delivery_id, event=event, action=action))
            return None
        except IntegrityError:
            with self.session() as session:
                earlier = session.get(Delivery, delivery_id)
                if earlier is None or earlier.outcome == "received":
                    return None
                session.expunge(earlier)
                return earlier

    def finish_delivery(
        self, delivery_id: str, outcome: str, detail: str | None, submission_ids: Sequence[str] = ()
    ) -> None:
        with self.session() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(outcome=outcome, detail=detail, submission_ids=list(submission_ids))
            )

    def record_installation(
        self, installation_id: int, account: str, action: str, repositories: list[str]
    ) -> None:
        with self.session() as session:
            row = session.get(Installation, installation_id)
            if row is None:
                session.add(
                    Installation(
                        id=installation_id,
                        account=account,
                        action=action,
                        repositories=repositories,
                    )
                )
            else:
                row.account, row.action = account, action
                if repositories:
                    row.repositories = repositories

    # --- submissions ------------------------------------------------------------------

    def add_submission(self, new: NewSubmission) -> Stored:
        """Store a submission, or find the one already graded for the same commit and rubric.

        A new submission supersedes the queued or running ones of the same pull request
        and assignment: their workers close their check runs as skipped or cancelled.
        """
        key = (
            None
            if new.regrade
            else dedupe_key(new.repository, new.head_sha, new.assignment, new.rubric_sha256)
        )
        submission_id = uuid.uuid4().hex
        try:
            with self.session() as session:
                session.add(
                    Submission(
                        id=submission_id,
                        dedupe_key=key,
                        **asdict(new),
                    )
                )
                session.flush()
                superseded = self._supersede(session, new, submission_id)
            return Stored(submission_id, created=True, superseded=superseded)
        except IntegrityError:
            with self.session() as session:
                existing = session.scalar(select(Submission.id).where(Submission.dedupe_key == key))
            if existing is None:  # pragma: no cover - a unique violation names an existing row
                raise
            return Stored(existing, created=False)

    @staticmethod
    def _supersede(session: Session, new: NewSubmission, newer: str) -> tuple[str, ...]:
        if new.pull_number is None:
            return ()
        older = session.scalars(
            select(Submission.id).where(
                Submission.repository == new.repository,
                Submission.pull_number == new.pull_number,
                Submission.assignment == new.assignment,
                Submission.status.in_(ACTIVE),
                Submission.id != newer,
            )
        ).all()
        if older:
            session.execute(
                update(Submission)
                .where(Submission.id.in_(older), Submission.status.in_(ACTIVE))
                .values(
                    status="superseded", superseded_by=newer, reason="a newer push superseded it"
                )
            )
        return tuple(older)

    def get(self, submission_id: str) -> Submission | None:
        with self.session() as session:
            row = session.get(Submission, submission_id)
            if row is not None:
                session.expunge(row)
            return row

    def result(self, submission_id: str) -> Result | None:
        with self.session() as session:
            row = session.get(Result, submission_id)
            if row is not None:
                session.expunge(row)
            return row

    def mark_enqueued(self, submission_id: str) -> None:
        self._set(submission_id, enqueued_at=utcnow())

    def unqueued(self, older_than: timedelta) -> list[str]:
        """Queued submissions never handed to the broker (it was down when they arrived)."""
        cutoff = utcnow() - older_than
        with self.session() as session:
            return list(
                session.scalars(
                    select(Submission.id).where(
                        Submission.status == "queued",
                        Submission.enqueued_at.is_(None),
                        Submission.created_at < cutoff,
                    )
                )
            )

    def claim(self, submission_id: str, owner: str, lease: timedelta) -> datetime | None:
        """Take a submission to grade; None when taken, else when the holder's lease ends.

        The claim succeeds when the submission is queued, or running under a lease
        that ran out (its worker died); a live lease means another worker has it.
        """
        now = utcnow()
        with self.session() as session:
            taken = session.execute(
                update(Submission)
                .where(
                    Submission.id == submission_id,
                    or_(
                        Submission.status == "queued",
                        (Submission.status == "running")
                        & or_(Submission.lease_until.is_(None), Submission.lease_until < now),
                    ),
                )
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_until=now + lease,
                    started_at=func.coalesce(Submission.started_at, now),
                    attempts=Submission.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) == 1:
                session.add(Attempt(submission_id=submission_id, worker=owner))
                return None
            row = session.get(Submission, submission_id)
            if row is None or row.status != "running" or row.lease_until is None:
                return now
            return row.lease_until

    def renew(self, submission_id: str, owner: str, lease: timedelta) -> bool:
        """Extend a lease this worker holds; False when it lost it (superseded, taken over)."""
        with self.session() as session:
            renewed = session.execute(
                update(Submission)
                .where(
                    Submission.id == submission_id,
                    Submission.status == "running",
                    Submission.lease_owner == owner,
                )
                .values(lease_until=utcnow() + lease)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(renewed) == 1

    def finish(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        reason: str | None = None,
        outcome: str | None = None,
        only_if: Sequence[str] = ACTIVE,
    ) -> bool:
        """Move an active submission to a final status; False when it was not active."""
        now = utcnow()
        with self.session() as session:
            done = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status.in_(only_if))
                .values(status=status, reason=reason, finished_at=now, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            self._close_attempt(session, submission_id, outcome or status, reason)
            return _rowcount(done) == 1

    def note_attempt(self, submission_id: str, outcome: str, error: str | None) -> None:
        """Close the open attempt without changing the submission (a retry follows)."""
        with self.session() as session:
            self._close_attempt(session, submission_id, outcome, error)
            session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status == "running")
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )

    @staticmethod
    def _close_attempt(
        session: Session, submission_id: str, outcome: str, error: str | None
    ) -> None:
        attempt = session.scalar(
            select(Attempt)
            .where(Attempt.submission_id == submission_id, Attempt.finished_at.is_(None))
            .order_by(Attempt.id.desc())
            .limit(1)
        )
        if attempt is not None:
            attempt.finished_at, attempt.outcome, attempt.error = utcnow(), outcome, error

    def save_result(self, submission_id: str, result: Result) -> bool:
        """Store the report and mark the submission graded; False when it is no longer active."""
        with self.session() as session:
            done = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status.in_(ACTIVE))
                .values(
                    status="graded",
                    finished_at=utcnow(),
                    lease_until=None,
                    score=result.score,
                    max_score=result.max_score,
                    reason=None,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(done) != 1:
                return False
            session.merge(result)
            self._close_attempt(session, submission_id, "graded", None)
            return True

    def set_check_run(self, submission_id: str, check_run_id: int) -> None:
        self._set(submission_id, check_run_id=check_run_id)

    def _set(self, submission_id: str, **values: Any) -> None:
        with self.session() as session:
            session.execute(
                update(Submission)
                .where(Submission.id == submission_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    # --- publications -----------------------------------------------------------------

    def publication(self, submission_id: str, kind: str) -> Publication | None:
        with self.session() as session:
            row = session.get(Publication, (submission_id, kind))
            if row is not None:
                session.expunge(row)
            return row

    def publish(
        self,
        submission_id: str,
        kind: str,
        state: PublicationState,
        *,
        github_id: int | None = None,
        progress: int | None = None,
    ) -> None:
        """Record the state of a post before sending it and after it went through."""
        with self.session() as session:
            row = session.get(Publication, (submission_id, kind))
            if row is None:
                row = Publication(submission_id=submission_id, kind=kind, progress=0)
                session.add(row)
            row.state = state
            if github_id is not None:
                row.github_id = github_id
            if progress is not None:
                row.progress = progress

    # --- reading ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Submissions by status."""
        with self.session() as session:
            rows = session.execute(
                select(Submission.status, func.count()).group_by(Submission.status)
            ).all()
        return {str(status): int(count) for status, count in rows}

    def verdicts(self) -> dict[str, int]:
        """Graded results by report status (`graded`, `incomplete`)."""
        with self.session() as session:
            rows = session.execute(
                select(Result.status, func.count()).group_by(Result.status)
            ).all()
        return {str(status): int(count) for status, count in rows}

    def durations(self, buckets: Sequence[float]) -> tuple[list[int], float, int]:
        """Cumulative counts of grading durations at each bucket bound, their sum and count."""
        at_most = [func.sum(case((Result.duration <= bound, 1), else_=0)) for bound in buckets]
        with self.session() as session:
            row = session.execute(
                select(func.coalesce(func.sum(Result.duration), 0.0), func.count(), *at_most)
            ).one()
        total, count, *cumulative = row
        return [int(n or 0) for n in cumulative], float(total), int(count)


def regrade_of(original: Submission, rubric_sha256: str) -> NewSubmission:
    """A new submission grading the same commit again, with the assignment's current rubric."""
    same = {field.name: getattr(original, field.name) for field in fields(NewSubmission)}
    return NewSubmission(
        **{**same, "rubric_sha256": rubric_sha256, "delivery_id": None, "regrade": True}
    )


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine with the settings each backend needs under concurrent workers."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets the API read while a worker writes; busy_timeout waits out a writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
