"""Which submission counts, and each student's own due date.

A student may push many commits to an assignment; the course's ``counts`` picks one:
``last_on_time`` (the last submitted by the student's due date plus the rubric's grace,
else the last late one), ``best`` (the highest score after the late policy; ties: the
earliest) or ``last``. Only graded submissions count, and a regrade of a commit replaces
the earlier results of that commit (keeping the commit's first submission time: a regrade
is not a late push).

A student's own due date is their extension's, else the rubric's. When the course has a
late-day budget, late days are spent automatically, assignment by assignment in the order
of the rubrics' due dates: a counted submission late by ``d`` started days (the rubric's
grace included, as ``grader.rubric.model.days_late`` counts) spends ``min(d, left)`` days
and moves that student's due date by as many days. The counted submission is chosen with
the due date before late days, so spending them never changes which submission counts,
only its penalty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from grader.rubric.model import LatePolicy, days_late
from grader.scoring import apply_late_policy
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import Counts, Course, Courses, Route
from grader.service.store.course import CourseStore, Extension, SubmissionRow

_FAR = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Due:
    """One student's due date for one assignment."""

    due: datetime | None
    """Their own deadline (before the rubric's grace); None: the assignment has none."""
    extended: bool = False
    """True when an extension set it."""
    late_days_used: int = 0
    """Late days of the course's budget spent on this assignment (already in ``due``)."""

    @property
    def before_late_days(self) -> datetime | None:
        """The due date before late days: the extension's or the rubric's; which submission
        counts is chosen by it."""
        if self.due is None:
            return None
        return self.due - timedelta(days=self.late_days_used)


def graded_rows(rows: Iterable[SubmissionRow]) -> list[SubmissionRow]:
    """The graded submissions, one per commit (its newest result), oldest submission first.

    A regrade's row keeps the earliest ``submitted_at`` of its commit, so that grading a
    commit again never makes it late.
    """
    first_seen: dict[str, datetime] = {}
    newest: dict[str, SubmissionRow] = {}
    for row in rows:  # a gradebook runs this for every cell: attributes read once
        sha, at = row.head_sha, row.submitted_at
        seen = first_seen.get(sha)
        if seen is None or at < seen:
            first_seen[sha] = at
        if row.status != "graded" or row.score is None:
            continue
        kept = newest.get(sha)
        if kept is None or row.created_at >= kept.created_at:
            newest[sha] = row
    chosen = [
        row if row.submitted_at == first_seen[sha] else replace(row, submitted_at=first_seen[sha])
        for sha, row in newest.items()
    ]
    chosen.sort(key=_SUBMITTED)
    return chosen


_SUBMITTED = attrgetter("submitted_at", "created_at")


def raw_score(row: SubmissionRow) -> float | None:
    """The score before any late penalty; a result saved before ``raw_score`` existed gives
    its ``score``."""
    return row.raw_score if row.raw_score is not None else row.score


def own_policy(late: LatePolicy | None, due: datetime | None) -> LatePolicy | None:
    """The rubric's late policy with the student's own due date (None without a policy)."""
    if late is None or due is None:
        return late
    return late if late.due == due else late.model_copy(update={"due": due})


def counted(
    rows: Sequence[SubmissionRow],
    counts: Counts,
    due: datetime | None,
    *,
    late: LatePolicy | None = None,
) -> SubmissionRow | None:
    """The submission that counts among one student's rows of one assignment; None when none
    is graded. ``late`` is the rubric's policy: its grace for ``last_on_time`` and its penalty
    (from ``due``) for ranking ``best``."""
    return _choose(graded_rows(rows), counts, due, late)


def _choose(
    graded: list[SubmissionRow], counts: Counts, due: datetime | None, late: LatePolicy | None
) -> SubmissionRow | None:
    """``counted`` over rows already through ``graded_rows``."""
    if not graded:
        return None
    if counts == "last":
        return graded[-1]
    if counts == "best":
        policy = own_policy(late, due)
        return max(graded, key=lambda row: _penalised(row, policy))  # the first of equals
    if due is None:
        return graded[-1]
    deadline = due + timedelta(minutes=late.grace_minutes if late else 0)
    on_time = [row for row in graded if row.submitted_at <= deadline]
    return on_time[-1] if on_time else graded[-1]


def _penalised(row: SubmissionRow, policy: LatePolicy | None) -> float:
    raw = raw_score(row) or 0.0
    return raw if policy is None else apply_late_policy(raw, policy, row.submitted_at).score


LateBy = Callable[[Route, datetime], int]
"""Started days late of the submission that counts for an assignment, given its due date."""


def student_dues(
    routes: Sequence[Route],
    course: Course,
    student_key: str,
    extensions: Iterable[Extension],
    rows_by_assignment: Mapping[str, Sequence[SubmissionRow]],
) -> dict[str, Due]:
    """Each assignment's due date for one student: their extension's, else the rubric's, moved
    by the late days spent on it. ``rows_by_assignment`` holds that student's rows."""
    return dues_and_counted(routes, course, student_key, extensions, rows_by_assignment)[0]


def dues_and_counted(
    routes: Sequence[Route],
    course: Course,
    student_key: str,
    extensions: Iterable[Extension],
    rows_by_assignment: Mapping[str, Sequence[SubmissionRow]],
) -> tuple[dict[str, Due], dict[str, SubmissionRow | None]]:
    """``student_dues``, and the submission that counts for each assignment (``counted`` with
    the due date before late days, ``Due.before_late_days``): each assignment's rows go
    through ``graded_rows`` once for both."""
    own = {
        extension.assignment: extension.due
        for extension in extensions
        if extension.student == student_key and extension.course == course.id
    }
    chosen: dict[str, SubmissionRow | None] = {}
    for route in routes:
        rows = rows_by_assignment.get(route.id)
        chosen[route.id] = (
            _choose(
                graded_rows(rows),
                route.assignment.counts,
                own.get(route.id, route.due),
                route.loaded.rubric.late,
            )
            if rows
            else None
        )

    def late_by(route: Route, due: datetime) -> int:
        row = chosen[route.id]  # chosen with this due date: _spend asks with the one before
        return _days_late(route.loaded.rubric.late, due, row.submitted_at) if row else 0

    return _spend(routes, course.late_days, own, late_by), chosen


def late_days_left(course: Course, dues: Mapping[str, Due]) -> int | None:
    """What is left of the course's late-day budget; None when the course has none."""
    if course.late_days is None:
        return None
    return course.late_days - sum(due.late_days_used for due in dues.values())


def due_for(
    courses: Courses,
    assignment_id: str,
    login: str,
    course_store: CourseStore,
    *,
    submitted_at: datetime | None = None,
) -> Due:
    """The due date a submission of ``login`` to the assignment is graded against.

    With ``submitted_at`` (the submission being graded), late days are spent on it as if it
    counted: the pull request's feedback then agrees with the gradebook once it does. Without,
    the days already spent by the student's counted submission apply.
    """
    route = courses.get(assignment_id)
    if route is None:
        return Due(None)
    course = courses.course(route.course) or Course(id=route.course, title=route.course)
    routes = courses.course_routes(route.course)
    name = login.lower()
    student = course_store.student_by_login(route.course, name)
    key = student.key if student is not None else f"{PSEUDO_PREFIX}{name}"
    rows_by_assignment: dict[str, list[SubmissionRow]] = defaultdict(list)
    for row in course_store.course_submissions([each.id for each in routes], logins=[name]):
        rows_by_assignment[row.assignment].append(row)
    if submitted_at is None:
        extensions = course_store.extensions(route.course)
        return student_dues(routes, course, key, extensions, rows_by_assignment)[assignment_id]
    own = {
        extension.assignment: extension.due
        for extension in course_store.extensions(route.course)
        if extension.student == key
    }
    pending = submitted_at

    def late_by(each: Route, due: datetime) -> int:
        late = each.loaded.rubric.late
        if each.id == assignment_id:
            return _days_late(late, due, pending)
        rows = rows_by_assignment.get(each.id, ())
        row = counted(rows, each.assignment.counts, due, late=late)
        return _days_late(late, due, row.submitted_at) if row is not None else 0

    return _spend(routes, course.late_days, own, late_by)[assignment_id]


def _days_late(late: LatePolicy | None, due: datetime, submitted_at: datetime) -> int:
    """Started days past ``due`` plus the rubric's grace; 0 without a late policy."""
    policy = own_policy(late, due)
    return days_late(policy, submitted_at) if policy is not None else 0


def _spend(
    routes: Sequence[Route], budget: int | None, own: Mapping[str, datetime], late_by: LateBy
) -> dict[str, Due]:
    """Each assignment's Due, spending the budget in the order of the rubrics' due dates."""
    left = budget or 0
    dues: dict[str, Due] = {}
    order = sorted(enumerate(routes), key=lambda item: (item[1].due or _FAR, item[0]))
    for _, route in order:
        base = own.get(route.id, route.due)
        if base is None:
            dues[route.id] = Due(None)
            continue
        spent = min(late_by(route, base), left) if left else 0
        left -= spent
        dues[route.id] = Due(base + timedelta(days=spent), route.id in own, spent)
    return {route.id: dues[route.id] for route in routes}
