"""What a worker does with a submission: announce it, fetch it, grade it, publish the result.

Plain functions over a ``Services`` bundle, so the Celery tasks stay thin and
every step can be run (and tested) without a broker. Each step is idempotent:
the store records how far a submission got (its status, its check run, every
post in ``publications``), so a redelivered or retried job picks up where the
last one stopped and never posts the same feedback twice.

Faults and who pays for them:

* the student's code fails, times out or blows up: a graded report, published;
* the student's archive is unsafe or too big: ``rejected``, published with why;
* GitHub, Docker, the network or the grader fail: ``PlatformError`` escapes and
  the task retries with backoff; after the last retry the submission is
  ``failed`` and GitHub shows "not graded" (neutral), never a score of 0.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from github.PullRequest import ReviewComment

from grader.errors import (
    ArchiveError,
    FetchError,
    GitHubRejected,
    GitHubUnavailable,
    LeaseHeld,
    PlatformError,
    RateLimited,
)
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.model import Report
from grader.sandbox.protocol import Sandbox
from grader.service import logs
from grader.service.courses import Courses, Route
from grader.service.fetch import download, extract_tarball
from grader.service.github import feedback
from grader.service.github.client import GitHubClient
from grader.service.store import ACTIVE, Result, Store, Submission
from grader.settings import ServiceSettings

log = logs.get(__name__)


def new_owner() -> str:
    """A lease owner id for one task run: this host and process, and a random part.

    Made at call time: every process forked from one parent, and every task run
    in it, gets its own, so one can never renew a lease another took over.
    """
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Services:
    """Everything a job talks to."""

    settings: ServiceSettings
    store: Store
    github: GitHubClient
    courses: Courses
    sandbox: Callable[[], Sandbox]
    """Opens the sandbox (the Docker engine) when a job first needs it."""
    owner: str = field(default_factory=new_owner)
    """Who holds the submissions this bundle claims: give each task run its own (``new_owner``)."""
    lease: timedelta = timedelta(seconds=30)


# --- announce ------------------------------------------------------------------------------


def announce(services: Services, submission_id: str) -> bool:
    """Show the student a queued check run at once; False when there is nothing to grade."""
    sub = services.store.get(submission_id)
    if sub is None or sub.status not in ACTIVE:
        return sub is not None
    logs.bind(submission_id=submission_id, repository=sub.repository)
    if _ignored_by_paths(services, sub):
        return False
    _ensure_check_run(services, sub, status="queued")
    return True


def _ignored_by_paths(services: Services, sub: Submission) -> bool:
    """Close the submission when the pull request changes none of the assignment's paths."""
    if sub.paths is None or sub.pull_number is None:
        return False
    diff = feedback.parse_diff(
        services.github.pull_diff(sub.repository, sub.installation_id, sub.pull_number)
    )
    route = services.courses.get(sub.assignment)
    if route is not None and route.wants(diff.paths):
        return False
    reason = f"no changed path matches {', '.join(sub.paths)}"
    services.store.finish(sub.id, "ignored", reason=reason)
    log.info("ignored", reason=reason)
    return True


def _ensure_check_run(services: Services, sub: Submission, *, status: str) -> int:
    """The submission's check run, created once (its id is stored before anything else)."""
    if sub.check_run_id is not None:
        if status == "in_progress":
            services.github.update_check_run(
                sub.repository,
                sub.installation_id,
                sub.check_run_id,
                status="in_progress",
                started_at=datetime.now(UTC),
            )
        return sub.check_run_id
    fields: dict[str, object] = {
        "name": _check_name(services, sub),
        "head_sha": sub.head_sha,
        "external_id": sub.id,
        "status": status,
    }
    if services.settings.public_url:
        fields["details_url"] = f"{services.settings.public_url.rstrip('/')}/submissions/{sub.id}"
    if status == "in_progress":
        fields["started_at"] = datetime.now(UTC)
    check_run_id = services.github.create_check_run(sub.repository, sub.installation_id, **fields)
    services.store.set_check_run(sub.id, check_run_id)
    return check_run_id  # the record is a snapshot: callers use this id, or get() it again


def _check_name(services: Services, sub: Submission) -> str:
    return f"{services.settings.check_name} / {sub.assignment}"


# --- grade ---------------------------------------------------------------------------------


def grade(services: Services, submission_id: str) -> str:
    """Take a submission as far as it can go; returns its final status.

    Raises ``PlatformError`` (retry later) when GitHub, Docker or the store fail.
    """
    sub = services.store.get(submission_id)
    if sub is None:
        log.warning("unknown submission", submission_id=submission_id)
        return "missing"
    logs.bind(submission_id=submission_id, repository=sub.repository, sha=sub.head_sha[:12])
    if sub.status in ACTIVE:
        _grade_active(services, sub)
        sub = services.store.get(submission_id) or sub
    _publish_final(services, sub)
    return sub.status


def _grade_active(services: Services, sub: Submission) -> None:
    holder = services.store.claim(sub.id, services.owner, services.lease)
    if holder is not None:
        raise LeaseHeld(max(1.0, (holder - datetime.now(UTC)).total_seconds()))
    log.info("grading", attempt=sub.attempts + 1, assignment=sub.assignment)
    with _lease(services, sub.id) as lost:
        # A check run exists only once announce found a path of the assignment's changed.
        if sub.check_run_id is None and _ignored_by_paths(services, sub):
            return
        _ensure_check_run(services, sub, status="in_progress")
        route = services.courses.get(sub.assignment)
        if route is None:
            services.store.finish(
                sub.id, "failed", reason=f"assignment {sub.assignment!r} is no longer configured"
            )
            return
        with tempfile.TemporaryDirectory(prefix="grader-job-") as scratch:
            started = time.monotonic()
            repo = _fetch(services, sub, Path(scratch))
            if repo is None:
                return
            fetched = time.monotonic()
            report = grade_submission(
                repo,
                route.loaded,
                services.sandbox(),
                GradeOptions(submitted_at=sub.submitted_at, workers=services.settings.workers),
            )
            graded = time.monotonic()
        if report.platform_failed and sub.attempts + 1 < MAX_ATTEMPTS:
            raise PlatformError("a grading tool failed; the score would be provisional")
        if lost.is_set():
            return  # superseded while grading: _publish_final closes the check run
        _save(services, sub, route, report, repo_prefix(route), fetched - started, graded - fetched)


MAX_ATTEMPTS = 5
"""Tries before a platform fault is given up on (the Celery task's retries agree)."""


@contextmanager
def _lease(services: Services, submission_id: str) -> Iterator[threading.Event]:
    """Renew the claim while the job runs; the event is set when the claim is lost."""
    lost, stop = threading.Event(), threading.Event()

    def renew() -> None:
        while not stop.wait(services.lease.total_seconds() / 3):
            try:
                if not services.store.renew(submission_id, services.owner, services.lease):
                    lost.set()
                    return
            except Exception:  # a store hiccup: try again at the next beat
                log.warning("lease renewal failed", exc_info=True)

    beat = threading.Thread(target=renew, name=f"lease-{submission_id[:8]}", daemon=True)
    beat.start()
    try:
        yield lost
    except Exception as exc:  # release the claim at once: the retry need not wait it out
        services.store.note_attempt(submission_id, "retry", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        stop.set()
        beat.join()


def _fetch(services: Services, sub: Submission, scratch: Path) -> Path | None:
    """Download and unpack the head commit; None when the archive was rejected."""
    limit = int(services.settings.max_archive)
    archive = scratch / "repo.tar.gz"
    try:
        _download(services, sub, archive, limit)
        return extract_tarball(
            archive,
            scratch / "repo",
            max_bytes=limit,
            max_files=services.settings.max_archive_files,
        )
    except ArchiveError as exc:
        services.store.finish(sub.id, "rejected", reason=f"the repository archive: {exc}")
        log.warning("archive rejected", reason=str(exc))
        return None
    except FetchError as exc:
        if not exc.retried:  # permanent (404...): a retry cannot help
            services.store.finish(sub.id, "failed", reason=str(exc))
            return None
        raise
    finally:
        archive.unlink(missing_ok=True)


def _download(services: Services, sub: Submission, archive: Path, limit: int) -> None:
    """The head commit's tarball: from the head repository (a fork's pull request is graded
    from the fork), else from the base repository, which holds every pull request's commits
    (a private fork the installation cannot read)."""
    token = services.github.token(sub.installation_id)
    sources = [sub.head_repository]
    if sub.head_repository.lower() != sub.repository.lower():
        sources.append(sub.repository)
    for number, source in enumerate(sources, start=1):
        try:
            download(
                services.github.tarball_url(source, sub.head_sha),
                archive,
                token=token,
                max_bytes=limit,
            )
            return
        except FetchError as exc:
            if not exc.permanent or number == len(sources):
                raise
            log.info("head repository unreadable; trying the base", error=str(exc))


def repo_prefix(route: Route) -> str:
    """Where the graded folder sits in the repository (``week01``), for GitHub's paths."""
    root = route.loaded.rubric.submission.root.strip("/")
    return "" if root in ("", ".") else root


def _save(
    services: Services,
    sub: Submission,
    route: Route,
    report: Report,
    prefix: str,
    fetch_seconds: float,
    grade_seconds: float,
) -> None:
    result = Result(
        submission_id=sub.id,
        score=report.score,
        max_score=report.max_score,
        status=report.status,
        report=report.model_dump(mode="json", by_alias=True),
        rubric_sha256=report.rubric.sha256,
        image_digest=report.sandbox.get("image_digest"),
        durations={"fetch": round(fetch_seconds, 3), "grade": round(grade_seconds, 3)},
        duration=(datetime.now(UTC) - sub.submitted_at).total_seconds(),
    )
    if services.store.save_result(sub.id, result):
        log.info("graded", score=report.score, max_score=report.max_score, prefix=prefix)


# --- publish -------------------------------------------------------------------------------


def _publish_final(services: Services, sub: Submission) -> None:
    """Post whatever the submission's final status calls for (each post once)."""
    closer = _CLOSERS.get(sub.status)
    if closer is not None:
        closer(services, sub)


def _publish_graded(services: Services, sub: Submission) -> None:
    stored = services.store.result(sub.id)
    if stored is not None:
        _publish_report(services, sub, Report.model_validate(stored.report))


def _publish_superseded(services: Services, sub: Submission) -> None:
    _close(
        services,
        sub,
        "cancelled" if sub.started_at is not None else "skipped",
        "Superseded",
        f"A newer push to this pull request superseded commit {sub.head_sha[:12]}; "
        "it is graded instead.",
    )


def _publish_rejected(services: Services, sub: Submission) -> None:
    _close(services, sub, "failure", "Could not grade this commit", sub.reason or "")
    _status(services, sub, "failure", "could not grade: see the check run")


def _publish_failed(services: Services, sub: Submission) -> None:
    _close(
        services,
        sub,
        "neutral",
        "Not graded: the grader failed",
        "The grading service could not grade this commit. This is not your fault, and "
        f"no score was recorded; push again or ask your instructor.\n\n> {sub.reason or ''}",
    )
    _status(services, sub, "error", "not graded: the grader failed")


def _publish_ignored(services: Services, sub: Submission) -> None:
    _close(services, sub, "skipped", "Nothing to grade", sub.reason or "")


_CLOSERS: dict[str, Callable[[Services, Submission], None]] = {
    "graded": _publish_graded,
    "superseded": _publish_superseded,
    "rejected": _publish_rejected,
    "failed": _publish_failed,
    "ignored": _publish_ignored,
}


def _close(services: Services, sub: Submission, conclusion: str, title: str, text: str) -> None:
    if sub.check_run_id is None or _done(services, sub, "check_run"):
        return
    services.github.update_check_run(
        sub.repository,
        sub.installation_id,
        sub.check_run_id,
        conclusion=conclusion,
        completed_at=datetime.now(UTC),
        output=feedback.message_note(f"{title}\n\n{text}"),
    )
    services.store.publish(sub.id, "check_run", "done")


def _status(services: Services, sub: Submission, state: str, description: str) -> None:
    if _done(services, sub, "status"):
        return
    fields: dict[str, object] = {
        "state": state,
        "description": description[: feedback.STATUS_LIMIT],
        "context": _check_name(services, sub),
    }
    if services.settings.public_url:
        fields["target_url"] = f"{services.settings.public_url.rstrip('/')}/submissions/{sub.id}"
    services.github.create_status(sub.repository, sub.installation_id, sub.head_sha, **fields)
    services.store.publish(sub.id, "status", "done")


def _done(services: Services, sub: Submission, kind: str) -> bool:
    row = services.store.publication(sub.id, kind)
    return row is not None and row.state == "done"


def _publish_report(services: Services, sub: Submission, report: Report) -> None:
    route = services.courses.get(sub.assignment)
    prefix = repo_prefix(route) if route is not None else ""
    _publish_check_run(services, sub, report, prefix)
    _status(services, sub, feedback.status_state(report), feedback.status_description(report))
    if sub.pull_number is not None:
        _publish_review(services, sub, report, prefix)


def _publish_check_run(services: Services, sub: Submission, report: Report, prefix: str) -> None:
    """Complete the check run, then append the annotations 50 at a time."""
    check_run_id = (
        _ensure_check_run(services, sub, status="in_progress")
        if sub.check_run_id is None
        else sub.check_run_id
    )
    row = services.store.publication(sub.id, "check_run")
    if row is not None and row.state == "done":
        return
    sent = row.progress if row is not None else 0
    notes = feedback.annotations_for(report, prefix, services.settings.max_annotations)
    output = feedback.check_output(report)
    first = row is None
    for batch in feedback.batches(notes[sent:]) if notes[sent:] else [[]]:
        fields: dict[str, object] = {"output": {**output, "annotations": batch}}
        if first:
            fields.update(conclusion=feedback.conclusion(report), completed_at=datetime.now(UTC))
            first = False
        services.github.update_check_run(
            sub.repository, sub.installation_id, check_run_id, **fields
        )
        sent += len(batch)
        services.store.publish(sub.id, "check_run", "sending", progress=sent)
    services.store.publish(sub.id, "check_run", "done", progress=sent)


def _publish_review(services: Services, sub: Submission, report: Report, prefix: str) -> None:
    """One review per graded commit; when its fate is unknown, a comment instead.

    The API offers no way to list a pull request's reviews, so a review whose
    request failed ambiguously (a 5xx, a timeout, a worker killed mid-request)
    is never sent again: the report goes in the pull request's conversation as
    a comment carrying the submission's marker, which is found and edited on any
    later try rather than posted twice.
    """
    if sub.pull_number is None or _done(services, sub, "review"):
        return
    row = services.store.publication(sub.id, "review")
    marker = feedback.marker(sub.id)
    if row is None or row.state == "pending":
        diff = feedback.parse_diff(
            services.github.pull_diff(sub.repository, sub.installation_id, sub.pull_number)
        )
        review = feedback.review(report, prefix, diff, marker)
        # Inline comments first; GitHub refuses the whole review when one is off the diff.
        for comments in (review.comments, []) if review.comments else ([],):
            sent = _send_review(services, sub, sub.pull_number, review.body, comments)
            if sent == "done":
                return
            if sent == "unknown":
                break
    _comment_instead(services, sub, report, prefix, marker)


def _send_review(
    services: Services, sub: Submission, number: int, body: str, comments: list[dict[str, object]]
) -> Literal["done", "refused", "unknown"]:
    """Post the review once: ``done``, ``refused`` (not created) or ``unknown`` (never resend)."""
    services.store.publish(sub.id, "review", "sending")
    try:
        review_id = services.github.create_review(
            sub.repository,
            sub.installation_id,
            number,
            commit_sha=sub.head_sha,
            body=body,
            comments=[ReviewComment(**c) for c in comments],  # type: ignore[typeddict-item]
        )
    except (RateLimited, GitHubUnavailable) as exc:
        if isinstance(exc, GitHubUnavailable) and exc.ambiguous:
            services.store.publish(sub.id, "review", "abandoned")
            log.warning("review fate unknown; commenting instead", error=str(exc))
            return "unknown"
        services.store.publish(sub.id, "review", "pending")  # not created: retry later
        raise
    except GitHubRejected as exc:
        services.store.publish(sub.id, "review", "pending")
        log.warning("review refused", error=str(exc), inline=len(comments))
        return "refused"
    services.store.publish(sub.id, "review", "done", github_id=review_id)
    return "done"


def _comment_instead(
    services: Services, sub: Submission, report: Report, prefix: str, marker: str
) -> None:
    if sub.pull_number is None or _done(services, sub, "comment"):
        return
    body = feedback.review(report, prefix, None, marker).body
    comment_id = services.github.upsert_comment(
        sub.repository, sub.installation_id, sub.pull_number, marker=marker, body=body
    )
    services.store.publish(sub.id, "comment", "done", github_id=comment_id)


def give_up(services: Services, submission_id: str, error: str) -> None:
    """After the last retry: mark the submission failed (never charged) and say so on GitHub."""
    services.store.finish(submission_id, "failed", reason=error)
    sub = services.store.get(submission_id)
    if sub is not None and sub.status == "failed":
        try:
            _publish_final(services, sub)
        except PlatformError:
            log.exception("could not tell GitHub the submission failed")


def sweep(services: Services, enqueue: Callable[[str], None], older_than: float = 30) -> int:
    """Hand the broker the submissions stored while it was down; returns how many."""
    ids = services.store.unqueued(timedelta(seconds=older_than))
    for submission_id in ids:
        enqueue(submission_id)
        services.store.mark_enqueued(submission_id)
    return len(ids)
