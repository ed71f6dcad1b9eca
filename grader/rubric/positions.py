"""Where each value of a YAML document sits, and pydantic's errors explained at those places.

``PositionIndex`` maps a path in the data (``("criteria", 2, "points")``) to the line and column
of its key and value; ``problem_at`` turns a path and a message into a ``RubricProblem`` at file:
line:column; ``explain`` turns a ``ValidationError`` into such problems, with the near miss for a
misspelt field or kind.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails

from grader.errors import RubricProblem

Loc = tuple[str | int, ...]
"""A path in the data: keys and list indexes."""


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


def explain(
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


def root_causes(errors: list[ErrorDetails]) -> list[ErrorDetails]:
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
