"""Regrade an assignment with a preview, apply, discard or revert it; rerun what the
platform failed; find flaky hidden tests.

``start_regrade`` grades each student's counted submission again with the assignment's
current rubric (the rubric folder's digest, ``Route.digest``): one new submission per
student (``regrade_of``), in one batch, held while previewed, handed to the workers as
bulk work. ``apply`` releases the graded previews (they count, and each edits the
feedback its original posted: ``republish``); ``discard`` throws them away unpublished;
``revert`` takes an applied batch back (the results it replaced count again and go back on
the same posts). ``rerun_failed`` grades again, unheld, the latest submission of each pull
request that the platform failed (``failed``, or a ``tool_error`` criterion).

Choices: one open regrade per assignment (a second one is refused while a preview waits);
a batch is applied only once none of its submissions is still grading (the ones the
platform failed stay unpublished: their originals keep counting); a batch another batch
regraded again is reverted only after that one. Every step is safe to repeat: a second
apply or revert changes nothing and posts nothing (``publications``).

The functions take any bundle with the stores and courses (``Services``, the console's
``ConsoleContext``): ``enqueue`` hands a stored submission to the workers; ``publish``
posts a submission's final state (the workers' ``publish_final``, or ``enqueue`` again:
a worker given a finished submission publishes it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from grader.errors import InputError
from grader.service.classroom import regrades as views
from grader.service.classroom.gradebook import build_gradebook
from grader.service.classroom.policy import counted
from grader.service.courses import Courses, Route
from grader.service.store import ACTIVE, Store, Submission, regrade_of
from grader.service.store.batches import Batch, BatchStore
from grader.service.store.course import CourseStore, SubmissionRow

Enqueue = Callable[[str], None]
"""Hands a stored submission id to the workers."""
FINAL_SKIPPED = ("superseded", "ignored", "reverted", "discarded")
"""Statuses that never make a submission its pull request's latest for a rerun."""


class Parts(Protocol):
    """What the regrade jobs read and change (``Services`` and ``ConsoleContext`` have it)."""

    @property
    def store(self) -> Store: ...

    @property
    def courses(self) -> Courses: ...

    @property
    def course_store(self) -> CourseStore | None: ...

    @property
    def batches(self) -> BatchStore | None: ...


def _batches(parts: Parts) -> BatchStore:
    if parts.batches is None:
        raise InputError("this service keeps no batches: regrades are not available here")
    return parts.batches


def _route(parts: Parts, course: str, assignment: str) -> Route:
    route = parts.courses.get(assignment)
    if route is None or route.course != course:
        raise InputError(f"{assignment!r} is not an assignment of course {course!r}")
    return route


def batch_of(parts: Parts, batch_id: str) -> Batch:
    """The batch, or ``InputError`` naming the id."""
    batch = _batches(parts).batch(batch_id)
    if batch is None:
        raise InputError(f"no batch {batch_id[:64]!r}")
    return batch


def _queue(parts: Parts, submission_id: str, enqueue: Enqueue) -> None:
    enqueue(submission_id)
    parts.store.mark_enqueued(submission_id)


# --- start -----------------------------------------------------------------------------------


def start_regrade(
    parts: Parts,
    course: str,
    assignment: str,
    actor: str,
    *,
    enqueue: Enqueue,
    preview: bool = True,
) -> Batch:
    """Regrade every student's counted submission with the current rubric (held when
    ``preview``); refuses while another regrade of the assignment waits for a decision."""
    batches = _batches(parts)
    route = _route(parts, course, assignment)
    waiting = [
        b
        for b in batches.batches(course, assignment)
        if b.kind == "regrade" and b.state == "grading"
    ]
    if waiting:
        raise InputError(
            f"regrade {waiting[0].id} of {assignment} waits for a decision: "
            "apply or discard it first"
        )
    originals = counted_submissions(parts, route)
    batch = batches.create(
        course,
        assignment,
        "regrade",
        preview=preview,
        rubric_sha256=route.digest,
        actor=actor,
        state="grading" if preview else "applied",
        note=f"{len(originals)} counted submission{'s' if len(originals) != 1 else ''}",
    )
    for original in originals:
        new = regrade_of(original, route.digest, batch_id=batch.id, held=preview)
        _queue(parts, parts.store.add_submission(new).id, enqueue)
    return batch


def counted_submissions(parts: Parts, route: Route) -> list[Submission]:
    """Each student's counted submission of the assignment, by the gradebook (roster,
    extensions, late days); without a course store, by the policy with the rubric's due
    date. Students with none are left out."""
    if parts.course_store is not None:
        gradebook = build_gradebook(parts.courses, route.course, parts.course_store)
        ids = [
            cell.submission.id
            for student in gradebook.students
            if (cell := gradebook.cell(route.id, student.key)).submission is not None
        ]
    else:
        ids = _counted_by_policy(parts, route)
    found = (parts.store.get(submission_id) for submission_id in ids)
    return [sub for sub in found if sub is not None]


def _counted_by_policy(parts: Parts, route: Route) -> list[str]:
    by_author: dict[str, list[SubmissionRow]] = {}
    for sub in _batches(parts).assignment_submissions(route.id):
        if sub.author_login and not sub.held:
            by_author.setdefault(sub.author_login, []).append(_row(parts, sub))
    chosen = (
        counted(rows, route.assignment.counts, route.due, late=route.loaded.rubric.late)
        for _, rows in sorted(by_author.items())
    )
    return [row.id for row in chosen if row is not None]


def _row(parts: Parts, sub: Submission) -> SubmissionRow:
    result = parts.store.result(sub.id) if sub.status == "graded" else None
    return SubmissionRow(
        sub.id,
        sub.repository,
        sub.pull_number,
        sub.head_sha,
        sub.assignment,
        sub.author_login,
        sub.submitted_at,
        sub.status,
        sub.reason,
        sub.score,
        result.raw_score if result is not None else None,
        sub.max_score,
        sub.created_at,
        sub.finished_at,
    )


# --- apply, discard, revert ------------------------------------------------------------------


def _regrade_batch(parts: Parts, batch_id: str) -> Batch:
    batch = batch_of(parts, batch_id)
    if batch.kind != "regrade":
        raise InputError(f"batch {batch.id} is a {batch.kind}: only a regrade is decided on")
    return batch


def apply(parts: Parts, batch_id: str, actor: str, *, publish: Enqueue) -> int:
    """Release the batch's graded previews and publish each; returns how many. Refused
    while one is still grading; once applied, repeating it only publishes what is left."""
    batch = _regrade_batch(parts, batch_id)
    batches = _batches(parts)
    if batch.state in ("discarded", "reverted"):
        raise InputError(f"batch {batch.id} was {batch.state}: it cannot be applied")
    if batch.state == "grading":
        members = batches.members(batch.id)
        pending = sum(1 for member in members if member.status in ACTIVE)
        if pending:
            raise InputError(
                f"batch {batch.id}: {pending} of {len(members)} submissions are still grading; "
                "apply it once they are done, or discard it"
            )
        batches.apply(batch.id, actor)
    released = [
        member.id
        for member in batches.members(batch.id)
        if member.status == "graded" and not member.held
    ]
    for submission_id in released:
        publish(submission_id)
    return len(released)


def discard(parts: Parts, batch_id: str, actor: str) -> bool:
    """Throw the previews away (never published); False when already discarded."""
    batch = _regrade_batch(parts, batch_id)
    if batch.state == "discarded":
        return False
    if batch.state != "grading":
        raise InputError(f"batch {batch.id} was {batch.state}: revert it instead")
    return _batches(parts).discard(batch.id, actor)


def revert(parts: Parts, batch_id: str, actor: str, *, publish: Enqueue) -> int:
    """Take an applied batch back: its regrades become ``reverted``, the results they
    replaced count again and go back on the same posts; returns how many."""
    batch = _regrade_batch(parts, batch_id)
    batches = _batches(parts)
    if batch.state not in ("applied", "reverted"):
        raise InputError(f"batch {batch.id} is {batch.state}: only an applied batch is reverted")
    if batch.state == "applied":
        _not_regraded_since(batches, batch)
        batches.revert(batch.id, actor)
    reverted = [m.id for m in batches.members(batch.id) if m.status == "reverted"]
    for submission_id in reverted:
        publish(submission_id)
    return len(reverted)


def _not_regraded_since(batches: BatchStore, batch: Batch) -> None:
    """Refuse to revert a batch whose regrades a later batch grades again (or previews)."""
    members = [member.id for member in batches.members(batch.id)]
    later = [
        sub
        for sub in batches.replacements(members)
        if sub.status in (*ACTIVE, "graded") and sub.batch_id != batch.id
    ]
    if later:
        raise InputError(
            f"batch {batch.id} was regraded again by batch {later[0].batch_id}: "
            "revert or discard that one first"
        )


# --- rerun what the platform failed ----------------------------------------------------------


def rerun_failed(
    parts: Parts, course: str, assignment: str, actor: str, *, enqueue: Enqueue
) -> Batch | None:
    """Grade again the latest submission of each pull request the platform failed; None
    when there is none (a rerun still grading is its pull request's latest: not again)."""
    route = _route(parts, course, assignment)
    batches = _batches(parts)
    failed = platform_failed(parts, batches.assignment_submissions(assignment))
    if not failed:
        return None
    batch = batches.create(
        course,
        assignment,
        "rerun",
        preview=False,
        rubric_sha256=route.digest,
        actor=actor,
        state="applied",
        note=f"{len(failed)} submission{'s' if len(failed) != 1 else ''} the platform failed",
    )
    for sub in failed:
        new = regrade_of(sub, route.digest, batch_id=batch.id, held=False)
        _queue(parts, parts.store.add_submission(new).id, enqueue)
    return batch


def platform_failed(parts: Parts, submissions: Iterable[Submission]) -> list[Submission]:
    """Of each pull request's latest submission, those ``failed`` or with a criterion the
    grader's own tool failed (``tool_error``)."""
    latest: dict[tuple[str, int | None, str | None], Submission] = {}
    for sub in submissions:  # oldest first: the last one kept is the latest
        if not sub.held and sub.status not in FINAL_SKIPPED:
            latest[(sub.repository.lower(), sub.pull_number, sub.author_login)] = sub
    return [sub for sub in latest.values() if _failed(parts, sub)]


def _failed(parts: Parts, sub: Submission) -> bool:
    if sub.status == "failed":
        return True
    if sub.status != "graded":
        return False
    result = parts.store.result(sub.id)
    return result is not None and _tool_error(result.report)


def _tool_error(report: dict[str, Any]) -> bool:
    criteria = report.get("criteria")
    return isinstance(criteria, list) and any(
        isinstance(c, dict) and c.get("status") == "tool_error" for c in criteria
    )


# --- what staff read -------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchView:
    """A batch and its preview."""

    batch: Batch
    preview: views.Preview


def show(parts: Parts, batch_id: str) -> BatchView:
    """The batch's preview: each regrade beside the submission it replaces."""
    batch = batch_of(parts, batch_id)
    members = _batches(parts).members(batch.id)
    originals = {
        sub.id: sub
        for sub in (parts.store.get(m.replaces) for m in members if m.replaces)
        if sub is not None
    }
    ids = [*originals, *(m.id for m in members)]
    return BatchView(batch, views.preview(members, originals, reports(parts, ids)))


def flaky(parts: Parts, course: str, assignment: str) -> list[views.FlakyTest]:
    """The assignment's flaky hidden tests (only identical gradings' reports are read)."""
    _route(parts, course, assignment)
    groups = views.identical_gradings(_batches(parts).assignment_submissions(assignment))
    ids = [sub.id for group in groups for sub in group]
    return views.flaky_tests(groups, reports(parts, ids))


def reports(parts: Parts, submission_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The saved reports of these submissions (staff's: hidden tests whole)."""
    if parts.course_store is not None:
        return parts.course_store.reports(submission_ids)
    found = {sid: parts.store.result(sid) for sid in dict.fromkeys(submission_ids)}
    return {sid: result.report for sid, result in found.items() if result is not None}
