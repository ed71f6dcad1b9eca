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

import difflib
import os
import re
import stat
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from grader.errors import RubricError, RubricProblem

Loc = tuple[str | int, ...]
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


@dataclass(frozen=True)
class _Position:
    key: yaml.Mark | None
    value: yaml.Mark


class PositionIndex:
    """Where each key and value of a YAML document sits, by its path in the data."""

    def __init__(self) -> None:
        self.positions: dict[Loc, _Position] = {}
        self.duplicates: list[tuple[Loc, yaml.Mark]] = []

    def walk(self, node: yaml.Node, loc: Loc = (), key_mark: yaml.Mark | None = None) -> None:
        self.positions[loc] = _Position(key_mark, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append(((*loc, key), key_node.start_mark))
                seen.add(key)
                self.walk(value_node, (*loc, key), key_node.start_mark)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*loc, index))

    def mark(self, loc: Loc, *, key: bool = False) -> yaml.Mark | None:
        """The mark of the longest known prefix of ``loc`` (the key's mark if asked)."""
        for end in range(len(loc), -1, -1):
            position = self.positions.get(loc[:end])
            if position is not None:
                if key and end == len(loc) and position.key is not None:
                    return position.key
                return position.value
        return None


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
        causes = _root_causes(exc.errors())
        room = max(MAX_PROBLEMS - len(problems), 0)
        problems += [_explain(path, index, data, error, model) for error in causes[:room]]
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


def problem_at(
    path: Path, index: PositionIndex, loc: Loc, message: str, *, key: bool = False
) -> RubricProblem:
    """A problem at ``loc`` of the document (at its key if asked), named by file, line and column."""
    mark = index.mark(loc, key=key)
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return RubricProblem(path, line, column, _dotted(loc), message)


def _dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _data_loc(data: Any, loc: Sequence[str | int]) -> Loc:
    """Drop the union tags pydantic inserts (``criteria.0.lint.points`` -> ``criteria.0.points``).

    A tag can only follow a list index, and equals the item's ``kind``.
    """
    clean: list[str | int] = []
    node = data
    after_index = False
    for part in loc:
        if after_index and isinstance(node, dict) and node.get("kind") == part:
            after_index = False
            continue
        after_index = isinstance(part, int)
        clean.append(part)
        node = _child(node, part)
    return tuple(clean)


def _child(node: Any, part: str | int) -> Any:
    return node.get(part) if isinstance(node, dict) else _item(node, part)


def _item(node: Any, part: str | int) -> Any:
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _explain(
    path: Path, index: PositionIndex, data: Any, error: ErrorDetails, root: type[BaseModel]
) -> RubricProblem:
    loc = _data_loc(data, error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(root, data, loc[:-1])
        message = f"unknown field {loc[-1]!r}" + _suggest(str(loc[-1]), allowed)
        return problem_at(path, index, loc, message, key=True)
    if kind == "missing":
        return problem_at(path, index, loc[:-1], f"missing required field {loc[-1]!r}")
    if kind in ("union_tag_invalid", "literal_error"):
        got = error["input"] if kind == "literal_error" else error.get("ctx", {}).get("tag")
        expected = _choices(
            str(
                error.get("ctx", {}).get(
                    "expected_tags" if kind != "literal_error" else "expected", ""
                )
            )
        )
        field_loc = (*loc, "kind") if kind == "union_tag_invalid" else loc
        message = f"{got!r} is not one of {', '.join(expected)}" + _suggest(str(got), expected)
        return problem_at(path, index, field_loc, message)
    if kind == "union_tag_not_found":
        tags = _tags_at(root, data, loc)
        choices = f" (one of {', '.join(tags)})" if tags else ""
        return problem_at(path, index, loc, f"missing required field 'kind'{choices}")
    return problem_at(path, index, loc, error["msg"].removeprefix("Value error, "))


def _root_causes(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop a list's "too short" when it is only short because its items are invalid."""
    return [
        error
        for error in errors
        if error["type"] != "too_short"
        or not any(
            len(other["loc"]) > len(error["loc"])
            and other["loc"][: len(error["loc"])] == error["loc"]
            for other in errors
        )
    ]


def _choices(expected: str) -> list[str]:
    """``"'a', 'b' or 'c'"`` -> ``['a', 'b', 'c']``."""
    return [
        part.strip().strip("'\"")
        for part in expected.replace(" or ", ",").split(",")
        if part.strip()
    ]


def _suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _annotation_at(root: type[BaseModel], data: Any, loc: Loc) -> tuple[Any, Any]:
    """The annotation a value at ``loc`` in the document is validated as, and that value."""
    annotation: Any = root
    node = data
    for part in loc:
        annotation = _child_annotation(annotation, part, node)
        node = _child(node, part)
        if annotation is None:
            return None, None
    return annotation, node


def _fields_at(root: type[BaseModel], data: Any, loc: Loc) -> list[str]:
    """Field names of the model that sits at ``loc`` in the document."""
    annotation, node = _annotation_at(root, data, loc)
    model = _model_in(annotation, node) if annotation is not None else None
    fields = model.model_fields.items() if model else ()
    return [field.alias or name for name, field in fields]  # as written in YAML


def _tags_at(root: type[BaseModel], data: Any, loc: Loc) -> list[str]:
    """The ``kind`` values the union at ``loc`` accepts, in the union's order."""
    annotation, _ = _annotation_at(root, data, loc)
    return [
        str(tag)
        for model in _models(_strip(annotation))
        if "kind" in model.model_fields
        for tag in typing.get_args(model.model_fields["kind"].annotation)
    ]


def _strip(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` -> ``X`` when X is the only real choice."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        real = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(real) == 1:
            return _strip(real[0])
    return annotation


def _child_annotation(annotation: Any, part: str | int, node: Any) -> Any:
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    model = _model_in(annotation, node)
    if model is None or not isinstance(part, str) or part not in model.model_fields:
        return None
    return model.model_fields[part].annotation


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _model_in(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The model a value of ``annotation`` is validated as (union members picked by ``kind``)."""
    candidates = list(_models(_strip(annotation)))
    if len(candidates) == 1:
        return candidates[0]
    kind = node.get("kind") if isinstance(node, dict) else None
    for candidate in candidates:
        kind_field = candidate.model_fields.get("kind")
        if kind_field and kind in typing.get_args(kind_field.annotation):
            return candidate
    return None
