"""Digests of what a report depends on, for ``grader batch``'s stamps: a student folder's
files (``tree_digest``) and the rubric with every path its criteria name (``rubric_digest``).

Equal digests mean the same inputs, so a report stamped with them can be kept.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from grader.checks.rubric import LoadedRubric
from grader.sandbox.protocol import NOT_COPIED
from grader.submission import MAX_ENTRIES


def rubric_digest(loaded: LoadedRubric) -> str:
    """The rubric file's digest and every path its criteria name (hidden tests, reference,
    benchmark inputs): what a report depends on besides the student's folder."""
    digest = hashlib.sha256(loaded.sha256.encode())
    named = sorted({path.path for c in loaded.rubric.criteria for path in c.named_paths()})
    for relative in named:
        digest.update(relative.encode() + b"\0" + tree_digest(loaded.resolve(relative)).encode())
    return digest.hexdigest()


def tree_digest(path: Path) -> str:
    """A digest of every file's path and bytes under ``path`` (or of the file itself), in a
    stable order, without the names the sandbox never copies (``.git``, caches). Links are
    not followed (their target's name counts); the walk is iterative and stops after
    ``MAX_ENTRIES``. Raises ``OSError`` for a file it cannot read."""
    digest = hashlib.sha256()
    for relative, kind, content in _entries(path):
        digest.update(f"{kind}:{relative}\0".encode(errors="surrogateescape"))
        digest.update(content)
    return digest.hexdigest()


def _entries(top: Path) -> Iterator[tuple[str, str, bytes]]:
    if not top.is_dir():
        yield "", "file", _file_digest(top)
        return
    stack, seen = [""], 0
    while stack and seen < MAX_ENTRIES:
        relative = stack.pop()
        with os.scandir(top / relative) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        seen += len(entries)
        for entry in entries:
            if entry.name in NOT_COPIED or entry.name == "__pycache__":
                continue
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(name)
            else:
                yield name, *_content(Path(entry.path))


def _content(path: Path) -> tuple[str, bytes]:
    """A link's target's name, a regular file's digest; a FIFO or a device is never opened."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "link", str(path.readlink()).encode(errors="surrogateescape")
    if stat.S_ISREG(mode):
        return "file", _file_digest(path)
    return "special", b""


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").digest()
