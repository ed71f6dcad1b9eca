"""Grade passback to Canvas: which grades to send, compared with what Canvas holds.

The plan is pure: the gradebook and a ``CanvasSnapshot`` (the Canvas course's students, and
each linked assignment's points and current scores) in, the changes and the problems out.
``canvas_client`` reads the snapshot with canvasapi and sends the changes. Decisions:

- The grade sent is the gradebook's exported grade, ``Cell.final`` (after policy, extensions,
  the late penalty and overrides), written as the CSV exports write it (``exports.number``:
  at most two decimals). Overridden grades are sent like any other.
- Only a cell with a grade is sent (graded, late, overridden). A cell ``pending`` (a
  submission queued or running, nothing graded yet), ``missing`` or ``failed`` is not sent
  and never becomes a 0: work in the queue is graded first, missing work is Canvas's own
  missing policy's business, and a platform failure is not the student's. A grade in Canvas
  is never cleared: a cell without a grade here leaves Canvas's grade as it is.
- Idempotent: a grade equal to Canvas's current score (to the exports' two decimals) is not
  sent again, so a second push right after the first sends nothing.
- A submission Canvas marks excused is left excused (a problem says so).
- An assignment whose Canvas ``points_possible`` differs from the rubric's maximum is not
  pushed: a grade in points would mean something else there.
- A roster student is matched to one Canvas student by the course's ``canvas.match``; none
  or several is a problem, as is a Canvas student whom no roster student matches. Logins on
  no roster (``gh:<login>``) are never sent: Canvas could not tell who they are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from grader.service.classroom.exports import number
from grader.service.classroom.gradebook import Cell, Gradebook
from grader.service.classroom.roster import PSEUDO_PREFIX
from grader.service.courses import CanvasLink, Route
from grader.service.store.course import Student

SENT_STATES = frozenset({"graded", "late", "overridden"})
"""The gradebook states whose grade is sent; the others (pending, missing, failed) never are."""


@dataclass(frozen=True)
class CanvasStudent:
    """A student of the Canvas course, as its users list shows them."""

    id: int
    name: str
    sis_user_id: str | None = None
    login_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CanvasAssignment:
    """A Canvas assignment and its submissions' current scores."""

    id: int
    name: str
    points_possible: float | None
    scores: Mapping[int, float | None]
    """By Canvas user id; None: no grade."""
    excused: frozenset[int] = frozenset()
    """Canvas user ids whose submission is excused."""


@dataclass(frozen=True)
class CanvasSnapshot:
    """What the Canvas course holds now, read once before planning."""

    students: Sequence[CanvasStudent]
    assignments: Mapping[int, CanvasAssignment]
    """By Canvas assignment id; an id Canvas answered 404 for is absent."""


@dataclass(frozen=True)
class GradeChange:
    """One grade to send: the student's score for the assignment, and Canvas's now."""

    assignment: str
    canvas_assignment: int
    student: str
    """The roster student's key."""
    name: str
    canvas_user: int
    before: float | None
    """Canvas's current score; None: none."""
    after: float

    @property
    def posted_grade(self) -> str:
        """What Canvas is sent (``submission[posted_grade]``): points, as the exports write them."""
        return number(self.after)


ProblemKind = Literal[
    "no_canvas_id",
    "assignment_missing",
    "points_differ",
    "no_match_value",
    "not_in_canvas",
    "ambiguous",
    "not_on_roster",
    "excused",
]


@dataclass(frozen=True)
class Problem:
    """Something the push cannot do on its own; shown to the user, never fatal."""

    kind: ProblemKind
    subject: str
    """The assignment, roster student key or Canvas user it is about."""
    message: str


@dataclass(frozen=True)
class Plan:
    """What a push would send, and why the rest is not sent."""

    course: str
    changes: tuple[GradeChange, ...]
    unchanged: int
    """Grades Canvas already holds."""
    not_sent: Mapping[str, int]
    """Cells not sent, by gradebook state (pending, missing, failed), over linked assignments."""
    problems: tuple[Problem, ...]
    matched: int
    """Roster students matched to a Canvas student."""
    roster: int
    linked: tuple[str, ...] = field(default=())
    """The assignments pushed (a Canvas id that exists, with the same points)."""


def plan_passback(
    book: Gradebook,
    link: CanvasLink,
    snapshot: CanvasSnapshot,
    only: Collection[str] | None = None,
) -> Plan:
    """The grades of ``book`` that differ from ``snapshot``; ``only``: these assignment ids."""
    roster = [s for s in book.students if not s.key.startswith(PSEUDO_PREFIX)]
    matched, problems = match_students(roster, snapshot.students, link.match)
    tally = _Tally(problems)
    linked = []
    for route in book.routes:
        if only is not None and route.id not in only:
            continue
        assignment = _linked_assignment(route, snapshot, problems)
        if assignment is not None:
            linked.append(route.id)
            for student in roster:
                canvas = matched.get(student.key)
                if canvas is not None:
                    tally.count(
                        route, assignment, student, canvas, book.cell(route.id, student.key)
                    )
    return Plan(
        course=book.course.id,
        changes=tuple(tally.changes),
        unchanged=tally.unchanged,
        not_sent=dict(tally.not_sent),
        problems=tuple(problems),
        matched=len(matched),
        roster=len(roster),
        linked=tuple(linked),
    )


@dataclass
class _Tally:
    """The plan's changes and counts as the cells are looked at."""

    problems: list[Problem]
    changes: list[GradeChange] = field(default_factory=list)
    unchanged: int = 0
    not_sent: Counter[str] = field(default_factory=Counter)

    def count(
        self,
        route: Route,
        assignment: CanvasAssignment,
        student: Student,
        canvas: CanvasStudent,
        cell: Cell,
    ) -> None:
        if cell.state not in SENT_STATES or cell.final is None:
            self.not_sent[cell.state] += 1
            return
        change = _change(route, assignment, student, canvas, cell)
        if change is None:
            self.unchanged += 1
        elif canvas.id in assignment.excused:
            message = (
                f"excused in Canvas for {route.id}: left excused (not sent {change.posted_grade})"
            )
            self.problems.append(Problem("excused", student.key, message))
        else:
            self.changes.append(change)


def _linked_assignment(
    route: Route, snapshot: CanvasSnapshot, problems: list[Problem]
) -> CanvasAssignment | None:
    """The route's Canvas assignment when grades can go there; else a problem says why not."""
    canvas_id = route.assignment.canvas_id
    if canvas_id is None:
        problems.append(Problem("no_canvas_id", route.id, "no canvas_id in courses.yaml: skipped"))
        return None
    assignment = snapshot.assignments.get(canvas_id)
    if assignment is None:
        message = f"Canvas has no assignment {canvas_id} in this course (404): skipped"
        problems.append(Problem("assignment_missing", route.id, message))
        return None
    top = route.loaded.rubric.max_score
    if assignment.points_possible is None or round(assignment.points_possible, 2) != round(top, 2):
        message = (
            f"Canvas assignment {canvas_id} is out of {number(assignment.points_possible)} "
            f"points, the rubric of {number(top)}: skipped (make them equal in Canvas)"
        )
        problems.append(Problem("points_differ", route.id, message))
        return None
    return assignment


def _change(
    route: Route,
    assignment: CanvasAssignment,
    student: Student,
    canvas: CanvasStudent,
    cell: Cell,
) -> GradeChange | None:
    """The change for one cell with a grade; None when Canvas holds that grade already."""
    after = round(cell.final or 0.0, 2)
    before = assignment.scores.get(canvas.id)
    if before is not None and round(before, 2) == after:
        return None
    return GradeChange(
        assignment=route.id,
        canvas_assignment=assignment.id,
        student=student.key,
        name=student.name or canvas.name,
        canvas_user=canvas.id,
        before=before,
        after=after,
    )


def match_students(
    roster: Sequence[Student], canvas: Iterable[CanvasStudent], match: str
) -> tuple[dict[str, CanvasStudent], list[Problem]]:
    """Roster students (by key) matched to Canvas students by ``match`` (``CanvasLink.match``:
    the roster's student id as Canvas's sis_user_id or login_id, or the e-mail address, the
    latter compared without case), and the problems: a roster student with no value to match
    on, matching nobody or several; a Canvas student whom no roster student matched."""
    by_value: dict[str, list[CanvasStudent]] = defaultdict(list)
    everyone = list(canvas)
    for each in everyone:
        value = _canvas_value(each, match)
        if value:
            by_value[value].append(each)
    matched: dict[str, CanvasStudent] = {}
    problems: list[Problem] = []
    for student in roster:
        value = _roster_value(student, match)
        found = by_value.get(value, []) if value else []
        if len(found) == 1:
            matched[student.key] = found[0]
        else:
            problems.append(_unmatched(student, value, match, len(found)))
    taken = {each.id for each in matched.values()}
    problems.extend(
        Problem("not_on_roster", f"canvas:{each.id}", f"{each.name}: matches no roster student")
        for each in everyone
        if each.id not in taken
    )
    return matched, problems


def _unmatched(student: Student, value: str | None, match: str, found: int) -> Problem:
    own = "email" if match == "email" else "student_id"
    if not value:
        return Problem("no_match_value", student.key, f"no {own} on the roster to match {match}")
    if found == 0:
        return Problem("not_in_canvas", student.key, f"no Canvas student has {match} {value!r}")
    return Problem("ambiguous", student.key, f"{found} Canvas students have {match} {value!r}")


def _roster_value(student: Student, match: str) -> str | None:
    if match == "email":
        return student.email.strip().lower() if student.email else None
    return student.student_id.strip() if student.student_id else None


def _canvas_value(student: CanvasStudent, match: str) -> str | None:
    if match == "email":
        return student.email.strip().lower() if student.email else None
    value = student.login_id if match == "login_id" else student.sis_user_id
    return value.strip() if value else None
