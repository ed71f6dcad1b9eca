"""The plain values the store takes and returns: frozen, detached from any database session.

A caller reads a record and hands changes back through the store's methods; it never
modifies a record to change what is stored. The attribute names are the columns'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

SubmissionStatus = Literal[
    "queued",
    "running",
    "graded",
    "superseded",
    "rejected",
    "failed",
    "ignored",
    "deferred",
    "reverted",
    "discarded",
]
"""``queued``/``running``: in the pipeline. ``graded``: a result exists. ``superseded``: a
newer push to the same pull request replaced it. ``rejected``: the submission could not be
graded for a reason of its own (an unsafe archive). ``failed``: the platform gave up after
its retries. ``ignored``: no changed path belongs to the assignment. ``deferred``: pushed
over the assignment's feedback budget: recorded, graded later only if it is the one that
counts. ``reverted``: a regrade an instructor applied and then took back (the result it
replaced counts again). ``discarded``: a previewed regrade an instructor threw away."""
ACTIVE: tuple[SubmissionStatus, ...] = ("queued", "running")
Priority = Literal["interactive", "bulk"]
"""``interactive``: a student's push, graded first. ``bulk``: batch work an instructor
started (a regrade, a rerun), graded when no interactive work waits."""
PublicationState = Literal["pending", "sending", "done", "abandoned", "skipped"]
"""``skipped``: a write that could be left out was (a commit status at a deadline)."""

Clock = Callable[[], datetime]
"""The store's idea of now (timezone-aware UTC); tests pass one they can move forward."""


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    submitted_at: datetime | None = None
    """When GitHub says the pull request got this head (its ``updated_at``); now when None.

    Deliveries can arrive out of order: a push supersedes only the pull request's
    submissions submitted at or before it, and one submitted before an existing
    submission of the same pull request and assignment is stored already superseded.
    """
    author_login: str | None = None
    """The pull request's author (the student), lowercased here; None when GitHub named none."""
    author_id: int | None = None
    """The author's GitHub user id (a login can be renamed; the id stays)."""
    priority: Priority = "interactive"
    """Which work goes first (see ``Priority``)."""
    batch_id: str | None = None
    """The bulk run (``batches``) this submission belongs to; None for a push."""
    held: bool = False
    """Graded but neither published nor counted until an instructor applies its batch (a
    regrade's preview); the console's views leave held submissions out."""
    replaces: str | None = None
    """The submission this one grades again (a regrade): its result is what a revert brings
    back, and its feedback on GitHub (that of the first submission of the chain) is edited
    instead of new posts."""

    def __post_init__(self) -> None:
        if self.author_login is not None:
            object.__setattr__(self, "author_login", self.author_login.lower())


@dataclass(frozen=True)
class Stored:
    """The submission a delivery maps to, and whether this delivery created it."""

    id: str
    created: bool
    superseded: tuple[str, ...] = ()
    outdated_by: str | None = None
    """Set when the push arrived after a newer one: stored as superseded by that one."""


@dataclass(frozen=True)
class Submission:
    """One commit of one pull request to grade against one assignment's rubric, as stored."""

    id: str
    repository: str
    """The base repository (where the pull request, check run and review live)."""
    pull_number: int | None
    head_sha: str
    head_repository: str
    """Where the code is: the fork for a pull request from a fork."""
    head_ref: str | None
    base_sha: str | None
    installation_id: int | None
    assignment: str
    rubric_path: str
    rubric_sha256: str
    paths: list[str] | None
    """Globs a changed path must match for the assignment to apply; None: any change."""
    submitted_at: datetime
    """When GitHub told us of the push (the late policy's clock)."""
    delivery_id: str | None
    regrade: bool
    dedupe_key: str | None
    """(repository, head SHA, assignment, rubric hash); None for a regrade."""
    status: str
    reason: str | None
    superseded_by: str | None
    enqueued_at: datetime | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int
    check_run_id: int | None
    score: float | None
    max_score: float | None
    author_login: str | None = None
    """The pull request's author, lowercased (the student); None before it was recorded."""
    author_id: int | None = None
    """The author's GitHub user id (a login can be renamed; the id stays)."""
    priority: Priority = "interactive"
    """Which work goes first (see ``Priority``)."""
    batch_id: str | None = None
    """The bulk run (``batches``) this submission belongs to; None for a push."""
    held: bool = False
    """Graded but neither published nor counted until an instructor applies its batch (a
    regrade's preview); the console's views leave held submissions out."""
    replaces: str | None = None
    """The submission this one grades again (a regrade): its result is what a revert brings
    back, and its feedback on GitHub (that of the first submission of the chain) is edited
    instead of new posts."""

    @property
    def edits_original(self) -> bool:
        """A preview or a regrade: it never has a check run of its own, and what it publishes
        edits its original's posts."""
        return self.held or self.replaces is not None


@dataclass(frozen=True)
class Attempt:
    """One worker's try at a submission."""

    submission_id: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    """``graded``, ``retry`` (a platform fault), ``rejected``, ``failed``, ``superseded``."""
    error: str | None


@dataclass(frozen=True)
class Result:
    """A submission's graded report: built by the worker, saved once by the store."""

    submission_id: str
    score: float
    max_score: float
    status: str
    """The report's verdict: ``graded`` or ``incomplete``."""
    report: dict[str, Any]
    rubric_sha256: str
    image_digest: str | None
    durations: dict[str, float]
    """Seconds per step: fetch, grade, publish."""
    duration: float
    """Seconds from the delivery to the graded report."""
    created_at: datetime = field(default_factory=utcnow)
    raw_score: float | None = None
    """The criteria's total before the late penalty; None for a result saved without it."""


@dataclass(frozen=True)
class Publication:
    """One thing posted to GitHub for a submission, so a retry never posts it twice."""

    submission_id: str
    kind: str
    """``check_run``, ``annotations``, ``status``, ``review``, ``comment``."""
    state: str
    github_id: int | None
    progress: int
    """How many items of a batched post went through (annotations)."""
    updated_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery, by GitHub's ``X-GitHub-Delivery`` id (the same on a redelivery)."""

    id: str
    event: str
    action: str | None
    received_at: datetime
    outcome: str
    """``received`` until handled, then ``accepted``, ``ignored``, ``duplicate`` or ``recorded``;
    ``failed`` when handling raised (GitHub's redelivery is handled anew)."""
    detail: str | None
    submission_ids: list[str]


RECLAIM_AFTER = timedelta(seconds=60)
"""A delivery still ``received`` this long after it arrived was dropped by a dead process.

Younger, it is being handled right now by another request or worker (GitHub's own
timeout is 10 s), and a copy of it is answered "duplicate" instead of handled twice.
"""


OUTDATED = "a newer push of the pull request was delivered first"
"""The reason of a push stored already superseded (its delivery came after a newer one's)."""


def dedupe_key(repository: str, head_sha: str, assignment: str, rubric_sha256: str) -> str:
    """The key that keeps one commit from being graded twice against the same rubric."""
    raw = "\0".join((repository.lower(), head_sha, assignment, rubric_sha256))
    return hashlib.sha256(raw.encode()).hexdigest()


def regrade_of(
    original: Submission,
    rubric_sha256: str,
    *,
    batch_id: str | None = None,
    held: bool = False,
    priority: Priority = "bulk",
) -> NewSubmission:
    """A new submission grading the same commit again, with the assignment's current rubric.

    It takes over the original's feedback on GitHub (``replaces``: the original; its check
    run and report, or those of the first submission of the chain, are edited); ``held``
    keeps it a preview until its batch is applied.
    """
    same = {f.name: getattr(original, f.name) for f in fields(NewSubmission)}
    return NewSubmission(
        **{
            **same,
            "rubric_sha256": rubric_sha256,
            "delivery_id": None,
            "regrade": True,
            "submitted_at": original.submitted_at,  # the late policy keeps the push's own time
            "priority": priority,
            "batch_id": batch_id,
            "held": held,
            "replaces": original.id,
        }
    )
