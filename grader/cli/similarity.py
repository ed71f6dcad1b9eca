"""``grader course similarity ...``: find copied work, as the console's similarity page does.

``report`` compares each student's counted submission of a course's assignment by the files
the service kept when it graded them; ``folders`` compares plain folders (one per student,
as ``grader batch`` grades them), with a rubric's starter and reference, or folders given by
hand, as boilerplate. Both print the pairs over the threshold, most alike first, and the
students whose code is mostly the reference; ``--json`` prints the same as JSON. Names and
paths are printed as plain text, never read as rich markup. Bad input exits 2 naming it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from grader.checks.rubric import load_rubric
from grader.cli.course import AssignmentOption, CourseOption, context, fail, out, say, the_route
from grader.errors import InputError
from grader.rubric.bands import rubric_file
from grader.service.classroom.gradebook import build_gradebook
from grader.service.classroom.similarity import (
    DEFAULT_THRESHOLD,
    Boilerplate,
    Options,
    SimilarityReport,
    compare,
)
from grader.service.classroom.similarity_course import (
    counted_sources,
    folders_sources,
    rubric_boilerplate,
)
from grader.service.classroom.similarity_files import folder_sources
from grader.service.store.course_base import CourseSqlBase
from grader.service.store.sources import SqlSourceStore

similarity_app = typer.Typer(
    help="Find copied work: the similarity report of an assignment.", no_args_is_help=True
)

ThresholdOption = Annotated[
    float,
    typer.Option(
        "--threshold", "-t", min=0.0, max=1.0, help="List pairs at least this alike (0 to 1)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


@similarity_app.command("report")
def report_command(
    course: CourseOption,
    assignment: AssignmentOption,
    threshold: ThresholdOption = DEFAULT_THRESHOLD,
    as_json: JsonOption = False,
) -> None:
    """Compare the counted submissions of a course's assignment (their files kept at grading)."""
    with context() as ctx:
        route = the_route(ctx, course, assignment)
        if not isinstance(ctx.store, CourseSqlBase):
            raise fail("the course store keeps no sources")
        book = build_gradebook(ctx.courses, course, ctx.store)
        counted = counted_sources(book, route, SqlSourceStore(ctx.store.engine))
        names = {s.key: s.name or s.login or s.key for s in book.students}
    report = compare(counted.files, rubric_boilerplate(route.loaded), Options(threshold=threshold))
    show(report, names, as_json=as_json, missing=counted.without_sources)


@similarity_app.command("folders")
def folders_command(
    root: Annotated[Path, typer.Argument(help="A folder holding one folder per student.")],
    rubric: Annotated[
        Path | None,
        typer.Option("--rubric", "-r", help="Its starter/ and reference/ are boilerplate."),
    ] = None,
    starter: Annotated[
        Path | None, typer.Option(help="Boilerplate: the starter code's folder.")
    ] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Boilerplate: the reference solution's folder.")
    ] = None,
    threshold: ThresholdOption = DEFAULT_THRESHOLD,
    as_json: JsonOption = False,
) -> None:
    """Compare the student folders under ROOT (each folder's Python files, not its tests)."""
    try:
        spec, boilerplate = None, Boilerplate()
        if rubric is not None:
            loaded = load_rubric(rubric_file(rubric))
            spec, boilerplate = loaded.rubric.submission, rubric_boilerplate(loaded)
        boilerplate = Boilerplate(
            _given(starter, "--starter") if starter else boilerplate.starter,
            _given(reference, "--reference") if reference else boilerplate.reference,
        )
        sources = folders_sources(student_folders(root), spec)
    except InputError as exc:
        raise fail(str(exc)) from None
    show(compare(sources, boilerplate, Options(threshold=threshold)), {}, as_json=as_json)


def _given(folder: Path, option: str) -> dict[str, str]:
    if not folder.is_dir():
        raise fail(f"{option} {folder}: not a folder")
    return folder_sources(folder)


def student_folders(root: Path) -> dict[str, Path]:
    """The folders directly under ``root`` (not hidden, links not followed), by name."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError as exc:
        raise fail(f"{root}: {exc.strerror or exc}") from None
    folders = {
        entry.name: Path(entry.path)
        for entry in entries
        if not entry.name.startswith(".")
        and stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode)
    }
    if not folders:
        raise fail(f"{root}: no student folders in it")
    return folders


def show(
    report: SimilarityReport,
    names: dict[str, str],
    *,
    as_json: bool,
    missing: list[str] | None = None,
) -> None:
    """The report as a table (or JSON): pairs, then students close to the reference."""
    if as_json:
        say(json.dumps(as_document(report, missing or []), indent=2))
        return
    percent = f"{report.options.threshold:.0%}"
    table = Table(title=Text(f"Pairs at {percent} or more of {report.compared} students"))
    for header in ("A", "B", "A in B", "B in A", "shared tokens"):
        table.add_column(header, justify="right" if " " in header else "left")
    for pair in report.pairs:
        table.add_row(
            Text(names.get(pair.first, pair.first)),
            Text(names.get(pair.second, pair.second)),
            f"{pair.first_in_second:.0%}",
            f"{pair.second_in_first:.0%}",
            str(pair.overlap),
        )
    out.print(table)
    _notes(report, names, missing or [])


def as_document(report: SimilarityReport, missing: list[str]) -> dict[str, object]:
    """The report as JSON values (student keys or folder names as they are)."""
    return {
        "threshold": report.options.threshold,
        "compared": report.compared,
        "pairs": [asdict(pair) for pair in report.pairs],
        "near_reference": [asdict(near) for near in report.near_reference],
        "without_code": report.without_code,
        "without_sources": missing,
        "left_out": report.left_out,
    }


def _notes(report: SimilarityReport, names: dict[str, str], missing: list[str]) -> None:
    for near in report.near_reference:
        name = names.get(near.student, near.student)
        say(f"close to the reference: {name} ({near.similarity:.0%} of their code)")
    for key in report.without_code:
        say(f"no code of their own beyond the boilerplate: {names.get(key, key)}")
    for key in missing:
        say(f"no files kept for the counted submission: {names.get(key, key)}")
    if report.left_out:
        say(f"{report.left_out} students past the first {report.compared} were not compared")
