"""Load a YAML file into a model: YAML -> positions -> validated model, or every problem at once.

PyYAML's node tree keeps the line and column of every key and value, so each
pydantic error can be traced back to where the instructor typed it. Unknown
keys and unknown values get the nearest valid spelling as a suggestion. The
rubric itself (whose model the check registry builds) is loaded by
``grader.checks.rubric``; a fault folder's ``fault.yaml`` by ``grader.rubric.faults``.

Any file given as a rubric is bounded before a byte of it is trusted, because a
rubric may come from anyone who can open a pull request on a course repository:

- it is opened without blocking and must be a regular file (a FIFO would block,
  ``/dev/zero`` never ends), and at most ``MAX_FILE_BYTES`` are read;
- control characters (NUL, ESC, DEL...) are refused where they are, in a value or
  a comment, before PyYAML sees them;
- anchors and aliases are refused outright rather than counted: a rubric has no
  use for them and they are what a billion-laughs document is made of;
- explicit tags (``!!int x``, ``!!timestamp``, ``!!python/...``) are refused, and
  timestamps are not read by YAML at all: dates stay text for pydantic, whose
  error names the field (``2026-02-30`` is "day value is outside expected range");
- nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` values and numbers
  longer than ``MAX_NUMBER_CHARS`` are refused while composing, so neither the
  recursion of the composer nor the validation of a huge document can run away;
- at most ``MAX_PROBLEMS`` problems are explained, then how many more there are.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from grader.errors import RubricError, RubricProblem
from grader.rubric.positions import PositionIndex, explain, problem_at, root_causes

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 256 * 1024
"""Largest YAML file read (256 KiB; PyYAML reads about a megabyte a second); the 12 shipped
rubrics are under 4 KiB each."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists; a rubric needs 6."""
MAX_NODES = 5_000
"""Most values (scalars, mappings, lists) in one document; a shipped rubric has about 150."""
MAX_NUMBER_CHARS = 1000
"""Longest number YAML converts; longer ones are refused before Python's int() sees them."""
MAX_PROBLEMS = 50
"""Most problems explained at once; the rest are counted."""

# What PyYAML's reader refuses in the text, and what a value may not hold after its escapes
# ("\0", "\e", "\ud800"): C0 controls but tab and line breaks, DEL, C1 controls, and lone
# surrogates, which no output (a terminal, JSON, SQLite) can encode.
_NOT_IN_TEXT = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_NOT_IN_VALUE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_UNREAD_TAGS = {
    "tag:yaml.org,2002:timestamp",  # left as text: pydantic names a bad date at its field
    "tag:yaml.org,2002:merge",  # `<<` is an unknown key, not a merge
    "tag:yaml.org,2002:value",
    "tag:yaml.org,2002:yaml",
}


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a rubric may not use (an alias, a tag, too deep, too many values)."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with no anchors, aliases, explicit tags or timestamps, and bounded
    nesting, values and numbers: every refusal is a ``MarkedYAMLError`` at the offending node."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute, read-only here)
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _UNREAD_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark: yaml.Mark | None = event.start_mark  # type: ignore[assignment]
        problem = self._refusal(event)
        if problem is not None:
            raise _Refused(None, None, problem, mark)
        nests = isinstance(event, yaml.CollectionStartEvent)
        self._depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= nests

    def _refusal(self, event: yaml.Event) -> str | None:
        """Why the node that starts with ``event`` is refused, or None."""
        self._nodes += 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return "anchors and aliases (&name, *name) are not accepted: write the value out"
        tag = getattr(event, "tag", None)
        if tag is not None:
            return (
                f"explicit tags ({tag}) are not accepted: write the plain value (quote it for text)"
            )
        if self._nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} values: this is not a rubric"
        if isinstance(event, yaml.CollectionStartEvent) and self._depth >= MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(event, yaml.ScalarEvent):
            found = _NOT_IN_VALUE.search(event.value)
            if found:
                what = (
                    "a lone surrogate"
                    if "\ud800" <= found.group() <= "\udfff"
                    else "control character"
                )
                return f"{what} {_codepoint(found.group())} in a value: remove it"
        return None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        self._bounded_number(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        self._bounded_number(node)
        return super().construct_yaml_float(node)

    @staticmethod
    def _bounded_number(node: yaml.ScalarNode) -> None:
        if len(node.value) > MAX_NUMBER_CHARS:
            problem = f"a number of {len(node.value):,} characters (at most {MAX_NUMBER_CHARS})"
            raise _Refused(None, None, problem, node.start_mark)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader.construct_yaml_float)


def _codepoint(char: str) -> str:
    names = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}
    name = names.get(char)
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def load_model(path: Path, model: type[M]) -> tuple[M, bytes, PositionIndex]:
    """Read a YAML file into ``model``; every problem names the file, line, column and field."""
    raw = _read(path)
    text = _decode(path, raw)
    _refuse_control_characters(path, text)
    data, index = _parse_yaml(path, text)
    problems = [
        problem_at(
            path, index, loc, f"key {loc[-1]!r} appears twice; the second would win", key=True
        )
        for loc, _ in index.duplicates[:MAX_PROBLEMS]
    ]
    total = len(index.duplicates)
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        causes = root_causes(exc.errors())
        room = max(MAX_PROBLEMS - len(problems), 0)
        problems += [explain(path, index, data, error, model) for error in causes[:room]]
        total += len(causes)
    if problems:
        raise RubricError(_capped(path, problems, total))
    return value, raw, index


def _capped(path: Path, problems: list[RubricProblem], total: int) -> list[RubricProblem]:
    """The explained problems, and how many more there are past ``MAX_PROBLEMS``."""
    if total > len(problems):
        more = f"and {total - len(problems):,} more problems"
        problems = [*problems, RubricProblem(path, None, None, "", more)]
    return problems


def _read(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES`` of a regular file, opened without blocking (a FIFO would)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RubricError([RubricProblem(path, None, None, "", "no such file")]) from None
    except OSError as exc:
        message = f"cannot read: {exc.strerror}"
        raise RubricError([RubricProblem(path, None, None, "", message)]) from None
    try:
        return _read_regular(path, fd)
    finally:
        os.close(fd)


def _read_regular(path: Path, fd: int) -> bytes:
    mode = os.fstat(fd).st_mode
    message = None
    if stat.S_ISDIR(mode):
        message = "is a folder; give the rubric file (e.g. rubric.yaml) inside it"
    elif not stat.S_ISREG(mode):
        message = "is not a regular file (a pipe, a device or a socket); give the YAML file"
    else:
        try:
            raw = _read_at_most(fd, MAX_FILE_BYTES + 1)
        except OSError as exc:
            raw, message = b"", f"cannot read: {exc.strerror}"
        if len(raw) > MAX_FILE_BYTES:
            message = f"is larger than {MAX_FILE_BYTES // 1024:,} KiB: this is not a rubric"
    if message is not None:
        raise RubricError([RubricProblem(path, None, None, "", message)])
    return raw


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise RubricError([RubricProblem(path, line, None, "", message)]) from None


def _refuse_control_characters(path: Path, text: str) -> None:
    """A control character (NUL, ESC, DEL...) anywhere, even in a comment, at its line and column."""
    found = _NOT_IN_TEXT.search(text)
    if found is None:
        return
    start = found.start()
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    message = f"control character {_codepoint(found.group())} is not allowed, even in a comment: remove it"
    raise RubricError([RubricProblem(path, line, column, "", message)])


def _parse_yaml(path: Path, text: str) -> tuple[Any, PositionIndex]:
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RubricError([RubricProblem(path, 1, 1, "", "the file is empty")])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        prefix = "" if isinstance(exc, _Refused) else "not valid YAML: "
        message = f"{prefix}{exc.problem or exc.context}"
        raise RubricError([RubricProblem(path, line, column, "", message)]) from None
    except yaml.YAMLError as exc:  # the reader's own errors carry no mark
        raise RubricError([RubricProblem(path, None, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    index = PositionIndex()
    index.walk(node)
    return data, index


def outside_folder(folder: Path, relative: str) -> str | None:
    """Why ``relative`` leaves ``folder`` (absolute, ``..``, or a link out of it), or None.

    Raises ``OSError``/``ValueError`` for a name the system cannot look up (too long, a NUL)."""
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        return "must be inside the rubric folder: give a path relative to it, without `..`"
    if not (folder / relative).resolve().is_relative_to(folder.resolve()):
        return "leads out of the rubric folder (through a symbolic link)"
    return None
