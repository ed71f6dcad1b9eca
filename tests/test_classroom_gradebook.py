"""Which submission counts, each student's own due date, and the gradebook built from them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from support import WEEK01

from grader.checks.rubric import load_rubric
from grader.rubric.model import LatePolicy
from grader.service.classroom.gradebook import build_gradebook
from grader.service.classroom.policy import (
    Due,
    counted,
    due_for,
    dues_and_counted,
    student_dues,
)
from grader.service.courses import Assignment, Counts, Course, Courses, Route
from grader.service.store.course import (
    CourseStore,
    Extension,
    Override,
    Student,
    SubmissionRow,
)

BASE = load_rubric(WEEK01 / "rubric.yaml")
DUE = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
COURSE = "c1"


def route(
    assignment: str,
    due: datetime | None = DUE,
    *,
    counts: Counts = "last_on_time",
    grace: int = 0,
    course: str = COURSE,
) -> Route:
    """An assignment of the week-1 rubric (100 points), 10% a day late for at most 3 days."""
    late = (
        None
        if due is None
        else LatePolicy(due=due, penalty_per_day=10, max_days=3, grace_minutes=grace)
    )
    rubric = BASE.rubric.model_copy(
        update={"id": assignment, "title": f"Week {assignment}", "late": late}
    )
    return Route(
        Assignment(id=assignment, rubric=Path("rubric.yaml"), counts=counts),
        replace(BASE, rubric=rubric),
        "d" * 64,
        course,
    )


def row(
    assignment: str,
    login: str,
    at: datetime,
    score: float | None,
    *,
    sha: str | None = None,
    status: str = "graded",
    raw: float | None = None,
    created: datetime | None = None,
    number: list[int] = [0],  # noqa: B006 -- a counter shared by every call, for unique ids
) -> SubmissionRow:
    """A submission row; its raw score is ``score`` unless given."""
    number[0] += 1
    return SubmissionRow(
        id=f"sub-{number[0]}",
        repository=f"org/{login}",
        pull_number=1,
        head_sha=sha or f"{number[0]:040x}",
        assignment=assignment,
        author_login=login,
        submitted_at=at,
        status=status,
        reason=None,
        score=score,
        raw_score=raw if raw is not None else score,
        max_score=100.0,
        created_at=created or at,
        finished_at=None,
    )


def student(key: str, login: str | None, name: str | None = None) -> Student:
    return Student(COURSE, key, login, None, key, name, None)


@dataclass
class RecordStore:
    """The parts of a CourseStore the gradebook and ``due_for`` read, over given records."""

    roster: list[Student] = field(default_factory=list)
    rows: list[SubmissionRow] = field(default_factory=list)
    granted: list[Extension] = field(default_factory=list)
    set_by_hand: list[Override] = field(default_factory=list)
    queries: int = 0

    def students(self, course: str) -> list[Student]:
        self.queries += 1
        return [each for each in self.roster if each.course == course]

    def student_by_login(self, course: str, login: str) -> Student | None:
        return next((s for s in self.roster if s.course == course and s.login == login), None)

    def extensions(self, course: str) -> list[Extension]:
        self.queries += 1
        return [each for each in self.granted if each.course == course]

    def overrides(self, course: str) -> list[Override]:
        self.queries += 1
        return [each for each in self.set_by_hand if each.course == course]

    def course_submissions(
        self, assignments: Sequence[str], *, logins: Sequence[str] | None = None
    ) -> list[SubmissionRow]:
        self.queries += 1
        return [
            each
            for each in self.rows
            if each.assignment in assignments and (logins is None or each.author_login in logins)
        ]

    def as_store(self) -> CourseStore:
        return cast(CourseStore, self)


def courses(*routes: Route, late_days: int | None = None) -> Courses:
    course = Course(id=COURSE, title="Course One", late_days=late_days)
    return Courses(Path("courses.yaml"), routes, (course,))


def extension(assignment: str, key: str, due: datetime) -> Extension:
    return Extension(COURSE, assignment, key, due, "ill", "prof", DUE)


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# --- which submission counts ---------------------------------------------------------------


def test_last_on_time_takes_the_last_before_the_deadline_else_the_last_late() -> None:
    early, on_time, late = (
        row("w1", "amy", DUE - DAY, 90),
        row("w1", "amy", DUE - HOUR, 60),
        row("w1", "amy", DUE + HOUR, 100),
    )
    assert counted([early, on_time, late], "last_on_time", DUE) == on_time
    assert counted([late], "last_on_time", DUE) == late
    assert counted([early, late], "last_on_time", None) == late


def test_the_rubrics_grace_counts_as_on_time() -> None:
    policy = route("w1", grace=30).loaded.rubric.late
    early, in_grace = row("w1", "amy", DUE - DAY, 50), row("w1", "amy", DUE + 20 * HOUR / 60, 70)
    assert counted([early, in_grace], "last_on_time", DUE, late=policy) == in_grace
    assert counted([early, in_grace], "last_on_time", DUE) == early


def test_best_ranks_by_the_penalised_score_and_ties_go_to_the_earliest() -> None:
    """A late 95 (85.5 after 10%) loses to an on-time 90; of two equal scores the first wins."""
    policy = route("w1").loaded.rubric.late
    first, second = row("w1", "amy", DUE - DAY, 90), row("w1", "amy", DUE - HOUR, 90)
    late = row("w1", "amy", DUE + HOUR, 95)
    assert counted([second, late, first], "best", DUE, late=policy) == first
    assert counted([first, late], "best", DUE) == late  # without a policy: the raw score


def test_last_takes_the_last_submitted() -> None:
    rows = [row("w1", "amy", DUE + DAY, 10), row("w1", "amy", DUE - DAY, 90)]
    assert counted(rows, "last", DUE) == rows[0]


def test_only_graded_rows_count() -> None:
    rows = [
        row("w1", "amy", DUE - DAY, None, status="queued"),
        row("w1", "amy", DUE - DAY, None, status="failed"),
        row("w1", "amy", DUE - DAY, 50, status="superseded"),
    ]
    assert counted(rows, "last", DUE) is None
    assert counted([], "best", DUE) is None


def test_a_regrade_replaces_its_commits_result_and_keeps_the_push_time() -> None:
    """The regrade (created later, submitted_at = when it was asked for) is the commit's
    result, but it is as on time as the push was."""
    push = row("w1", "amy", DUE - HOUR, 40, sha="a" * 40)
    regrade = row("w1", "amy", DUE + 3 * DAY, 80, sha="a" * 40, created=DUE + 3 * DAY)
    chosen = counted([push, regrade], "last_on_time", DUE)
    assert chosen is not None
    assert (chosen.id, chosen.score, chosen.submitted_at) == (regrade.id, 80, push.submitted_at)


# --- a student's own due dates ----------------------------------------------------------------


def test_an_extension_replaces_the_rubrics_due_date() -> None:
    w1, w2 = route("w1"), route("w2", DUE + 7 * DAY)
    dues = student_dues(
        [w1, w2], courses(w1, w2).courses[0], "s1", [extension("w2", "s1", DUE + 9 * DAY)], {}
    )
    assert dues == {"w1": Due(DUE), "w2": Due(DUE + 9 * DAY, extended=True)}
    other = student_dues([w1, w2], courses(w1, w2).courses[0], "s2", [], {})
    assert other["w2"] == Due(DUE + 7 * DAY)


def test_late_days_are_spent_in_due_order_up_to_the_budget() -> None:
    """Budget 3: w1 (due first) late by 2 days spends 2, w2 late by 4 spends the last 1, w3
    late gets none; each due date moves by the days spent."""
    w1, w2, w3 = route("w1"), route("w2", DUE + 7 * DAY), route("w3", DUE + 14 * DAY)
    rows = {
        "w2": [row("w2", "amy", DUE + 7 * DAY + 3 * DAY + HOUR, 80)],
        "w1": [row("w1", "amy", DUE + DAY + HOUR, 90)],
        "w3": [row("w3", "amy", DUE + 14 * DAY + HOUR, 70)],
    }
    course = courses(w3, w1, w2, late_days=3).courses[0]
    dues = student_dues([w3, w1, w2], course, "s1", [], rows)
    assert dues["w1"] == Due(DUE + 2 * DAY, late_days_used=2)
    assert dues["w2"] == Due(DUE + 8 * DAY, late_days_used=1)
    assert dues["w3"] == Due(DUE + 14 * DAY)


def test_no_budget_spends_nothing() -> None:
    w1 = route("w1")
    rows = {"w1": [row("w1", "amy", DUE + DAY, 90)]}
    assert student_dues([w1], courses(w1).courses[0], "s1", [], rows)["w1"] == Due(DUE)


def test_dues_and_counted_agree_with_student_dues_and_counted_by_the_due_before_late_days() -> None:
    """What the gradebook computes in one pass is what the two public functions say: the
    dues, and for each assignment the submission ``counted`` picks by ``before_late_days``
    (an extension's date where there is one), whatever the way of counting."""
    w1, w2 = route("w1"), route("w2", DUE + 7 * DAY, counts="best")
    w3, w4 = route("w3", DUE + 14 * DAY, counts="last"), route("w4", None)
    rows = {
        "w1": [row("w1", "amy", DUE - HOUR, 60), row("w1", "amy", DUE + DAY + HOUR, 95)],
        "w2": [row("w2", "amy", DUE + 7 * DAY - HOUR, 70), row("w2", "amy", DUE + 9 * DAY, 99)],
        "w3": [row("w3", "amy", DUE + 15 * DAY, 40), row("w3", "amy", DUE + 13 * DAY, 90)],
        "w4": [row("w4", "amy", DUE, 10, status="queued")],
    }
    routes = [w1, w2, w3, w4]
    course = courses(*routes, late_days=2).courses[0]
    granted = [extension("w1", "s1", DUE + 2 * DAY), extension("w2", "s9", DUE + 30 * DAY)]
    dues, chosen = dues_and_counted(routes, course, "s1", granted, rows)
    assert dues == student_dues(routes, course, "s1", granted, rows)
    for each in routes:
        late = each.loaded.rubric.late
        before = dues[each.id].before_late_days
        assert chosen[each.id] == counted(rows[each.id], each.assignment.counts, before, late=late)
    assert chosen["w1"] is not None and chosen["w1"].score == 95  # on time by the extension
    assert chosen["w4"] is None and dues["w4"] == Due(None)


def test_due_for_finds_the_student_by_login_and_spends_days_on_the_submission_graded() -> None:
    """The grading job's view: a roster student's extension applies; a submission late by 2
    days with a budget of 5 moves the due date by 2."""
    w1, w2 = route("w1"), route("w2", DUE + 7 * DAY)
    records = RecordStore(roster=[student("s1", "amy")], granted=[extension("w1", "s1", DUE + DAY)])
    config = courses(w1, w2, late_days=5)
    assert due_for(config, "w1", "AMY", records.as_store()) == Due(DUE + DAY, extended=True)
    graded = due_for(config, "w2", "amy", records.as_store(), submitted_at=DUE + 8 * DAY + HOUR)
    assert graded == Due(DUE + 9 * DAY, late_days_used=2)
    assert due_for(config, "nope", "amy", records.as_store()) == Due(None)


# --- the gradebook -----------------------------------------------------------------------------


def _small_course() -> tuple[Courses, RecordStore]:
    w1, w2 = route("w1"), route("w2", DUE + 7 * DAY, counts="best")
    records = RecordStore(
        roster=[student("s1", "amy", "Amy"), student("s2", "bob", "Bob"), student("s3", None)],
        rows=[
            row("w1", "amy", DUE - HOUR, 80),
            row("w1", "bob", DUE + HOUR, 90),  # late 1 day: 81
            row("w2", "amy", DUE, None, status="queued"),
            row("w2", "bob", DUE, None, status="failed"),
            row("w1", "zed", DUE - DAY, 50),  # not on the roster
        ],
        granted=[extension("w1", "s1", DUE + DAY)],
        set_by_hand=[Override(COURSE, "w2", "s3", 42.0, "oral exam", "prof", DUE)],
    )
    return courses(w1, w2), records


def test_gradebook_cells_after_policy_extension_penalty_and_override() -> None:
    config, records = _small_course()
    book = build_gradebook(config, COURSE, records.as_store())
    assert [s.key for s in book.students] == ["s1", "s2", "s3", "gh:zed"]
    assert book.unmatched == ["zed"]
    amy, bob = book.cell("w1", "s1"), book.cell("w1", "s2")
    assert (amy.state, amy.final, amy.due) == ("graded", 80, Due(DUE + DAY, extended=True))
    assert (bob.state, bob.raw, bob.days_late, bob.penalty_percent, bob.final) == (
        "late",
        90,
        1,
        10.0,
        81,
    )
    assert book.cell("w2", "s1").state == "pending"
    assert book.cell("w2", "s2").state == "failed"
    assert book.cell("w1", "s3").state == "missing"
    overridden = book.cell("w2", "s3")
    assert (overridden.state, overridden.computed, overridden.final) == ("overridden", None, 42)
    assert book.cell("w1", "gh:zed").final == 50
    assert book.total("s2") == 81
    assert book.total("s1") == 80
    assert book.late_days_left is None


def test_assignment_stats() -> None:
    config, records = _small_course()
    book = build_gradebook(config, COURSE, records.as_store())
    w1, w2 = book.stats["w1"], book.stats["w2"]
    assert (w1.submitted, w1.missing, w1.late, w1.median, w1.mean) == (3, 1, 1, 80, 70.33)
    assert (w2.submitted, w2.missing, w2.queued, w2.failed, w2.median) == (0, 1, 1, 1, 42)
    assert (w1.max_score, w1.due) == (100, DUE)


def test_late_days_lift_the_penalty_and_are_reported_left() -> None:
    """With a budget of 2, Bob's day late is spent: no penalty, 1 day left."""
    w1 = route("w1")
    records = RecordStore(roster=[student("s2", "bob")], rows=[row("w1", "bob", DUE + HOUR, 90)])
    book = build_gradebook(courses(w1, late_days=2), COURSE, records.as_store())
    cell = book.cell("w1", "s2")
    assert (cell.final, cell.days_late, cell.due.late_days_used) == (90, 0, 1)
    assert book.late_days_left == {"s2": 1}


def test_a_result_saved_before_raw_score_is_not_penalised_twice() -> None:
    """Without raw_score the stored score (81, already 10% off) is the grade as it is."""
    w1 = route("w1")
    legacy = replace(row("w1", "bob", DUE + HOUR, 81), raw_score=None)
    records = RecordStore(roster=[student("s2", "bob")], rows=[legacy])
    cell = build_gradebook(courses(w1), COURSE, records.as_store()).cell("w1", "s2")
    assert (cell.raw, cell.computed, cell.days_late, cell.state) == (81, 81, 1, "late")


def test_unknown_course_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        build_gradebook(courses(route("w1")), "nope", RecordStore().as_store())


def synthetic_course(students: int, assignments: int, pushes: int) -> tuple[Courses, RecordStore]:
    """A course of ``students`` x ``assignments`` x ``pushes``, a week apart, some late."""
    routes = [route(f"w{n:02d}", DUE + n * 7 * DAY) for n in range(assignments)]
    roster = [student(f"s{n:04d}", f"user{n}", f"Student {n}") for n in range(students)]
    rows: list[SubmissionRow] = []
    for n, each in enumerate(roster):
        for a, assigned in enumerate(routes):
            assert assigned.due is not None
            for p in range(pushes):
                at = assigned.due - DAY + p * (n % 5) * HOUR
                rows.append(row(assigned.id, cast(str, each.login), at, float((n + a + p) % 101)))
    return courses(*routes, late_days=5), RecordStore(roster=roster, rows=rows)


def test_a_large_course_builds_in_well_under_a_second_with_a_few_queries() -> None:
    """500 students x 12 assignments x 10 submissions: four reads, no query per cell."""
    config, records = synthetic_course(500, 12, 10)
    started = time.perf_counter()
    book = build_gradebook(config, COURSE, records.as_store())
    elapsed = time.perf_counter() - started
    assert len(book.cells) == 6000
    assert records.queries == 4
    assert elapsed < 0.8, f"{elapsed:.2f} s"
