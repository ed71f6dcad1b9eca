"""The course's gradebook: one cell per student and assignment, after policy, due dates,
the late penalty and overrides; and each assignment's numbers.

``build_gradebook`` reads the course's records once (the roster, every submission of its
assignments, extensions, overrides) and computes everything in memory: a course of 500
students x 12 assignments x 10 submissions builds in a fraction of a second, with no query
per cell. Logins that submitted but are on no roster are pseudo-students keyed ``gh:<login>``
and listed in ``unmatched``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from grader.rubric.model import LatePolicy
from grader.scoring import apply_late_policy
from grader.service.classroom.policy import (
    Due,
    counted,
    late_days_left,
    own_policy,
    raw_score,
    student_dues,
)
from grader.service.classroom.roster import PSEUDO_PREFIX, unmatched_logins
from grader.service.courses import Course, Courses, Route
from grader.service.store.course import CourseStore, Extension, Override, Student, SubmissionRow

CellState = Literal["graded", "late", "missing", "pending", "failed", "overridden"]
"""``graded``: a counted submission on time. ``late``: counted, past the student's due date.
``missing``: nothing graded nor in flight. ``pending``: nothing graded yet, a submission queued
or running. ``failed``: nothing graded, the platform gave up on a submission. ``overridden``:
staff set the grade by hand."""
_IN_FLIGHT = ("queued", "running")


@dataclass(frozen=True)
class Cell:
    """One student's grade for one assignment, and how it came about."""

    assignment: str
    student: str
    """The student's key."""
    submission: SubmissionRow | None
    """The submission that counts; None when none is graded."""
    attempts: int
    """Commits the student submitted to the assignment (regrades not counted again)."""
    raw: float | None
    """The counted submission's score before any late penalty."""
    days_late: int
    penalty_percent: float
    computed: float | None
    """``raw`` after the late policy, applied with the student's own due date. A result saved
    before ``raw_score`` existed has only its penalised score: that score, never penalised
    twice (an extension granted since cannot lift its penalty)."""
    override: Override | None
    final: float | None
    """The override's score, else ``computed``."""
    due: Due
    state: CellState


@dataclass(frozen=True)
class AssignmentStats:
    """One assignment across the class."""

    submitted: int
    """Students with a counted submission."""
    missing: int
    """Students with nothing graded nor in flight (and no override)."""
    median: float | None
    """Of the final scores; None when there are none."""
    mean: float | None
    late: int
    """Students whose counted submission is late."""
    queued: int
    """Submissions queued or running now."""
    failed: int
    """Submissions the platform gave up on."""
    max_score: float
    due: datetime | None
    """The rubric's due date."""


@dataclass(frozen=True)
class Gradebook:
    """A course's grades: students (roster first, then unmatched logins) x assignments."""

    course: Course
    routes: list[Route]
    students: list[Student]
    cells: dict[tuple[str, str], Cell]
    """By (assignment id, student key)."""
    stats: dict[str, AssignmentStats]
    """By assignment id."""
    unmatched: list[str]
    """Logins that submitted but are on no roster (each a pseudo-student ``gh:<login>``)."""
    late_days_left: dict[str, int] | None
    """By student key; None when the course has no late-day budget."""

    def cell(self, assignment: str, student: str) -> Cell:
        return self.cells[(assignment, student)]

    def total(self, student: str) -> float | None:
        """The sum of a student's final scores; None when there is none."""
        finals = [
            cell.final
            for route in self.routes
            if (cell := self.cells[(route.id, student)]).final is not None
        ]
        return round(sum(finals), 2) if finals else None


def build_gradebook(courses: Courses, course_id: str, store: CourseStore) -> Gradebook:
    """The course's gradebook from its records; raises ``KeyError`` for an unknown course."""
    course = courses.course(course_id)
    if course is None:
        raise KeyError(course_id)
    routes = courses.course_routes(course_id)
    roster = store.students(course_id)
    by_login = _by_login(store.course_submissions([route.id for route in routes]))
    unmatched = unmatched_logins(roster, by_login)
    students = roster + [
        Student(course_id, f"{PSEUDO_PREFIX}{login}", login, None, None, None, None)
        for login in unmatched
    ]
    builder = _Builder(
        course,
        routes,
        _by_student(store.extensions(course_id)),
        {(o.assignment, o.student): o for o in store.overrides(course_id)},
    )
    for student in students:
        builder.add(student, by_login.get(student.login or "", {}))
    return Gradebook(
        course=course,
        routes=routes,
        students=students,
        cells=builder.cells,
        stats={route.id: _stats(route, builder.column(route.id)) for route in routes},
        unmatched=unmatched,
        late_days_left=builder.left if course.late_days is not None else None,
    )


def _by_login(rows: Sequence[SubmissionRow]) -> dict[str, dict[str, list[SubmissionRow]]]:
    """The rows by author, then assignment; a row without an author belongs to nobody."""
    grouped: dict[str, dict[str, list[SubmissionRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.author_login:
            grouped[row.author_login.lower()][row.assignment].append(row)
    return grouped


def _by_student(extensions: Sequence[Extension]) -> dict[str, list[Extension]]:
    grouped: dict[str, list[Extension]] = defaultdict(list)
    for extension in extensions:
        grouped[extension.student].append(extension)
    return grouped


@dataclass
class _Builder:
    """Fills the cells student by student; keeps what the stats need per assignment."""

    course: Course
    routes: list[Route]
    extensions: Mapping[str, list[Extension]]
    overrides: Mapping[tuple[str, str], Override]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    columns: dict[str, list[Cell]] = field(default_factory=lambda: defaultdict(list))
    left: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _policies: dict[tuple[str, datetime], LatePolicy | None] = field(default_factory=dict)

    def add(self, student: Student, rows: Mapping[str, list[SubmissionRow]]) -> None:
        dues = student_dues(
            self.routes, self.course, student.key, self.extensions.get(student.key, ()), rows
        )
        left = late_days_left(self.course, dues)
        if left is not None:
            self.left[student.key] = left
        for route in self.routes:
            own = rows.get(route.id, [])
            for row in own:
                self.in_flight[route.id] += row.status in _IN_FLIGHT
                self.failed[route.id] += row.status == "failed"
            cell = self._cell(route, student.key, own, dues[route.id])
            self.cells[(route.id, student.key)] = cell
            self.columns[route.id].append(cell)

    def column(self, assignment: str) -> tuple[list[Cell], int, int]:
        return self.columns[assignment], self.in_flight[assignment], self.failed[assignment]

    def _policy(self, route: Route, due: datetime | None) -> LatePolicy | None:
        """The rubric's policy with this due date, made once per distinct date."""
        late = route.loaded.rubric.late
        if late is None or due is None:
            return late
        key = (route.id, due)
        if key not in self._policies:
            self._policies[key] = own_policy(late, due)
        return self._policies[key]

    def _cell(self, route: Route, key: str, rows: list[SubmissionRow], due: Due) -> Cell:
        late = route.loaded.rubric.late
        row = counted(rows, route.assignment.counts, due.before_late_days, late=late)
        raw = raw_score(row) if row is not None else None
        days, percent, computed = 0, 0.0, raw
        policy = self._policy(route, due.due)
        if row is not None and raw is not None and policy is not None:
            penalty = apply_late_policy(raw, policy, row.submitted_at)
            days, percent, computed = penalty.days_late, penalty.penalty_percent, penalty.score
            if row.raw_score is None:  # saved before raw_score: its score is already penalised
                computed = row.score
        override = self.overrides.get((route.id, key))
        return Cell(
            assignment=route.id,
            student=key,
            submission=row,
            attempts=len({r.head_sha for r in rows if r.status != "ignored"}),
            raw=raw,
            days_late=days,
            penalty_percent=percent,
            computed=computed,
            override=override,
            final=override.score if override is not None else computed,
            due=due,
            state=_state(row, rows, days, override),
        )


def _state(
    row: SubmissionRow | None, rows: list[SubmissionRow], days: int, override: Override | None
) -> CellState:
    if override is not None:
        return "overridden"
    if row is not None:
        return "late" if days else "graded"
    if any(r.status in _IN_FLIGHT for r in rows):
        return "pending"
    if any(r.status == "failed" for r in rows):
        return "failed"
    return "missing"


def _stats(route: Route, column: tuple[list[Cell], int, int]) -> AssignmentStats:
    cells, in_flight, failed = column
    finals = [cell.final for cell in cells if cell.final is not None]
    return AssignmentStats(
        submitted=sum(cell.submission is not None for cell in cells),
        missing=sum(cell.state == "missing" for cell in cells),
        median=round(statistics.median(finals), 2) if finals else None,
        mean=round(statistics.fmean(finals), 2) if finals else None,
        late=sum(cell.days_late > 0 for cell in cells),
        queued=in_flight,
        failed=failed,
        max_score=route.loaded.rubric.max_score,
        due=route.due,
    )
