"""Reading a roster CSV into ``Student`` records, with every problem named by line and column.

Two formats, told apart by the header: GitHub Classroom's roster export
(``identifier, github_username, github_id, name``) and a plain CSV (``student_id, name,
email, github_login``; ``name`` and ``email`` optional). Header names are compared
case-insensitively. A student's ``key`` is the school's id (Classroom's ``identifier``),
else ``gh:<login>``.

The door is bounded: at most ``MAX_BYTES`` and ``MAX_ROWS``; text that is not UTF-8 (a BOM
is fine), a NUL byte, an unknown column, a duplicate key or login are refused. Every problem
is collected before raising, so one upload shows all of them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from grader.errors import RosterError
from grader.service.store.course import Student

MAX_BYTES = 2 * 1024 * 1024
"""The largest roster accepted (2 MiB: a few hundred bytes a student, 10,000 students)."""
MAX_ROWS = 10_000
"""The most students one roster may hold."""
MAX_FIELD = 200
"""The longest id, name or e-mail address accepted."""

LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
"""A GitHub login: letters, digits and hyphens, not starting with a hyphen, at most 39."""
PSEUDO_PREFIX = "gh:"
"""The key of a student known only by GitHub login (and of an unmatched login)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

CLASSROOM = ("identifier", "github_username", "github_id", "name")
"""GitHub Classroom's roster export."""
PLAIN = ("student_id", "name", "email", "github_login")
"""A plain roster."""
_REQUIRED = {"classroom": ("identifier", "github_username"), "plain": ()}
_KEY_COLUMN = {"classroom": "identifier", "plain": "student_id"}
_LOGIN_COLUMN = {"classroom": "github_username", "plain": "github_login"}


def parse_roster(data: bytes, course: str, *, name: str = "roster.csv") -> list[Student]:
    """The students of a roster CSV, in the file's order.

    Raises ``RosterError`` listing every problem ("roster.csv line 4, column github_id:
    'abc' is not a number").
    """
    reader = _Reader(name, course)
    records = reader.records(_decode(data, name))
    first = next((record for record in records if any(cell.strip() for cell in record[1])), None)
    if first is None:
        if reader.problems:
            raise RosterError(reader.problems)
        raise RosterError([f"{name}: the file is empty; expected a header line: {_expected()}"])
    columns, kind = reader.header(*first)
    reader.body(records, columns, kind)
    if reader.problems:
        raise RosterError(reader.problems)
    return reader.students


def unmatched_logins(students: Iterable[Student], submitted_logins: Iterable[str]) -> list[str]:
    """The logins that submitted but belong to no roster student, sorted, lowercased, once each."""
    known = {student.login for student in students if student.login}
    return sorted({login.lower() for login in submitted_logins if login} - known)


def _expected() -> str:
    return f"{', '.join(PLAIN)} (name and email optional), or GitHub Classroom's {', '.join(CLASSROOM)}"


def _header_problems(columns: list[str], kind: str) -> list[str]:
    """What is wrong with a header of this format: unknown, repeated or missing columns."""
    allowed = CLASSROOM if kind == "classroom" else PLAIN
    problems = [
        f"unknown column {_shown(column)}; expected {_expected()}"
        for column in columns
        if column not in allowed
    ]
    twice = sorted({column for column in columns if columns.count(column) > 1})
    problems.extend(f"column {column!r} appears twice" for column in twice)
    problems.extend(f"no column {column}" for column in _missing(columns, kind))
    return problems


def _missing(columns: list[str], kind: str) -> list[str]:
    """The columns a header of this format lacks: a plain roster needs an id or a login."""
    if kind == "plain":
        return (
            [] if {"student_id", "github_login"} & set(columns) else ["student_id or github_login"]
        )
    return [column for column in _REQUIRED[kind] if column not in columns]


def _decode(data: bytes, name: str) -> str:
    """The roster's text; refuses what is too big, holds NUL bytes or is not UTF-8."""
    if len(data) > MAX_BYTES:
        raise RosterError(
            [f"{name}: {len(data):,} bytes; a roster may hold at most {MAX_BYTES:,} (2 MiB)"]
        )
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise RosterError([f"{name} line {line}: a NUL byte; is this a CSV text file?"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RosterError(
            [f"{name} line {line}: not UTF-8 (byte {data[exc.start]:#04x}); save the file as UTF-8"]
        ) from None


@dataclass
class _Reader:
    """Collects the students and the problems of one roster."""

    name: str
    course: str
    problems: list[str] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)
    """Each key seen, with its line."""
    logins: dict[str, int] = field(default_factory=dict)
    """Each login seen, with its line."""

    def header(self, line: int, cells: Sequence[str]) -> tuple[list[str], str]:
        """The header's columns (lowercased) and the format they say: classroom or plain."""
        columns = [cell.strip().lower() for cell in cells]
        kind = "classroom" if {"identifier", "github_username"} & set(columns) else "plain"
        self.problems.extend(
            f"{self.name} line {line}: {what}" for what in _header_problems(columns, kind)
        )
        if self.problems:
            raise RosterError(self.problems)
        return columns, kind

    def records(self, text: str) -> Iterator[tuple[int, list[str]]]:
        """Each CSV record with the line it starts on; a CSV error ends them, noted."""
        rows = csv.reader(io.StringIO(text, newline=""), strict=True)
        end = 0
        try:
            for cells in rows:
                start, end = end + 1, rows.line_num
                yield start, cells
        except csv.Error as exc:
            self.problems.append(f"{self.name} line {end + 1}: not valid CSV ({exc})")

    def body(self, records: Iterable[tuple[int, list[str]]], columns: list[str], kind: str) -> None:
        """Read every data row; blank lines are skipped."""
        count = 0
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                self.problems.append(
                    f"{self.name} line {line}: more than {MAX_ROWS:,} students; split the roster"
                )
                return
            if len(cells) != len(columns):
                self.problems.append(
                    f"{self.name} line {line}: {len(cells)} fields, the header has {len(columns)}"
                )
                continue
            self.row(line, dict(zip(columns, (cell.strip() for cell in cells), strict=True)), kind)

    def row(self, line: int, values: dict[str, str], kind: str) -> None:
        """One student, or the problems of its line."""
        before = len(self.problems)
        login = self._login(line, values.get(_LOGIN_COLUMN[kind], ""), _LOGIN_COLUMN[kind])
        student_id = self._text(line, values, _KEY_COLUMN[kind])
        github_id = self._github_id(line, values.get("github_id", ""))
        name = self._text(line, values, "name")
        email = self._email(line, values.get("email", ""))
        if student_id is None and not values.get(_LOGIN_COLUMN[kind]):
            self.problems.append(
                f"{self.name} line {line}: neither {_KEY_COLUMN[kind]} nor {_LOGIN_COLUMN[kind]}; "
                "a student needs one"
            )
        if len(self.problems) > before:
            return
        key = student_id if student_id is not None else f"{PSEUDO_PREFIX}{login}"
        if self._seen(line, key, login, kind):
            return
        self.students.append(Student(self.course, key, login, github_id, student_id, name, email))

    def _seen(self, line: int, key: str, login: str | None, kind: str) -> bool:
        """True (and a problem noted) when the key or the login came before."""
        duplicate = False
        if key in self.keys:
            self.problems.append(
                f"{self.name} line {line}, column {_KEY_COLUMN[kind]}: {_shown(key)} appears "
                f"twice (first on line {self.keys[key]})"
            )
            duplicate = True
        if login is not None and login in self.logins:
            self.problems.append(
                f"{self.name} line {line}, column {_LOGIN_COLUMN[kind]}: {_shown(login)} appears "
                f"twice (first on line {self.logins[login]})"
            )
            duplicate = True
        if not duplicate:
            self.keys[key] = line
            if login is not None:
                self.logins[login] = line
        return duplicate

    def _problem(self, line: int, column: str, value: str, what: str) -> None:
        self.problems.append(f"{self.name} line {line}, column {column}: {_shown(value)} {what}")

    def _text(self, line: int, values: dict[str, str], column: str) -> str | None:
        value = values.get(column, "")
        if not value:
            return None
        if len(value) > MAX_FIELD:
            self._problem(line, column, value, f"is longer than {MAX_FIELD} characters")
        elif _CONTROL.search(value):
            self._problem(line, column, value, "holds a control character")
        elif column in _KEY_COLUMN.values() and value.lower().startswith(PSEUDO_PREFIX):
            self._problem(line, column, value, f"may not start with {PSEUDO_PREFIX!r}")
        return value

    def _login(self, line: int, value: str, column: str) -> str | None:
        if not value:
            return None
        if value.startswith("@"):
            value = value[1:]
        if not LOGIN.match(value):
            self._problem(line, column, value, "is not a GitHub login")
            return None
        return value.lower()

    def _github_id(self, line: int, value: str) -> int | None:
        if not value:
            return None
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            self._problem(line, "github_id", value, "is not a number")
            return None
        return int(value)

    def _email(self, line: int, value: str) -> str | None:
        if not value:
            return None
        local, at, domain = value.partition("@")
        if len(value) > MAX_FIELD or not at or not local or "." not in domain or " " in value:
            self._problem(line, "email", value, "is not an e-mail address")
            return None
        return value


def _shown(value: str) -> str:
    """A value quoted for a message, cut when long."""
    return repr(value if len(value) <= 60 else value[:57] + "...")
