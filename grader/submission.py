"""Find the submission's files and what is wrong with them before any tool runs.

Problems found here (a missing required file, a syntax error, a file that is
not UTF-8, an empty submission) never stop grading: they are reported at the
top of the report, and the criteria they affect score what they can.

Everything here reads the student's folder as hostile input: the walk is
iterative and bounded (depth, entries), a file is opened without following
links and without blocking, so a FIFO, a device or a link to ``/dev/zero`` is
reported and never read; a file too large or too deeply nested for Python to
parse is reported and kept from the tools, which would choke on it too. A file
the grader cannot read at all is an unusable path (exit 2): the sandbox could
not copy it either.
"""

from __future__ import annotations

import ast
import errno
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NoReturn

from grader.errors import SubmissionPathError
from grader.report.model import Finding, Severity, readable
from grader.rubric.model import Submission

MAX_FILES = 2000
"""Python files looked at; a submission with more is cut and told so."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger Python files are reported, not parsed, and not given to the tools."""
MAX_DEPTH = 64
"""Folders nested deeper are not looked into (and said so): no assignment needs more."""
MAX_ENTRIES = 100_000
"""Files and folders looked at in all; past this the walk stops and says so."""
_KEPT_FROM_TOOLS = frozenset({"file-too-large", "too-deeply-nested"})
"""Problems that keep a file from the tools: they would choke on it as the parser did."""
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
    """Python files, relative to ``root``, with ``/`` separators, sorted: the ones the tools are
    given (not those too large or too deeply nested to parse, nor links or special files)."""
    problems: tuple[Finding, ...]


def locate(path: Path, spec: Submission) -> Path:
    """The folder to grade: ``path/root`` when it exists, else ``path`` itself.

    Students point the CLI at their repository (which holds ``week01/``) or at
    the assignment folder itself; both work. Raises ``SubmissionPathError``
    when ``path`` is not a readable folder.
    """
    shown = readable(str(path))
    try:
        is_folder = path.is_dir()
        exists = is_folder or path.exists()
    except OSError as exc:  # a name too long, a loop of links: Path.exists raises these
        raise SubmissionPathError(f"{shown}: {exc.strerror or exc}") from None
    if not exists:
        raise SubmissionPathError(f"{shown}: no such file or folder")
    if not is_folder:
        raise SubmissionPathError(
            f"{shown}: not a folder; give the folder that holds the submission"
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise SubmissionPathError(f"{shown}: permission denied")
    nested = path / spec.root
    if spec.root not in ("", ".") and _is_folder(nested):
        return nested
    return path


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def inspect(root: Path, spec: Submission) -> SubmissionFiles:
    """List the Python files under ``root`` and report missing, undecodable and unparsable ones.

    Raises ``SubmissionPathError`` naming a file or folder the grader cannot read.
    """
    walk = _walk(root)
    files = walk.files
    problems = list(walk.problems)
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
    problems.extend(_missing(root, spec))
    if not files:
        problems.append(
            Finding(
                path=".",
                code="empty-submission",
                severity="error",
                message="the submission has no Python files",
            )
        )
    checked = [(name, _check_source(root, name)) for name in files]
    problems.extend(problem for _, problem in checked if problem is not None)
    given = tuple(
        name for name, problem in checked if problem is None or problem.code not in _KEPT_FROM_TOOLS
    )
    return SubmissionFiles(root=root, files=given, problems=tuple(problems))


def _missing(root: Path, spec: Submission) -> list[Finding]:
    """A finding for each required file that is not a regular file under ``root``."""
    missing = []
    for required in spec.required:
        try:
            present = stat.S_ISREG((root / required).lstat().st_mode)
        except OSError:
            present = False
        if not present:
            where = (
                f"{spec.root.rstrip('/')}/{required}" if spec.root not in ("", ".") else required
            )
            missing.append(
                Finding(
                    path=required,
                    code="missing-file",
                    severity="error",
                    message=f"required file {where} is missing",
                )
            )
    return missing


@dataclass
class _Walk:
    """What a walk of the submission found: Python files to check, and what it skipped."""

    files: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    entries: int = 0

    def skip(self, name: str, code: str, message: str, severity: Severity = "warning") -> None:
        self.problems.append(
            Finding(path=readable(name), code=code, severity=severity, message=message)
        )


def _walk(root: Path) -> _Walk:
    """The regular ``.py`` files under ``root`` (sorted, ``/`` separators), without following
    links, iteratively (a folder 10,000 levels deep costs no recursion) and within
    ``MAX_DEPTH`` and ``MAX_ENTRIES``. Links, FIFOs, devices and sockets are reported, never
    opened; so are names that are not UTF-8, which no tool can be told about."""
    walk = _Walk()
    pending: list[tuple[str, int]] = [("", 0)]
    while pending and len(walk.files) <= MAX_FILES:
        folder, depth = pending.pop()
        for entry in _entries(root, folder):
            walk.entries += 1
            if walk.entries > MAX_ENTRIES:
                walk.skip(
                    ".",
                    "too-many-entries",
                    f"more than {MAX_ENTRIES} files and folders; the rest are not checked",
                    "error",
                )
                return _sorted(walk)
            name = f"{folder}/{entry.name}" if folder else entry.name
            _visit(walk, root, entry, name, depth, pending)
    return _sorted(walk)


def _sorted(walk: _Walk) -> _Walk:
    walk.files.sort()
    return walk


def _visit(
    walk: _Walk,
    root: Path,
    entry: os.DirEntry[str],
    name: str,
    depth: int,
    pending: list[tuple[str, int]],
) -> None:
    """Queue a folder, keep a ``.py`` file, report what cannot be graded."""
    mode = entry.stat(follow_symlinks=False).st_mode
    if stat.S_ISLNK(mode):
        _link(walk, root, name)
    elif stat.S_ISDIR(mode):
        if entry.name in _SKIPPED_DIRS or entry.name.startswith("."):
            return
        if depth + 1 >= MAX_DEPTH:
            walk.skip(name, "too-deep", f"nested more than {MAX_DEPTH} folders deep; not checked")
        else:
            pending.append((name, depth + 1))
    elif not stat.S_ISREG(mode):
        walk.skip(name, "special-file", f"{_kind(mode)}, not a regular file; skipped")
    elif not os.access(entry.path, os.R_OK):
        _unreadable(root / name, errno.EACCES)
    elif entry.name.endswith(".py"):
        if _utf8(name):
            walk.files.append(name)
        else:
            walk.skip(
                name,
                "bad-file-name",
                "the file name is not UTF-8, so Python cannot import it; not checked: rename it",
                "error",
            )


def _entries(root: Path, folder: str) -> list[os.DirEntry[str]]:
    """The entries of ``root/folder``, or ``SubmissionPathError`` when it cannot be listed."""
    path = root / folder
    try:
        with os.scandir(path) as listing:
            return list(listing)
    except OSError as exc:
        _unreadable(path, exc.errno)


def _unreadable(path: Path, code: int | None) -> NoReturn:
    why = os.strerror(code).lower() if code else "cannot read"
    raise SubmissionPathError(
        f"{readable(str(path))}: {why}; the grader must be able to read every file of the submission"
    )


def _link(walk: _Walk, root: Path, name: str) -> None:
    """Links are never followed (the sandbox does not copy them); one that leads out is named."""
    try:
        target = str((root / name).readlink())
    except OSError:
        target = "?"
    if _leads_out(name, target):
        walk.skip(
            name,
            "link-outside",
            f"a link to '{readable(target)}', outside the submission; not read and not graded",
            "error",
        )
    elif name.endswith(".py"):
        walk.skip(name, "link", "a symbolic link; not graded: commit the file itself")


def _leads_out(name: str, target: str) -> bool:
    """Whether the link ``name`` -> ``target`` leaves the submission (read lexically)."""
    if PurePosixPath(target).is_absolute():
        return True
    depth = len(PurePosixPath(name).parts) - 1
    for part in PurePosixPath(target).parts:
        depth += -1 if part == ".." else part != "."
        if depth < 0:
            return True
    return False


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read(root: Path, name: str) -> bytes | Finding:
    """The file's bytes, opened without following a link or blocking on a FIFO, read only up
    to ``MAX_FILE_BYTES``; a finding when it is not a regular file or too large."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        handle = os.open(root / name, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # replaced by a link since the walk
            return Finding(
                path=name, code="link", severity="warning", message="a symbolic link; not graded"
            )
        _unreadable(root / name, exc.errno)
    with os.fdopen(handle, "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode):
            return Finding(
                path=name,
                code="special-file",
                severity="warning",
                message=f"{_kind(info.st_mode)}, not a regular file; skipped",
            )
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(name)
        raw = source.read(MAX_FILE_BYTES + 1)
    return _too_large(name) if len(raw) > MAX_FILE_BYTES else raw


def _too_large(name: str) -> Finding:
    return Finding(
        path=name,
        code="file-too-large",
        severity="error",
        message=f"larger than {MAX_FILE_BYTES // 1024} KiB; is it generated? Not checked",
    )


def _check_source(root: Path, name: str) -> Finding | None:
    raw = _read(root, name)
    if isinstance(raw, Finding):
        return raw
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
    return _parse(name, text)


def _parse(name: str, text: str) -> Finding | None:
    """A syntax error, or a file too deeply nested for Python's parser, as a finding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # SyntaxWarning for odd escapes is the linter's business
            ast.parse(text, filename=name)
    except SyntaxError as exc:
        if exc.msg == "too many nested parentheses":  # 200 levels; a linter reports each one
            return _too_deep(name)
        return Finding(
            path=name,
            line=exc.lineno,
            col=exc.offset,
            code="syntax-error",
            severity="error",
            message=f"syntax error: {exc.msg}",
        )
    except ValueError:  # Python 3.11 refuses a NUL byte this way
        return Finding(
            path=name,
            code="syntax-error",
            severity="error",
            message="syntax error: the source holds a NUL byte",
        )
    except (RecursionError, MemoryError):  # the parser's own depth limit, not real memory
        return _too_deep(name)
    return None


def _too_deep(name: str) -> Finding:
    """Nesting Python's parser refuses; the tools would choke on it too (ruff reports one
    syntax error per level: 5,000 brackets are 1.9 MB of output), so they are not given it."""
    return Finding(
        path=name,
        code="too-deeply-nested",
        severity="error",
        message="too deeply nested for Python to parse (brackets, an expression or blocks "
        "hundreds of levels deep); Python could not import it either. Not checked",
    )
