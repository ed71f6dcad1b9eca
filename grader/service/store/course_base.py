"""What the parts of ``SqlCourseStore`` share: the engine, the clock, transactions, the audit
trail's writer, and the checks that keep a value a column cannot hold out of the database.

A value too long for its column, or holding a NUL byte (PostgreSQL's text cannot), is refused
with a ``ValueError`` naming it before any SQL runs: the console's forms and the CLI show that
message, never a database error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from grader.service.store.records import Clock, utcnow
from grader.service.store.tables import AuditRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

MAX_TEXT = 10_000
"""The longest reason, message or response kept."""
MAX_ID = 2**63 - 1
"""Row and GitHub user ids are 64-bit integers; a larger one names nothing."""
WIDTHS = {
    "course": 128,
    "assignment": 128,
    "key": 255,
    "student": 255,
    "login": 255,
    "student_id": 255,
    "name": 255,
    "email": 320,
    "actor": 255,
    "submission_id": 32,
}
"""Column widths (``tables.py``) by field name; any other text is bounded by ``MAX_TEXT``."""


class CourseSqlBase:
    """An engine, a clock and short transactions; the parts of ``SqlCourseStore`` build on it."""

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self._sessions.begin() as session:
            yield session

    def _audit(
        self,
        session: Session,
        course: str,
        actor: str,
        action: str,
        target: str,
        *,
        before: str | None = None,
        after: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Write an entry to the trail in the change's own transaction: both or neither."""
        session.add(
            AuditRow(
                course=course,
                at=self.clock(),
                actor=actor,
                action=action,
                target=target[:512],
                before=before,
                after=after,
                reason=reason,
            )
        )


def bounded(where: str, **values: str | None) -> None:
    """ValueError naming the first value too long for its column or holding a NUL byte."""
    for name, value in values.items():
        if value is None:
            continue
        limit = WIDTHS.get(name, MAX_TEXT)
        if len(value) > limit:
            raise ValueError(f"{where}: {name} is {len(value)} characters long; at most {limit}")
        if "\0" in value:
            raise ValueError(f"{where}: {name} contains a NUL character")


def fits(value: str, field: str) -> bool:
    """Whether a column could hold the value; one it could not names no row (a lookup of
    it finds nothing, rather than making PostgreSQL raise)."""
    return 0 < len(value) <= WIDTHS[field] and "\0" not in value


def record(kind: type[R], row: object) -> R:
    """The plain record of a row: the record's fields, copied while the session is open."""
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})


def rowcount(result: Any) -> int:
    """How many rows an ``UPDATE`` changed."""
    return int(getattr(result, "rowcount", 0))
