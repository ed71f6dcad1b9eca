"""Announce a submission, then grade it: claim, lease, fetch, grade, save.

``grade`` ends by publishing whatever the submission's final status calls for
(``publishing.publish_final``), so a retried or redelivered run of it finishes
what an earlier one started.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.errors import ArchiveError, FetchError, LeaseHeld, PlatformError
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.model import Report
from grader.service import logs
from grader.service.classroom.policy import due_for
from grader.service.courses import Route
from grader.service.fetch import download, extract_tarball
from grader.service.github import feedback
from grader.service.jobs import budget
from grader.service.jobs.publishing import (
    create_check_run,
    ensure_check_run,
    publish_final,
    repo_prefix,
)
from grader.service.jobs.services import Services, log
from grader.service.jobs.sources import keep_sources
from grader.service.store import ACTIVE, Result, Submission

MAX_ATTEMPTS = 5
"""Tries before a platform fault is given up on (the Celery task's retries agree)."""


# --- announce ------------------------------------------------------------------------------


def announce(services: Services, submission_id: str) -> bool:
    """Show the student a queued check run at once; False when there is nothing to grade.

    A regrade (held as a preview, or replacing an earlier grading) gets no check run of its
    own: publishing edits its original's. A push over its author's feedback budget is
    deferred (``budget``) and not graded now."""
    sub = services.store.get(submission_id)
    if sub is None or sub.status not in ACTIVE:
        return sub is not None
    logs.bind(submission_id=submission_id, repository=sub.repository)
    if sub.edits_original:
        return True
    if _ignored_by_paths(services, sub) or _deferred(services, sub):
        return False
    ensure_check_run(services, sub, status="queued")
    return True


def _deferred(services: Services, sub: Submission) -> bool:
    """Defer a push over its author's feedback budget: a neutral check run says when
    feedback returns; True when deferred."""
    route = services.courses.get(sub.assignment)
    current = None if route is None else budget.state(services, sub, route, datetime.now(UTC))
    if current is None or not current.spent:
        return False
    text = budget.deferred_text(current)
    if sub.check_run_id is None and not _done(services, sub, "check_run"):
        create_check_run(
            services,
            sub,
            status="completed",
            conclusion="neutral",
            completed_at=datetime.now(UTC),
            output=feedback.message_note(text),
        )
        services.store.publish(sub.id, "check_run", "done")
    services.store.finish(sub.id, "deferred", reason=text.splitlines()[0], outcome="deferred")
    log.info("deferred: feedback budget spent", used=current.used)
    return True


def _done(services: Services, sub: Submission, kind: str) -> bool:
    row = services.store.publication(sub.id, kind)
    return row is not None and row.state == "done"


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
    publish_final(services, sub)
    return sub.status


def _grade_active(services: Services, sub: Submission) -> None:
    holder = services.store.claim(sub.id, services.owner, services.lease)
    if holder is not None:
        raise LeaseHeld(max(1.0, (holder - datetime.now(UTC)).total_seconds()))
    log.info("grading", attempt=sub.attempts + 1, assignment=sub.assignment)
    with _lease(services, sub.id) as lost:
        # A check run exists only once announce found a path of the assignment's changed.
        if not sub.edits_original:
            if sub.check_run_id is None and _ignored_by_paths(services, sub):
                return
            ensure_check_run(services, sub, status="in_progress")
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
                GradeOptions(
                    submitted_at=sub.submitted_at,
                    due=student_due(services, sub),
                    show_hidden=True,  # kept whole for staff; students get report.redact's view
                    workers=services.settings.workers,
                ),
            )
            graded = time.monotonic()
            keep_sources(services, sub, route, repo)
        if report.platform_failed and sub.attempts + 1 < MAX_ATTEMPTS:
            raise PlatformError("a grading tool failed; the score would be provisional")
        if lost.is_set():
            return  # superseded while grading: publish_final closes the check run
        _save(services, sub, route, report, repo_prefix(route), fetched - started, graded - fetched)


def student_due(services: Services, sub: Submission) -> datetime | None:
    """The author's own due date (an extension, late days spent on this push), the one
    the gradebook uses; None (the rubric's) without a roster store or a known author."""
    if services.course_store is None or sub.author_login is None:
        return None
    due = due_for(
        services.courses,
        sub.assignment,
        sub.author_login,
        services.course_store,
        submitted_at=sub.submitted_at,
    )
    return due.due


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
        raw_score=round(sum(criterion.score for criterion in report.criteria), 2),
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


def sweep(services: Services, enqueue: Callable[[str], None], older_than: float = 30) -> int:
    """Hand the broker the submissions stored while it was down; returns how many."""
    ids = services.store.unqueued(timedelta(seconds=older_than))
    for submission_id in ids:
        enqueue(submission_id)
        services.store.mark_enqueued(submission_id)
    return len(ids)
