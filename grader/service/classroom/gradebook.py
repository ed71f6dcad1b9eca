"""The course's gradebook: one cell per student and assignment, after policy, due dates,
the late penalty and overrides; and each assignment's numbers.

``build_gradebook`` reads the course's records once (the roster, every submission of its
assignments, extensions, overrides) and computes everything in memory, with no query per
cell. Logins that submitted but are on no roster are pseudo-students keyed ``gh:<login>``
and listed in ``unmatched``.

A student's cells depend only on their own rows, extensions and overrides (and the course):
``LineMaker`` computes one student's ``StudentLine`` and ``assemble`` makes the gradebook of
the lines, its stats from the cells. ``classroom.cache`` keeps the lines and recomputes only
those of students whose records changed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from grader.rubric.model import LatePolicy
from grader.scoring import apply_late_policy
from grader.service.classroom.policy import (
    Due,
    dues_and_counted,
    late_days_left,
    own_policy,
    raw_score,
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
    by_login = rows_by_login(store.course_submissions([route.id for route in routes]))
    students, unmatched = course_students(course_id, roster, by_login)
    extensions = extensions_by_student(store.extensions(course_id))
    overrides = overrides_by_student(store.overrides(course_id))
    maker = LineMaker(course, routes)
    lines = [
        maker.line(
            student,
            by_login.get(student.login or "", {}),
            extensions.get(student.key, ()),
            overrides.get(student.key, {}),
        )
        for student in students
    ]
    return assemble(course, routes, lines, unmatched)


RowsByLogin = Mapping[str, Mapping[str, Sequence[SubmissionRow]]]
"""Submission rows by author login (lowercased), then assignment, oldest first."""


def rows_by_login(rows: Iterable[SubmissionRow]) -> dict[str, dict[str, list[SubmissionRow]]]:
    """The rows by author, then assignment, in their order; a row without an author belongs to
    nobody."""
    grouped: dict[str, dict[str, list[SubmissionRow]]] = {}
    for row in rows:
        if row.author_login:
            own = grouped.setdefault(row.author_login.lower(), {})
            own.setdefault(row.assignment, []).append(row)
    return grouped


def course_students(
    course_id: str, roster: list[Student], logins: Iterable[str]
) -> tuple[list[Student], list[str]]:
    """The gradebook's students (the roster, then a pseudo-student per login that submitted
    but is on no roster) and those unmatched logins."""
    unmatched = unmatched_logins(roster, logins)
    pseudo = [
        Student(course_id, f"{PSEUDO_PREFIX}{login}", login, None, None, None, None)
        for login in unmatched
    ]
    return roster + pseudo, unmatched


def extensions_by_student(extensions: Iterable[Extension]) -> dict[str, tuple[Extension, ...]]:
    """By student key."""
    grouped: dict[str, list[Extension]] = defaultdict(list)
    for extension in extensions:
        grouped[extension.student].append(extension)
    return {key: tuple(each) for key, each in grouped.items()}


def overrides_by_student(overrides: Iterable[Override]) -> dict[str, dict[str, Override]]:
    """By student key, then assignment."""
    grouped: dict[str, dict[str, Override]] = defaultdict(dict)
    for override in overrides:
        grouped[override.student][override.assignment] = override
    return dict(grouped)


@dataclass(frozen=True)
class StudentLine:
    """One student's row of the gradebook, and what the stats need of it."""

    student: Student
    cells: tuple[Cell, ...]
    """In the routes' order."""
    left: int | None
    """Late days left; None when the course has no budget."""
    in_flight: tuple[int, ...]
    """Per route: the student's submissions queued or running."""
    failed: tuple[int, ...]
    """Per route: the student's submissions the platform gave up on."""


@dataclass
class LineMaker:
    """Computes students' lines for one course; remembers each late policy it made."""

    course: Course
    routes: list[Route]
    _policies: dict[tuple[str, datetime], LatePolicy | None] = field(default_factory=dict)

    def line(
        self,
        student: Student,
        rows: Mapping[str, Sequence[SubmissionRow]],
        extensions: Iterable[Extension],
        overrides: Mapping[str, Override],
    ) -> StudentLine:
        """The student's cells from their rows by assignment (oldest first), their extensions
        and their overrides by assignment."""
        dues, chosen = dues_and_counted(self.routes, self.course, student.key, extensions, rows)
        cells, in_flight, failed = [], [], []
        for route in self.routes:
            own = rows.get(route.id, ())
            flying = sum(row.status in _IN_FLIGHT for row in own)
            broke = sum(row.status == "failed" for row in own)
            cell = self._cell(route, student.key, own, dues[route.id], chosen[route.id])
            cells.append(_settled(cell, overrides.get(route.id), flying, broke))
            in_flight.append(flying)
            failed.append(broke)
        return StudentLine(
            student,
            tuple(cells),
            late_days_left(self.course, dues),
            tuple(in_flight),
            tuple(failed),
        )

    def _policy(self, route: Route, due: datetime | None) -> LatePolicy | None:
        """The rubric's policy with this due date, made once per distinct date."""
        late = route.loaded.rubric.late
        if late is None or due is None:
            return late
        key = (route.id, due)
        if key not in self._policies:
            self._policies[key] = own_policy(late, due)
        return self._policies[key]

    def _cell(
        self,
        route: Route,
        key: str,
        rows: Sequence[SubmissionRow],
        due: Due,
        row: SubmissionRow | None,
    ) -> Cell:
        """The cell of the submission that counts (``row``), before any override."""
        raw = raw_score(row) if row is not None else None
        days, percent, computed = 0, 0.0, raw
        policy = self._policy(route, due.due)
        if row is not None and raw is not None and policy is not None:
            penalty = apply_late_policy(raw, policy, row.submitted_at)
            days, percent, computed = penalty.days_late, penalty.penalty_percent, penalty.score
            if row.raw_score is None:  # saved before raw_score: its score is already penalised
                computed = row.score
        return Cell(
            assignment=route.id,
            student=key,
            submission=row,
            attempts=len({r.head_sha for r in rows if r.status != "ignored"}),
            raw=raw,
            days_late=days,
            penalty_percent=percent,
            computed=computed,
            override=None,
            final=computed,
            due=due,
            state="late" if days else "graded",
        )


def _settled(cell: Cell, override: Override | None, in_flight: int, failed: int) -> Cell:
    """The cell with its override, or the state of a cell with nothing graded; most cells
    are neither and come back as they are."""
    if override is not None:
        return replace(cell, override=override, final=override.score, state="overridden")
    if cell.submission is not None:
        return cell
    state: CellState = "pending" if in_flight else "failed" if failed else "missing"
    return replace(cell, state=state)


def assemble(
    course: Course, routes: list[Route], lines: Sequence[StudentLine], unmatched: list[str]
) -> Gradebook:
    """The gradebook of these students' lines (in the gradebook's order), with each
    assignment's stats."""
    left = None
    if course.late_days is not None:
        left = {line.student.key: line.left for line in lines if line.left is not None}
    return Gradebook(
        course=course,
        routes=routes,
        students=[line.student for line in lines],
        cells={
            (route.id, line.student.key): cell
            for line in lines
            for route, cell in zip(routes, line.cells, strict=True)
        },
        stats={route.id: _column(route, index, lines) for index, route in enumerate(routes)},
        unmatched=unmatched,
        late_days_left=left,
    )


def _column(route: Route, index: int, lines: Sequence[StudentLine]) -> AssignmentStats:
    """The stats of the assignment at ``index`` of the routes."""
    return _stats(
        route,
        [line.cells[index] for line in lines],
        sum(line.in_flight[index] for line in lines),
        sum(line.failed[index] for line in lines),
    )


def _stats(route: Route, cells: list[Cell], in_flight: int, failed: int) -> AssignmentStats:
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
