"""Fault folders: the faulty implementations a ``test_quality`` criterion grades tests with.

A fault folder holds a ``fault.yaml`` of edits to the reference (validated as
``FaultSpec``, its problems named at their line like the rubric's), and/or
files laid over the reference; a README's first line describes it otherwise.
Every edit must apply exactly once, so a fault cannot silently stop being one
when the reference changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.errors import RubricError, RubricProblem
from grader.rubric.loader import load_model
from grader.rubric.model import FaultSpec
from grader.rubric.positions import PositionIndex, problem_at

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
    path: Path, index: PositionIndex, spec: FaultSpec, reference: Path, laid_over: set[str]
) -> tuple[tuple[str, str], ...]:
    """The reference's files with the edits made, in order; each edit must apply exactly once."""
    texts: dict[str, str] = {}
    problems = []
    for number, edit in enumerate(spec.edits):
        message = _edit_problem(edit.file, reference, laid_over)
        if message is not None:
            problems.append(problem_at(path, index, ("edits", number, "file"), message))
            continue
        text = texts.get(edit.file)
        if text is None:
            text = (reference / edit.file).read_text(encoding="utf-8", errors="replace")
        message = _replace_problem(text, edit.replace, edit.with_, edit.file)
        if message is not None:
            problems.append(problem_at(path, index, ("edits", number, "replace"), message))
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
