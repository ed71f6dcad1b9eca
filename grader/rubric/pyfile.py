"""What a Python file of the rubric folder defines, read with ``ast`` and never imported.

A benchmark names functions in the rubric folder (``inputs: "bench.py:make_input"``);
a misspelt one would only show at grade time, inside the sandbox. Loading the
rubric parses the file instead (bounded in size, and a parse that recurses too
deep is a problem, not a crash) and looks for the name at its top level.
"""

from __future__ import annotations

import ast
import difflib
import os
import stat
from pathlib import Path

MAX_SOURCE_BYTES = 1024 * 1024
"""Largest rubric-folder Python file parsed (1 MiB); a shipped `bench.py` is under 4 KiB."""


def missing_definition(path: Path, name: str) -> str | None:
    """Why ``path`` does not define ``name`` at its top level (a def, a class, an assignment or
    an import), or None when it does."""
    try:
        source = _read_source(path)
    except OSError as exc:
        return f"cannot read {path.name}: {exc.strerror or exc}"
    if source is None:
        return f"{path.name} is not a regular file of at most {MAX_SOURCE_BYTES // 1024:,} KiB"
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        return f"{path.name} does not parse (line {exc.lineno}: {exc.msg})"
    except (ValueError, RecursionError, MemoryError):  # NUL bytes; absurd nesting
        return f"{path.name} cannot be parsed"
    names = top_level_names(tree)
    if name in names:
        return None
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{path.name} defines no {name!r} at its top level{hint}"


def top_level_names(tree: ast.Module) -> set[str]:
    """Names bound at the top level of a module: functions, classes, assignments, imports."""
    return {name for node in tree.body for name in _bound(node)}


def _bound(node: ast.stmt) -> list[str]:
    """The names one top-level statement binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return [
        leaf.id for target in targets for leaf in ast.walk(target) if isinstance(leaf, ast.Name)
    ]


def _read_source(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not a regular file or is too big."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
            return None
        data = os.read(fd, MAX_SOURCE_BYTES + 1)
    finally:
        os.close(fd)
    return None if len(data) > MAX_SOURCE_BYTES else data
