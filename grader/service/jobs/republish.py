"""A regrade's feedback: it takes over the posts of the first submission of its chain.

A student's pull request keeps one check run, one commit status and one report per graded
commit, whatever staff regrade. A regrade (``Submission.replaces``) walks its chain to the
root (the push) and

* edits the root's check run: new conclusion and output (the Markdown report under a
  line saying it was regraded). No annotations are sent: GitHub appends them to the
  run's earlier ones, and the same commit's findings are already there;
* sets the commit status again under the same context (GitHub replaces it);
* upserts one comment carrying the root's marker: reviews cannot be edited through the
  API the service uses, so the updated report goes in that comment, edited again by every
  later regrade or revert of the chain, never posted twice.

Each post is recorded in ``publications`` under the regrade's id (a revert's under
``revert.<kind>``), so a repeated apply or revert posts nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

from grader.report.model import Report
from grader.service.github import feedback
from grader.service.jobs.services import Services
from grader.service.store import Submission

TAKES_OVER = ("graded", "reverted")
"""The statuses of a regrade that change its root's feedback; any other leaves it be."""
MAX_CHAIN = 100
"""Links followed to a chain's root (a regrade of a regrade...); a longer chain is a loop."""
REGRADED = "Regraded by the course staff: this result replaces the earlier one."
REVERTED = "The regrade was taken back: this is the earlier result again."


def chain_root(services: Services, sub: Submission) -> Submission:
    """The first submission of the chain ``sub`` regrades (itself when it regrades none)."""
    root, seen = sub, {sub.id}
    while root.replaces is not None and len(seen) < MAX_CHAIN:
        earlier = services.store.get(root.replaces)
        if earlier is None or earlier.id in seen:
            break
        root = earlier
        seen.add(root.id)
    return root


def over_root(
    services: Services,
    sub: Submission,
    report: Report,
    *,
    prefix: str,
    context: str,
    link: str | None,
    reverted: bool = False,
) -> None:
    """Put ``report`` on the root's posts for ``sub`` (its check run, status, comment)."""
    root = chain_root(services, sub)
    key = "revert." if reverted else ""
    note = REVERTED if reverted else REGRADED
    _check_run(services, sub, root, report, f"{key}check_run", note)
    _status(services, sub, report, f"{key}status", context, link)
    if sub.pull_number is not None:
        _comment(services, sub, root, report, (f"{key}comment", prefix, note))


def _done(services: Services, sub: Submission, kind: str) -> bool:
    row = services.store.publication(sub.id, kind)
    return row is not None and row.state == "done"


def _check_run(
    services: Services, sub: Submission, root: Submission, report: Report, kind: str, note: str
) -> None:
    """Edit the root's check run; a root that never had one (closed before it was
    announced) keeps none: the status and the comment still say it."""
    if root.check_run_id is None or _done(services, sub, kind):
        return
    services.github.update_check_run(
        sub.repository,
        sub.installation_id,
        root.check_run_id,
        conclusion=feedback.conclusion(report),
        completed_at=datetime.now(UTC),
        output=feedback.check_output(report, note),
    )
    services.store.publish(sub.id, kind, "done", github_id=root.check_run_id)


def _status(
    services: Services,
    sub: Submission,
    report: Report,
    kind: str,
    context: str,
    link: str | None,
) -> None:
    if _done(services, sub, kind):
        return
    fields: dict[str, object] = {
        "state": feedback.status_state(report),
        "description": feedback.status_description(report),
        "context": context,
    }
    if link:
        fields["target_url"] = link
    services.github.create_status(sub.repository, sub.installation_id, sub.head_sha, **fields)
    services.store.publish(sub.id, kind, "done")


def _comment(
    services: Services,
    sub: Submission,
    root: Submission,
    report: Report,
    how: tuple[str, str, str],
) -> None:
    """Upsert the root's marked report comment (``how``: publication kind, the graded
    folder's prefix in the repository, the note heading the report)."""
    kind, prefix, note = how
    if sub.pull_number is None or _done(services, sub, kind):
        return
    marker = feedback.marker(root.id)
    body = feedback.review(report, prefix, None, marker).body.removeprefix(f"{marker}\n")
    comment_id = services.github.upsert_comment(
        sub.repository,
        sub.installation_id,
        sub.pull_number,
        marker=marker,
        body=feedback.fit(f"> {note}\n\n{body}", marker),
    )
    services.store.publish(sub.id, kind, "done", github_id=comment_id)
