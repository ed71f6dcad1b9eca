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

Everything is read and computed again when the course configuration changed (a new
``Courses``). When the rows held do not add up to the store's count (a row written with a
time far from the store's clock, outside what ``changed_since`` looks at), every row is read
again and the students whose rows differ are recomputed. A row *updated* with such a time
goes unseen until then: live writers stamp the time they write. A view that fails drops the
course's state: the next one builds from scratch.

One lock per course: a view waits for another's update of the same course rather than doing
it again; the states of different courses are updated side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from grader.service.classroom.gradebook import (
    Gradebook,
    LineMaker,
    RowsByLogin,
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
        with lock:  # the course's state is read and changed only under its lock
            with self._lock:
                book = self._books.get(course_id)
            try:
                if book is None or book.courses is not courses:
                    book = _CourseBook.build(courses, course_id, store)
                else:
                    book.refresh(store)
            except BaseException:
                with self._lock:
                    self._books.pop(course_id, None)  # half updated: never to be trusted
                raise
            with self._lock:
                self._books[course_id] = book
            return book.gradebook


_VALUES = attrgetter(*(each.name for each in fields(SubmissionRow)))
"""A row's field values in order (``SubmissionRow(*values)`` makes the row again)."""
_AUTHOR = [each.name for each in fields(SubmissionRow)].index("author_login")


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
    rows: dict[str, tuple[Any, ...]]
    """Every submission of the course's assignments by id, as its field values: tuples of
    plain values, which the garbage collector stops tracking. As 60,000 ``SubmissionRow``
    objects they would add a fifth to every full collection, a pause any page may take."""
    ids_by_login: dict[str, set[str]]
    """The ids of the rows with an author, by login (lowercased)."""
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
        by_login = rows_by_login(changes.rows)
        book = cls(
            courses=courses,
            course=course,
            routes=routes,
            maker=LineMaker(course, routes),
            store_mark=changes.watermark,
            audited=changes.audited,
            rows={row.id: _VALUES(row) for row in changes.rows},
            ids_by_login=_ids_by_login(by_login),
            roster=store.students(course_id),
            extensions=extensions_by_student(store.extensions(course_id)),
            overrides=overrides_by_student(store.overrides(course_id)),
        )
        book.relines(set(), set(), by_login)
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
        """Hold the rows read (new, or changed since held); the logins whose rows changed.
        A row held as it is changes nothing (``changed_since`` gives a slack's rows again)."""
        changed: set[str] = set()
        for row in rows:
            values, held = _VALUES(row), self.rows.get(row.id)
            if held == values:
                continue
            if held is not None and held[_AUTHOR]:
                login = held[_AUTHOR].lower()
                self.ids_by_login[login].discard(row.id)
                if not self.ids_by_login[login]:
                    del self.ids_by_login[login]
                changed.add(login)
            self.rows[row.id] = values
            if row.author_login:
                login = row.author_login.lower()
                self.ids_by_login.setdefault(login, set()).add(row.id)
                changed.add(login)
        return changed

    def replace_rows(self, rows: list[SubmissionRow]) -> set[str]:
        """Hold these rows (every one of the course's) instead; the logins whose rows changed."""
        fresh = {row.id: _VALUES(row) for row in rows}
        changed = {
            values[_AUTHOR].lower()
            for held, now in ((self.rows, fresh), (fresh, self.rows))
            for sid, values in held.items()
            if values[_AUTHOR] and now.get(sid) != values
        }
        self.rows, self.ids_by_login = fresh, _ids_by_login(rows_by_login(rows))
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

    def relines(
        self, logins: set[str], keys: set[str], by_login: RowsByLogin | None = None
    ) -> None:
        """Compute the lines of new students and of those whose rows (by login) or
        extensions and overrides (by key) changed, keep the others; assemble the gradebook.
        ``by_login``: the rows as read (a build), else made again of the values held."""
        students, unmatched = course_students(self.course.id, self.roster, self.ids_by_login)
        lines: dict[Student, StudentLine] = {}
        for student in students:
            line = self.lines.get(student)
            login = student.login or ""
            if line is None or student.key in keys or login in logins:
                rows = by_login.get(login, {}) if by_login is not None else self._rows_of(login)
                line = self.maker.line(
                    student,
                    rows,
                    self.extensions.get(student.key, ()),
                    self.overrides.get(student.key, {}),
                )
            lines[student] = line
        self.lines = lines
        self.gradebook = assemble(
            self.course, self.routes, [lines[student] for student in students], unmatched
        )

    def _rows_of(self, login: str) -> dict[str, list[SubmissionRow]]:
        """A login's rows by assignment, oldest first, made of the values held."""
        made = [SubmissionRow(*self.rows[sid]) for sid in self.ids_by_login.get(login, ())]
        return rows_by_login(sorted(made, key=submission_order)).get(login, {})


def _ids_by_login(by_login: RowsByLogin) -> dict[str, set[str]]:
    return {
        login: {row.id for rows in own.values() for row in rows} for login, own in by_login.items()
    }


def _differ(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The keys whose values differ between two dicts (in one only, or unequal)."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
