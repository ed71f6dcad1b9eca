"""Find the submission's files and what is wrong with them before any tool runs.

Problems found here (a missing required file, a syntax error, a file that is
not UTF-8, an empty submission) never stop grading: they are reported at the
top of the report, and the criteria they affect score what they can.
"""

from __future__ import annotations

import ast
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionPathError
from grader.report.model import Finding
from grader.rubric.model import Submission

MAX_FILES = 2000
"""Python files looked at; a submission with more is cut and told so."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger Python files are reported and not parsed here."""
_SKIPPED_DIRS = frozenset(
    {
        ".git",
        "__pycache__",
        ".venv",
        "venv",
        "env",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        ".tox",
    }
)


@dataclass(frozen=True)
class SubmissionFiles:
    """The submission folder and its Python files."""

    root: Path
    files: tuple[str, ...]
    """Python files, relative to ``root``, with ``/`` separators, sorted."""
    problems: tuple[Finding, ...]


def locate(path: Path, spec: Submission) -> Path:
    """The folder to grade: ``path/root`` when it exists, else ``path`` itself.

    Students point the CLI at their repository (which holds ``week01/``) or at
    the assignment folder itself; both work. Raises ``SubmissionPathError``
    when ``path`` is not a readable folder.
    """
    if not path.exists():
        raise SubmissionPathError(f"{path}: no such file or folder")
    if not path.is_dir():
        raise SubmissionPathError(
            f"{path}: not a folder; give the folder that holds the submission"
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise SubmissionPathError(f"{path}: permission denied")
    nested = path / spec.root
    if spec.root not in ("", ".") and nested.is_dir():
        return nested
    return path


def inspect(root: Path, spec: Submission) -> SubmissionFiles:
    """List the Python files under ``root`` and report missing, undecodable and unparsable ones."""
    files = _python_files(root)
    problems: list[Finding] = []
    if len(files) > MAX_FILES:
        problems.append(
            Finding(
                path=".",
                code="too-many-files",
                severity="error",
                message=f"more than {MAX_FILES} Python files; only the first {MAX_FILES} are checked",
            )
        )
        files = files[:MAX_FILES]
    for required in spec.required:
        if not (root / required).is_file():
            where = (
                f"{spec.root.rstrip('/')}/{required}" if spec.root not in ("", ".") else required
            )
            problems.append(
                Finding(
                    path=required,
                    code="missing-file",
                    severity="error",
                    message=f"required file {where} is missing",
                )
            )
    if not files:
        problems.append(
            Finding(
                path=".",
                code="empty-submission",
                severity="error",
                message="the submission has no Python files",
            )
        )
    problems.extend(problem for name in files if (problem := _check_source(root, name)) is not None)
    return SubmissionFiles(root=root, files=tuple(files), problems=tuple(problems))


def _python_files(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        base = Path(folder).relative_to(root)
        found.extend((base / name).as_posix() for name in sorted(names) if name.endswith(".py"))
        if len(found) > MAX_FILES:
            break
    return sorted(found)


def _check_source(root: Path, name: str) -> Finding | None:
    path = root / name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Finding(
                path=name,
                code="file-too-large",
                severity="error",
                message=f"larger than {MAX_FILE_BYTES // 1024} KiB; is it generated?",
            )
        raw = path.read_bytes()
    except OSError as exc:
        return Finding(
            path=name, code="unreadable", severity="error", message=f"cannot read: {exc.strerror}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Finding(
            path=name,
            line=line,
            code="not-utf8",
            severity="error",
            message=f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        )
    if not text.strip() and name.rsplit("/", 1)[-1] != "__init__.py":
        return Finding(
            path=name, line=1, code="empty-file", severity="warning", message="the file is empty"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # SyntaxWarning for odd escapes is the linter's business
            ast.parse(text, filename=name)
    except SyntaxError as exc:
        return Finding(
            path=name,
            line=exc.lineno,
            col=exc.offset,
            code="syntax-error",
            severity="error",
            message=f"syntax error: {exc.msg}",
        )
    return None
