"""The Python files of graded submissions, kept for the similarity report.

``SourceStore`` is what the service asks; ``SqlSourceStore`` keeps them in the ``sources``
table (one row per submission, its files as one JSON object), ``MemorySourceStore`` in a
dict, for tests and the CLI's plain folders. Both refuse what the other could not hold, with
a ``ValueError`` naming the submission and the file: more than ``MAX_FILES`` files or
``MAX_BYTES`` of text, a file over ``MAX_FILE_BYTES``, a NUL character (PostgreSQL's text
cannot hold one, and no Python source has one). Saving again replaces what was kept.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from grader.service.store.tables import SourceRow

MAX_BYTES = 256 * 1024
"""Text kept per submission (UTF-8 bytes, all files together): ten times a week's solution."""
MAX_FILES = 50
"""Files kept per submission."""
MAX_FILE_BYTES = 64 * 1024
"""A larger file is generated or pasted data, not code a student wrote: not kept."""
MAX_PATH = 512
"""The longest file path kept (relative to the graded folder)."""
CHUNK = 500
"""Submission ids per ``IN`` list: far below SQLite's and PostgreSQL's parameter limits."""


class SourceStore(Protocol):
    """Sources by submission."""

    def save_sources(self, submission_id: str, files: Mapping[str, str]) -> None:
        """Keep a submission's files (path relative to its graded folder -> text), replacing
        what was kept before; ``ValueError`` when they exceed the bounds above."""

    def sources(self, submission_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The kept files of these submissions; those without are left out."""


def checked(submission_id: str, files: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """The files as a plain dict and their size in bytes, or ``ValueError`` naming the first
    one out of bounds."""
    where = f"sources of {submission_id[:64]!r}"
    if len(files) > MAX_FILES:
        raise ValueError(f"{where}: {len(files)} files; at most {MAX_FILES}")
    size = sum(_file_size(where, path, text) for path, text in files.items())
    if size > MAX_BYTES:
        raise ValueError(f"{where}: {size} bytes in all; at most {MAX_BYTES}")
    return dict(files), size


def _file_size(where: str, path: str, text: str) -> int:
    """The file's size in bytes, or ``ValueError`` when it cannot be kept."""
    if not isinstance(path, str) or not isinstance(text, str):
        raise ValueError(f"{where}: paths and texts must be text")
    if not path or len(path) > MAX_PATH or "\0" in path:
        raise ValueError(f"{where}: {path[:100]!r} is not a file path it can keep")
    if "\0" in text:
        raise ValueError(f"{where}: {path!r} contains a NUL character")
    length = len(text.encode("utf-8", "surrogatepass"))
    if length > MAX_FILE_BYTES:
        raise ValueError(f"{where}: {path!r} is {length} bytes; at most {MAX_FILE_BYTES}")
    return length


class SqlSourceStore:
    """``SourceStore`` on SQLAlchemy: the ``sources`` table (migration 0004)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def save_sources(self, submission_id: str, files: Mapping[str, str]) -> None:
        """Insert or replace the submission's row (the submission must be stored)."""
        kept, size = checked(submission_id, files)
        with self._sessions.begin() as session:
            session.merge(SourceRow(submission_id=submission_id, files=kept, size=size))

    def sources(self, submission_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The kept files by submission id, read in chunks of ``CHUNK`` ids."""
        wanted = sorted(set(submission_ids))
        found: dict[str, dict[str, str]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), CHUNK):
                query = select(SourceRow.submission_id, SourceRow.files).where(
                    SourceRow.submission_id.in_(wanted[start : start + CHUNK])
                )
                for submission_id, files in connection.execute(query):
                    found[submission_id] = dict(files)
        return found


class MemorySourceStore:
    """``SourceStore`` in memory, with the SQL store's bounds (tests, plain folders)."""

    def __init__(self) -> None:
        self._files: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def save_sources(self, submission_id: str, files: Mapping[str, str]) -> None:
        kept, _size = checked(submission_id, files)
        with self._lock:
            self._files[submission_id] = kept

    def sources(self, submission_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        with self._lock:
            return {
                submission_id: dict(self._files[submission_id])
                for submission_id in dict.fromkeys(submission_ids)
                if submission_id in self._files
            }
