"""Publish a submission's final state on GitHub, each post once.

The store records every post before and after it is sent (``publications``), so a
later run of the job skips what was done and resumes what was half done: the
check run (completed with the score, then the annotations 50 at a time), the
commit status, and the review, or the marked comment when a review's fate is
unknown. ``give_up`` is the end of the road for a platform fault: "not graded".

A held submission (a regrade's preview) publishes nothing. A regrade (``replaces``) posts
nothing of its own: once graded and not held, it edits the feedback of the first
submission of its chain (``republish``), and a reverted one puts the result it replaced
back on the same posts; a regrade that could not be graded leaves the feedback as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from github.PullRequest import ReviewComment

from grader.errors import GitHubRejected, GitHubUnavailable, PlatformError, RateLimited
from grader.report.model import Report
from grader.report.redact import for_student
from grader.service.courses import Route
from grader.service.github import feedback
from grader.service.jobs import budget, republish
from grader.service.jobs.services import Services, log
from grader.service.store import Submission

# --- the check run -------------------------------------------------------------------------


def ensure_check_run(services: Services, sub: Submission, *, status: str) -> int | None:
    """Show the submission ``queued`` or ``in_progress``: its check run, created once (its id
    is stored before anything else). None for a preview or a regrade, which never get one (a
    regrade edits its root's), and while GitHub's write budget has no room to spare: these
    writes are left out at a deadline, and the result then creates the check run completed."""
    if sub.edits_original or not services.github.spare():
        return None if sub.edits_original else sub.check_run_id
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
    fields: dict[str, object] = {"status": status}
    if status == "in_progress":
        fields["started_at"] = datetime.now(UTC)
    return create_check_run(services, sub, **fields)


def create_check_run(services: Services, sub: Submission, **fields: object) -> int:
    """Create the submission's check run with ``fields`` beside its name, commit, id and link;
    the id is stored at once (the record is a snapshot: callers use the id returned)."""
    fields = {
        "name": check_name(services, sub),
        "head_sha": sub.head_sha,
        "external_id": sub.id,
        **fields,
    }
    if link := submission_page(services, sub):
        fields["details_url"] = link
    check_run_id = services.github.create_check_run(sub.repository, sub.installation_id, **fields)
    services.store.set_check_run(sub.id, check_run_id)
    return check_run_id


def submission_page(services: Services, sub: Submission) -> str | None:
    """The console's page of the submission (behind sign-in), linked from the check run and
    the commit status; None without a public address."""
    base = services.settings.public_url
    return f"{base.rstrip('/')}/console/submissions/{sub.id}" if base else None


def check_name(services: Services, sub: Submission) -> str:
    return f"{services.settings.check_name} / {sub.assignment}"


def repo_prefix(route: Route) -> str:
    """Where the graded folder sits in the repository (``week01``), for GitHub's paths."""
    root = route.loaded.rubric.submission.root.strip("/")
    return "" if root in ("", ".") else root


# --- final states -------------------------------------------------------------------------


def publish_final(services: Services, sub: Submission) -> None:
    """Post whatever the submission's final status calls for (each post once)."""
    if sub.held or (sub.replaces is not None and sub.status not in republish.TAKES_OVER):
        return
    closer = _CLOSERS.get(sub.status)
    if closer is not None:
        closer(services, sub)


def _publish_graded(services: Services, sub: Submission) -> None:
    stored = services.store.result(sub.id)
    if stored is not None:
        # The stored report is the staff's; the pull request gets the student's view.
        _publish_report(services, sub, for_student(Report.model_validate(stored.report)))


def _publish_reverted(services: Services, sub: Submission) -> None:
    """A regrade taken back: the result it replaced goes back on the same posts."""
    earlier = services.store.get(sub.replaces) if sub.replaces is not None else None
    stored = services.store.result(earlier.id) if earlier is not None else None
    if stored is not None:
        report = for_student(Report.model_validate(stored.report))
        _over_root(services, sub, report, reverted=True)


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
    _close(services, sub, "failure", "Could not grade this commit", sub.reason or "", create=True)
    _status(services, sub, "failure", "could not grade: see the check run")


def _publish_failed(services: Services, sub: Submission) -> None:
    _close(
        services,
        sub,
        "neutral",
        "Not graded: the grader failed",
        "The grading service could not grade this commit. This is not your fault, and "
        f"no score was recorded; push again or ask your instructor.\n\n> {sub.reason or ''}",
        create=True,
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
    "reverted": _publish_reverted,
}


def _close(
    services: Services,
    sub: Submission,
    conclusion: str,
    title: str,
    text: str,
    *,
    create: bool = False,
) -> None:
    """Complete the check run; ``create``: make one completed when none was shown (the
    student must learn why this push has no grade)."""
    if _done(services, sub, "check_run"):
        return
    fields: dict[str, object] = {
        "conclusion": conclusion,
        "completed_at": datetime.now(UTC),
        "output": feedback.message_note(f"{title}\n\n{text}"),
    }
    if sub.check_run_id is not None:
        services.github.update_check_run(
            sub.repository, sub.installation_id, sub.check_run_id, **fields
        )
    elif create and not sub.edits_original:
        create_check_run(services, sub, status="completed", **fields)
    else:
        return
    services.store.publish(sub.id, "check_run", "done")


def _status(services: Services, sub: Submission, state: str, description: str) -> None:
    """The commit status, when ``GRADER_COMMIT_STATUSES`` and GitHub's write budget allow."""
    row = services.store.publication(sub.id, "status")
    if row is not None and row.state in ("done", "skipped"):
        return
    if row is None:  # decided once: a retry sends what an earlier try set out to send
        wanted = services.settings.commit_statuses
        skip = wanted == "never" or (wanted == "spare" and not services.github.spare())
        services.store.publish(sub.id, "status", "skipped" if skip else "pending")
        if skip:
            return
    fields: dict[str, object] = {
        "state": state,
        "description": description[: feedback.STATUS_LIMIT],
        "context": check_name(services, sub),
    }
    if link := submission_page(services, sub):
        fields["target_url"] = link
    services.github.create_status(sub.repository, sub.installation_id, sub.head_sha, **fields)
    services.store.publish(sub.id, "status", "done")


def _done(services: Services, sub: Submission, kind: str) -> bool:
    row = services.store.publication(sub.id, kind)
    return row is not None and row.state == "done"


def _prefix(services: Services, sub: Submission) -> str:
    route = services.courses.get(sub.assignment)
    return repo_prefix(route) if route is not None else ""


def _over_root(services: Services, sub: Submission, report: Report, reverted: bool = False) -> None:
    # The status links to the submission whose result it shows: the original after a revert.
    shown = services.store.get(sub.replaces) if reverted and sub.replaces else None
    republish.over_root(
        services,
        sub,
        report,
        prefix=_prefix(services, sub),
        context=check_name(services, sub),
        link=submission_page(services, shown or sub),
        reverted=reverted,
    )


def _publish_report(services: Services, sub: Submission, report: Report) -> None:
    if sub.replaces is not None:  # a regrade edits the posts of its chain's first submission
        _over_root(services, sub, report)
        return
    prefix = _prefix(services, sub)
    note = budget.after_grading(services, sub)  # "Feedback budget: 3 of 5 gradings left..."
    _publish_check_run(services, sub, report, prefix, note)
    _status(services, sub, feedback.status_state(report), feedback.status_description(report))
    if sub.pull_number is not None:
        _publish_review(services, sub, report, prefix, note)


def _publish_check_run(
    services: Services, sub: Submission, report: Report, prefix: str, note: str | None = None
) -> None:
    """Complete the check run (or create it completed, when it was never shown queued), then
    append the annotations 50 at a time."""
    check_run_id = sub.check_run_id
    row = services.store.publication(sub.id, "check_run")
    if sub.edits_original or (row is not None and row.state == "done"):
        return
    sent = row.progress if row is not None else 0
    notes = feedback.annotations_for(report, prefix, services.settings.max_annotations)
    output = feedback.check_output(report, note)
    first = row is None
    for batch in feedback.batches(notes[sent:]) if notes[sent:] else [[]]:
        fields: dict[str, object] = {"output": {**output, "annotations": batch}}
        if first:
            fields.update(conclusion=feedback.conclusion(report), completed_at=datetime.now(UTC))
            first = False
        if check_run_id is None:
            check_run_id = create_check_run(services, sub, status="completed", **fields)
        else:
            services.github.update_check_run(
                sub.repository, sub.installation_id, check_run_id, **fields
            )
        sent += len(batch)
        services.store.publish(sub.id, "check_run", "sending", progress=sent)
    services.store.publish(sub.id, "check_run", "done", progress=sent)


def _publish_review(
    services: Services, sub: Submission, report: Report, prefix: str, note: str | None = None
) -> None:
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
        review = feedback.review(report, prefix, diff, marker, note)
        # Inline comments first; GitHub refuses the whole review when one is off the diff.
        for comments in (review.comments, []) if review.comments else ([],):
            sent = _send_review(services, sub, sub.pull_number, review.body, comments)
            if sent == "done":
                return
            if sent == "unknown":
                break
    _comment_instead(services, sub, report, prefix, marker, note)


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
    services: Services,
    sub: Submission,
    report: Report,
    prefix: str,
    marker: str,
    note: str | None = None,
) -> None:
    if sub.pull_number is None or _done(services, sub, "comment"):
        return
    body = feedback.review(report, prefix, None, marker, note).body
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
            publish_final(services, sub)
        except PlatformError:
            log.exception("could not tell GitHub the submission failed")
