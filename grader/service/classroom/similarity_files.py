"""The files the similarity report compares: a folder's Python files that are not tests,
read as hostile input and bounded as ``store.sources`` keeps them.

The folder is walked as grading walks it (``submission.inspect``: links never followed,
special files never opened, depth and entries bounded). A file over ``MAX_FILE_BYTES``, not
UTF-8 or holding a NUL byte (binary) is left out; so are the student's tests
(``is_test_path``): tests are shaped by the assignment's examples and its starter, so two
students' tests look alike without either copying. The report compares the code they were
asked to write.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from grader.rubric.model import Submission
from grader.service.store.sources import MAX_BYTES, MAX_FILE_BYTES, MAX_FILES
from grader.submission import inspect, locate

TEST_FOLDERS = frozenset({"tests", "test", "testing"})
"""Folders whose files are a student's tests."""


def folder_sources(path: Path, spec: Submission | None = None) -> dict[str, str]:
    """The Python files (not tests) of the folder grading would grade in ``path`` (the
    rubric's ``submission.root`` inside it when given and present), path -> text.

    Raises ``SubmissionPathError`` when ``path`` is not a readable folder."""
    spec = spec or Submission()
    root = locate(path, spec)
    return read_python_files(root, inspect(root, spec).files)


def read_python_files(root: Path, names: Sequence[str]) -> dict[str, str]:
    """Of ``names`` (relative to ``root``, ``/`` separators, sorted), the files that are not
    tests, are UTF-8 and fit the bounds, in order, until ``MAX_FILES`` or ``MAX_BYTES``."""
    kept: dict[str, str] = {}
    total = 0
    for name in names:
        if is_test_path(name):
            continue
        text = read_text(root / name)
        if text is None:
            continue
        size = len(text.encode("utf-8"))
        if total + size > MAX_BYTES:
            continue  # a smaller file further on may still fit
        kept[name] = text
        total += size
        if len(kept) >= MAX_FILES:
            break
    return kept


def is_test_path(name: str) -> bool:
    """A student's test: under a ``tests`` folder, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    path = PurePosixPath(name)
    if any(part in TEST_FOLDERS for part in path.parts[:-1]):
        return True
    return (
        path.name == "conftest.py" or path.name.startswith("test_") or path.stem.endswith("_test")
    )


def read_text(path: Path) -> str | None:
    """The file's text: opened without following a link nor blocking on a FIFO, read only up
    to ``MAX_FILE_BYTES``; None when it is not a regular file, is larger, is not UTF-8 or
    holds a NUL byte (binary), or has gone or become unreadable since the walk."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT, errno.EACCES, errno.ENXIO):
            return None
        raise
    with os.fdopen(handle, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return None
        raw = source.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES or b"\0" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
