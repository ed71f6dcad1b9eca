"""Each course's gradebook, kept up to date by recomputing only the students who changed.

Building a gradebook reads every submission of the course (60,000 rows for 500 students x
12 assignments x 10 pushes: most of a second). At a deadline a push lands every few seconds
and pages ask for the gradebook on every view, so the cache keeps what the gradebook is made
of: the submission rows (by id and by author), the roster, extensions and overrides, and
each student's line of cells (``gradebook.StudentLine``). A view asks the store what changed
since its last read (``CourseStore.changed_since``: the rows updated since, their count, the
newest audit entry) and recomputes the lines of the students whose rows changed; when the
audit trail moved, it reads the roster, extensions and overrides again and recomputes the
students whose record, extensions or overrides differ. The stats are made again from the
cells. Nothing changed: the same ``Gradebook`` object.

Read everything again, and recompute every line, when the course configuration changed (a
new ``Courses``), or when the rows held do not add up to the store's count (a row written
with a time far from the store's clock, outside what ``changed_since`` looks at). A view
that fails drops the course's state: the next one builds from scratch.

One lock per course: a view waits for another's update of the same course rather than doing
it again; the states of different courses are updated side by side.
"""

from __future__ import annotations

import threading
from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.service.classroom.gradebook import (
    Gradebook,
    LineMaker,
    StudentLine,
    assemble,
    course_students,
    extensions_by_student,
    overrides_by_student,
    rows_by_login,
)
from grader.service.courses import Course, Courses, Route
from grader.service.store.course import (
    CourseStore,
    Extension,
    Override,
    Student,
    SubmissionRow,
    submission_order,
)


class GradebookCache:
    """One gradebook per course, updated student by student as the store changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        """Guards the two dicts; each course's state is guarded by its own lock."""
        self._books: dict[str, _CourseBook] = {}
        self._locks: dict[str, threading.Lock] = {}

    def get(self, courses: Courses, course_id: str, store: CourseStore) -> Gradebook:
        """The course's gradebook as the store holds it now; raises ``KeyError`` for an
        unknown course (as ``build_gradebook`` does)."""
        if courses.course(course_id) is None:
            raise KeyError(course_id)
        with self._lock:
            lock = self._locks.setdefault(course_id, threading.Lock())
        with lock:
            book = self._books.get(course_id)
            try:
                if book is None or book.courses is not courses:
                    book = _CourseBook.build(courses, course_id, store)
                    self._books[course_id] = book
                else:
                    book.refresh(store)
            except BaseException:
                self._books.pop(course_id, None)  # half updated: never to be trusted
                raise
            return book.gradebook


@dataclass
class _CourseBook:
    """What one course's gradebook is made of, and the gradebook made of it."""

    courses: Courses
    course: Course
    routes: list[Route]
    maker: LineMaker
    store_mark: Any
    """The watermark of the last ``changed_since``."""
    audited: int | None
    """The newest audit entry when the roster, extensions and overrides were read."""
    rows: dict[str, SubmissionRow]
    """Every submission of the course's assignments, by id."""
    by_login: dict[str, dict[str, list[SubmissionRow]]]
    """The rows with an author, by login then assignment, oldest first."""
    roster: list[Student]
    extensions: dict[str, tuple[Extension, ...]]
    overrides: dict[str, dict[str, Override]]
    lines: dict[Student, StudentLine] = field(default_factory=dict)
    gradebook: Gradebook = field(init=False)
    """Made of ``lines`` by ``relines``."""

    @classmethod
    def build(cls, courses: Courses, course_id: str, store: CourseStore) -> _CourseBook:
        """Everything read, every line computed."""
        course = courses.course(course_id)
        if course is None:
            raise KeyError(course_id)
        routes = courses.course_routes(course_id)
        changes = store.changed_since(course_id, [route.id for route in routes])
        book = cls(
            courses=courses,
            course=course,
            routes=routes,
            maker=LineMaker(course, routes),
            store_mark=changes.watermark,
            audited=changes.audited,
            rows={row.id: row for row in changes.rows},
            by_login=rows_by_login(changes.rows),
            roster=store.students(course_id),
            extensions=extensions_by_student(store.extensions(course_id)),
            overrides=overrides_by_student(store.overrides(course_id)),
        )
        book.relines(set(), set())
        return book

    def refresh(self, store: CourseStore) -> None:
        """Bring the gradebook up to what the store holds now."""
        assignments = [route.id for route in self.routes]
        changes = store.changed_since(self.course.id, assignments, self.store_mark)
        logins = self.merge(changes.rows)
        if len(self.rows) != changes.count:  # something outside the window: read it all
            changes = store.changed_since(self.course.id, assignments)
            logins |= self.replace_rows(changes.rows)
        self.store_mark = changes.watermark
        keys: set[str] = set()
        if changes.audited != self.audited:
            keys = self.reread(store)
        if logins or keys or changes.audited != self.audited:
            self.audited = changes.audited
            self.relines(logins, keys)

    def merge(self, rows: Iterable[SubmissionRow]) -> set[str]:
        """File the rows read (new, or changed since held); the logins whose rows changed.
        A row held as it is changes nothing (``changed_since`` gives a slack's rows again)."""
        changed: set[str] = set()
        for row in rows:
            held = self.rows.get(row.id)
            if held == row:
                continue
            if held is not None:
                self._unfile(held)
                changed |= _logins(held)
            self.rows[row.id] = row
            if row.author_login:
                own = self.by_login.setdefault(row.author_login.lower(), {})
                insort(own.setdefault(row.assignment, []), row, key=submission_order)
            changed |= _logins(row)
        return changed

    def replace_rows(self, rows: list[SubmissionRow]) -> set[str]:
        """Hold these rows (every one of the course's) instead; the logins whose rows changed."""
        fresh = {row.id: row for row in rows}
        changed = {login for row in rows if self.rows.get(row.id) != row for login in _logins(row)}
        changed |= {
            login
            for sid, row in self.rows.items()
            if fresh.get(sid) != row
            for login in _logins(row)
        }
        self.rows, self.by_login = fresh, rows_by_login(rows)
        return changed

    def reread(self, store: CourseStore) -> set[str]:
        """Read the roster, extensions and overrides again (the audit trail moved); the keys of
        the students whose extensions or overrides changed. A changed roster entry is a new
        ``Student``: its line is not found, so computed."""
        course_id = self.course.id
        self.roster = store.students(course_id)
        extensions = extensions_by_student(store.extensions(course_id))
        overrides = overrides_by_student(store.overrides(course_id))
        keys = _differ(self.extensions, extensions) | _differ(self.overrides, overrides)
        self.extensions, self.overrides = extensions, overrides
        return keys

    def relines(self, logins: set[str], keys: set[str]) -> None:
        """Compute the lines of new students and of those whose rows (by login) or
        extensions and overrides (by key) changed, keep the others; assemble the gradebook."""
        students, unmatched = course_students(self.course.id, self.roster, self.by_login)
        lines: dict[Student, StudentLine] = {}
        for student in students:
            line = self.lines.get(student)
            if line is None or student.key in keys or (student.login or "") in logins:
                line = self.maker.line(
                    student,
                    self.by_login.get(student.login or "", {}),
                    self.extensions.get(student.key, ()),
                    self.overrides.get(student.key, {}),
                )
            lines[student] = line
        self.lines = lines
        self.gradebook = assemble(
            self.course, self.routes, [lines[student] for student in students], unmatched
        )

    def _unfile(self, row: SubmissionRow) -> None:
        """Take a held row out of ``by_login`` (it changed); drop what it leaves empty."""
        if not row.author_login:
            return
        login = row.author_login.lower()
        own = self.by_login[login]
        kept = [each for each in own[row.assignment] if each.id != row.id]
        if kept:
            own[row.assignment] = kept
        else:
            del own[row.assignment]
            if not own:
                del self.by_login[login]


def _logins(row: SubmissionRow) -> set[str]:
    """The login a row belongs to (none without an author)."""
    return {row.author_login.lower()} if row.author_login else set()


def _differ(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The keys whose values differ between two dicts (in one only, or unequal)."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
