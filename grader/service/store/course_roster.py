"""A course's roster, for ``SqlCourseStore``: students by key, matched to GitHub by login.

One rule holds across every write: a login belongs to at most one student of a course (the
unique ``(course, login)`` index backs it; unmatched students, login NULL, never collide).
A change that would break it is refused with a ``ValueError`` naming both students, before
anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service.store.course import Student
from grader.service.store.course_base import MAX_ID, CourseSqlBase, bounded, fits, record
from grader.service.store.tables import StudentRow

MERGED = ("login", "github_id", "student_id", "name", "email")
"""The fields an import updates; one it leaves None keeps the stored value."""


class Roster(CourseSqlBase):
    """Import, list, look up and match a course's students."""

    def upsert_students(
        self, course: str, students: Sequence[Student], actor: str
    ) -> tuple[int, int]:
        """Add or update students by key; (added, updated: those whose fields changed).

        A field given as None keeps what is stored, so a roster without logins does not undo
        the matches made by hand. ``ValueError`` when a key comes twice, a login would belong
        to two students (naming both) or a value does not fit its column; nothing is written.
        One ``roster.import`` audit entry says how many were added and updated.
        """
        bounded("roster", course=course, actor=actor)
        incoming = _batch(course, students)
        with self._session() as session:
            rows = {
                row.key: row
                for row in session.scalars(select(StudentRow).where(StudentRow.course == course))
            }
            stored = {key: record(Student, row) for key, row in rows.items()}
            merged = {key: _merge(stored.get(key), new) for key, new in incoming.items()}
            _one_student_per_login({**stored, **merged})
            added = [s for key, s in merged.items() if key not in stored]
            changed = [s for key, s in merged.items() if key in stored and stored[key] != s]
            _write(session, rows, added, changed)
            summary = f"{len(added)} added, {len(changed)} updated"
            self._audit(session, course, actor, "roster.import", "roster", after=summary)
        return len(added), len(changed)

    def students(self, course: str) -> list[Student]:
        """The roster, by name (case-insensitively; students without a name last) then key."""
        with self._session() as session:
            rows = session.scalars(select(StudentRow).where(StudentRow.course == course))
            found = [record(Student, row) for row in rows]
        return sorted(found, key=lambda s: (s.name is None, (s.name or "").casefold(), s.key))

    def student(self, course: str, key: str) -> Student | None:
        if not fits(key, "key"):
            return None
        with self._session() as session:
            row = session.get(StudentRow, (course, key))
            return None if row is None else record(Student, row)

    def student_by_login(self, course: str, login: str) -> Student | None:
        if not fits(login, "login"):
            return None
        with self._session() as session:
            row = session.scalar(
                select(StudentRow).where(
                    StudentRow.course == course, StudentRow.login == login.lower()
                )
            )
            return None if row is None else record(Student, row)

    def match_login(self, course: str, key: str, login: str, actor: str) -> Student:
        """Give a roster student a GitHub login (audited ``roster.match``); KeyError when the
        key is not on the roster, ValueError when another student has the login (naming both)."""
        login = login.lower()
        bounded("match", login=login, actor=actor)
        if not login:
            raise ValueError("match: the GitHub login is empty")
        with self._session() as session:
            row = session.get(StudentRow, (course, key)) if fits(key, "key") else None
            if row is None:
                raise KeyError(f"no student {key!r} on the roster of {course}")
            holder = session.scalar(
                select(StudentRow).where(
                    StudentRow.course == course, StudentRow.login == login, StudentRow.key != key
                )
            )
            if holder is not None:
                raise ValueError(
                    f"GitHub login {login!r} belongs to {_who(holder)}; cannot give it to {_who(row)}"
                )
            before = None if row.login is None else f"login {row.login}"
            row.login = login
            after = f"login {login}"
            self._audit(session, course, actor, "roster.match", key, before=before, after=after)
            return record(Student, row)


def _batch(course: str, students: Sequence[Student]) -> dict[str, Student]:
    """The students to upsert by key, in ``course``, logins lowercased; ValueError when a key
    comes twice or a value does not fit."""
    batch: dict[str, Student] = {}
    for given in students:
        student = replace(given, course=course, login=given.login.lower() if given.login else None)
        where = f"student {student.key[:100]!r}"
        bounded(
            where,
            key=student.key,
            login=student.login,
            student_id=student.student_id,
            name=student.name,
            email=student.email,
        )
        if not student.key:
            raise ValueError("roster: a student has an empty key")
        if student.github_id is not None and not 1 <= student.github_id <= MAX_ID:
            raise ValueError(f"{where}: github_id {student.github_id} is not a GitHub user id")
        if student.key in batch:
            raise ValueError(f"roster: {where} appears twice")
        batch[student.key] = student
    return batch


def _merge(stored: Student | None, new: Student) -> Student:
    """``new`` over ``stored``: a field ``new`` leaves None keeps the stored value."""
    if stored is None:
        return new
    given = {name: getattr(new, name) for name in MERGED}
    return replace(stored, **{name: value for name, value in given.items() if value is not None})


def _one_student_per_login(roster: dict[str, Student]) -> None:
    """ValueError naming both students when two of the roster would share a login."""
    holders: dict[str, Student] = {}
    for student in roster.values():
        if student.login is None:
            continue
        holder = holders.setdefault(student.login, student)
        if holder.key != student.key:
            raise ValueError(
                f"GitHub login {student.login!r} would be both {_who(holder)}'s and {_who(student)}'s"
            )


def _write(
    session: Session, rows: dict[str, StudentRow], added: list[Student], changed: list[Student]
) -> None:
    """Update, then insert, releasing moved logins first: the unique (course, login) index is
    checked per statement, and a swap of two logins must never hold one twice on the way."""
    for student in changed:
        if rows[student.key].login not in (None, student.login):
            rows[student.key].login = None
    session.flush()
    for student in changed:
        for name in MERGED:
            setattr(rows[student.key], name, getattr(student, name))
    session.flush()
    session.add_all(StudentRow(**asdict(student)) for student in added)


def _who(student: StudentRow | Student) -> str:
    """A student as a message names them: ``s123 (Ada Lovelace)``."""
    return f"{student.key} ({student.name})" if student.name else student.key
