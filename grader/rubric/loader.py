"""Load a rubric file: YAML -> positions -> validated ``Rubric``, or every problem at once.

PyYAML's node tree keeps the line and column of every key and value, so each
pydantic error can be traced back to where the instructor typed it. Unknown
keys and unknown values get the nearest valid spelling as a suggestion.
"""

from __future__ import annotations

import difflib
import hashlib
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
from grader.rubric.model import (
    BenchmarkCriterion,
    Criterion,
    FaultSpec,
    Rubric,
    TestQualityCriterion,
    TestsCriterion,
    call_file,
)

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedRubric:
    """A validated rubric with where it came from."""

    rubric: Rubric
    path: Path
    """The rubric file."""
    sha256: str
    """Hex digest of the file's bytes, recorded in every report."""

    @property
    def folder(self) -> Path:
        """The folder that paths in the rubric are relative to."""
        return self.path.parent

    def tests_path(self, criterion: TestsCriterion) -> Path:
        """The hidden tests of a ``tests`` criterion, on the host."""
        return self.resolve(criterion.tests)

    def resolve(self, relative: str) -> Path:
        """A path the rubric names, relative to the rubric file, on the host."""
        return (self.folder / relative).resolve()


@dataclass(frozen=True)
class _Position:
    key: yaml.Mark | None
    value: yaml.Mark


class _PositionIndex:
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


def load_rubric(path: Path) -> LoadedRubric:
    """Read, parse and validate a rubric file, raising ``RubricError`` with every problem."""
    rubric, raw, index = load_model(path, Rubric)
    problems = _missing_files(path, index, rubric)
    problems += _fault_problems(path, rubric)
    if problems:
        raise RubricError(problems)
    return LoadedRubric(rubric=rubric, path=path.resolve(), sha256=hashlib.sha256(raw).hexdigest())


def load_model(path: Path, model: type[M]) -> tuple[M, bytes, _PositionIndex]:
    """Read a YAML file into ``model``; every problem names the file, line, column and field."""
    raw = _read(path)
    text = _decode(path, raw)
    data, index = _parse_yaml(path, text)
    problems = [
        _problem(path, index, loc, f"key {loc[-1]!r} appears twice; the second would win", key=True)
        for loc, _ in index.duplicates
    ]
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        problems += [
            _explain(path, index, data, error, model) for error in _root_causes(exc.errors())
        ]
        raise RubricError(problems) from None
    if problems:
        raise RubricError(problems)
    return value, raw, index


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RubricError([RubricProblem(path, None, None, "", "no such file")]) from None
    except IsADirectoryError:
        message = "is a folder; give the rubric file (e.g. rubric.yaml) inside it"
        raise RubricError([RubricProblem(path, None, None, "", message)]) from None
    except OSError as exc:
        message = f"cannot read: {exc.strerror}"
        raise RubricError([RubricProblem(path, None, None, "", message)]) from None


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise RubricError([RubricProblem(path, line, None, "", message)]) from None


def _parse_yaml(path: Path, text: str) -> tuple[Any, _PositionIndex]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RubricError([RubricProblem(path, 1, 1, "", "the file is empty")])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = f"not valid YAML: {exc.problem or exc.context}"
        raise RubricError([RubricProblem(path, line, column, "", message)]) from None
    finally:
        loader.dispose()
    index = _PositionIndex()
    index.walk(node)
    return data, index


def _problem(
    path: Path, index: _PositionIndex, loc: Loc, message: str, *, key: bool = False
) -> RubricProblem:
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
    path: Path, index: _PositionIndex, data: Any, error: ErrorDetails, root: type[BaseModel]
) -> RubricProblem:
    loc = _data_loc(data, error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(root, data, loc[:-1])
        message = f"unknown field {loc[-1]!r}" + _suggest(str(loc[-1]), allowed)
        return _problem(path, index, loc, message, key=True)
    if kind == "missing":
        return _problem(path, index, loc[:-1], f"missing required field {loc[-1]!r}")
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
        return _problem(path, index, field_loc, message)
    if kind == "union_tag_not_found":
        return _problem(
            path,
            index,
            loc,
            "missing required field 'kind' (one of tests, lint, types, security, complexity, coverage)",
        )
    return _problem(path, index, loc, error["msg"])


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


def _fields_at(root: type[BaseModel], data: Any, loc: Loc) -> list[str]:
    """Field names of the model that sits at ``loc`` in the document."""
    annotation: Any = root
    node = data
    for part in loc:
        annotation = _child_annotation(annotation, part, node)
        node = _child(node, part)
        if annotation is None:
            return []
    model = _model_in(annotation, node)
    fields = model.model_fields.items() if model else ()
    return [field.alias or name for name, field in fields]  # as written in YAML


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


def _missing_files(path: Path, index: _PositionIndex, rubric: Rubric) -> list[RubricProblem]:
    """Paths the rubric names that are not in its folder, each at its line in the file."""
    problems = []
    for number, criterion in enumerate(rubric.criteria):
        for field, relative, want in _named_paths(criterion):
            target = path.parent / relative
            message = _path_problem(target, want)
            if message:
                problems.append(
                    _problem(
                        path,
                        index,
                        ("criteria", number, field),
                        f"{field} {relative!r}: {message} (looked for {target})",
                    )
                )
    return problems


def _fault_problems(path: Path, rubric: Rubric) -> list[RubricProblem]:
    """Problems in the fault folders of the rubric's ``test_quality`` criteria (once they exist)."""
    problems = []
    for criterion in rubric.criteria:
        if isinstance(criterion, TestQualityCriterion):
            faults, reference = path.parent / criterion.faults, path.parent / criterion.reference
            if faults.is_dir() and reference.is_dir():
                try:
                    load_faults(faults, reference)
                except RubricError as exc:
                    problems += exc.problems
    return problems


def _named_paths(criterion: Criterion) -> list[tuple[str, str, str]]:
    """(field, path relative to the rubric, what it must be) for every path a criterion names."""
    match criterion:
        case TestsCriterion():
            return [("tests", criterion.tests, "exists")]
        case BenchmarkCriterion():
            calls = (("inputs", criterion.inputs), ("compare", criterion.compare))
            return [("reference", criterion.reference, "folder")] + [
                (field, call_file(call), "file") for field, call in calls if call
            ]
        case TestQualityCriterion():
            return [
                ("reference", criterion.reference, "folder"),
                ("faults", criterion.faults, "faults"),
            ]
    return []


def _path_problem(target: Path, want: str) -> str | None:
    """Why ``target`` is not what the rubric needs, or None."""
    if not target.exists():
        return "does not exist"
    if want == "file" and not target.is_file():
        return "is not a file"
    if want in ("folder", "faults") and not target.is_dir():
        return "is not a folder"
    if want == "faults" and not fault_folders(target):
        return "holds no fault folders (one subfolder per faulty implementation)"
    return None


FAULT_FILE = "fault.yaml"
FAULT_README = "README.md"


@dataclass(frozen=True)
class LoadedFault:
    """One faulty implementation, ready to be laid over the reference."""

    name: str
    description: str
    """What it gets wrong: ``fault.yaml``'s description, else the first line of its README."""
    files: tuple[tuple[str, Path], ...]
    """(path relative to the reference, file) laid over the reference as they are."""
    edited: tuple[tuple[str, str], ...]
    """(path relative to the reference, text): reference files with ``fault.yaml``'s edits made."""


def load_faults(folder: Path, reference: Path) -> list[LoadedFault]:
    """Every fault subfolder of ``folder``, by name; every problem is named at its file and line."""
    faults, problems = [], []
    for child in fault_folders(folder):
        try:
            faults.append(_load_fault(child, reference))
        except RubricError as exc:
            problems += exc.problems
    if problems:
        raise RubricError(problems)
    return faults


def fault_folders(folder: Path) -> list[Path]:
    """The fault subfolders, by name: not caches or dot-folders a tool left there."""
    return sorted(
        child
        for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith((".", "__"))
    )


def _load_fault(folder: Path, reference: Path) -> LoadedFault:
    files = tuple(_overlay_files(folder))
    spec_file = folder / FAULT_FILE
    if spec_file.is_file():
        spec, _, index = load_model(spec_file, FaultSpec)
        edited = _edited(spec_file, index, spec, reference, {relative for relative, _ in files})
        description = spec.description
    else:
        edited, description = (), _first_line(folder / FAULT_README)
    if not files and not edited:
        message = f"changes nothing: give a {FAULT_FILE} of edits to the reference, or files to lay over it"
        raise RubricError([RubricProblem(folder, None, None, "", message)])
    return LoadedFault(folder.name, description, files, edited)


def _edited(
    path: Path, index: _PositionIndex, spec: FaultSpec, reference: Path, laid_over: set[str]
) -> tuple[tuple[str, str], ...]:
    """The reference's files with the edits made, in order; each edit must apply exactly once."""
    texts: dict[str, str] = {}
    problems = []
    for number, edit in enumerate(spec.edits):
        message = _edit_problem(edit.file, reference, laid_over)
        if message is not None:
            problems.append(_problem(path, index, ("edits", number, "file"), message))
            continue
        text = texts.get(edit.file)
        if text is None:
            text = (reference / edit.file).read_text(encoding="utf-8", errors="replace")
        message = _replace_problem(text, edit.replace, edit.with_, edit.file)
        if message is not None:
            problems.append(_problem(path, index, ("edits", number, "replace"), message))
            continue
        texts[edit.file] = text.replace(edit.replace, edit.with_)
    if problems:
        raise RubricError(problems)
    return tuple(sorted(texts.items()))


def _edit_problem(relative: str, reference: Path, laid_over: set[str]) -> str | None:
    """Why ``relative`` cannot be edited, or None."""
    target = reference / relative
    if not target.resolve().is_relative_to(reference.resolve()) or not target.is_file():
        return f"{relative!r} is not a file of the reference (looked for {target})"
    if relative in laid_over:
        return f"{relative!r} is also a file of the fault folder: edit it or replace it, not both"
    return None


def _replace_problem(text: str, old: str, new: str, relative: str) -> str | None:
    """Why replacing ``old`` by ``new`` in ``text`` is not one real change, or None."""
    found = text.count(old)
    if found != 1:
        return f"must occur exactly once in {relative}, found {found} times (after the edits before it)"
    if old == new:
        return "is the same as `with`: the edit changes nothing"
    return None


def _overlay_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """The fault's files laid over the reference: not fault.yaml, its README, links, caches or
    dot-files."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            path.is_file()
            and not path.is_symlink()
            and relative.as_posix() not in (FAULT_FILE, FAULT_README)
            and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
            and path.suffix != ".pyc"
        ):
            yield relative.as_posix(), path


def _first_line(readme: Path) -> str:
    """The first non-blank line of a README, its heading marks stripped; "" without one."""
    if not readme.is_file():
        return ""
    lines = (line.strip("# ").strip() for line in readme.read_text(errors="replace").splitlines())
    return next((line for line in lines if line), "")
