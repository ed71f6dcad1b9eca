"""``grader course``: run a course from the command line, as the console does on its pages.

Roster import, listing and matching by hand; per-student extensions; grade overrides; the
gradebook and Canvas exports; API tokens for scripts. Each command reads ``ServiceSettings``
(the database and ``courses.yaml``), acts as ``cli:<os user>`` in the audit trail, and exits
2 with one clear message on bad input (an unknown course, assignment or student, a bad
date, score or file) and 3 when the database fails. Text from users (names, reasons, file
contents) is printed as plain text, never read as rich markup.
"""

from __future__ import annotations

import getpass
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from grader.cli.service import service_settings
from grader.errors import InputError, RosterError
from grader.service.classroom.exports import canvas_csv, gradebook_csv, gradescope_results
from grader.service.classroom.gradebook import build_gradebook
from grader.service.classroom.roster import (
    LOGIN,
    MAX_BYTES,
    PSEUDO_PREFIX,
    parse_roster,
    unmatched_logins,
)
from grader.service.courses import Course, Courses, Route, load_courses
from grader.service.store import SqlStore
from grader.service.store.course import CourseStore, Extension, Override
from grader.service.store.course_sql import SqlCourseStore

EXIT_INPUT, EXIT_PLATFORM = 2, 3
MAX_REASON = 2_000
"""The longest reason accepted for an extension or an override."""

course_app = typer.Typer(
    help="Run a course: roster, extensions, overrides, exports, API tokens.",
    no_args_is_help=True,
)
roster_app = typer.Typer(help="Import, list and match the course's roster.", no_args_is_help=True)
course_app.add_typer(roster_app, name="roster")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

CourseOption = Annotated[str, typer.Option("--course", "-c", help="The course id (courses.yaml).")]
AssignmentOption = Annotated[
    str, typer.Option("--assignment", "-a", help="The assignment id of the course.")
]
StudentOption = Annotated[
    str, typer.Option("--student", "-s", help="The student's key (roster id, or gh:<login>).")
]


def say(text: str | Text, *, to: Console = out) -> None:
    """Print exactly as given: user text never goes through rich's markup or emoji codes."""
    shown = text if isinstance(text, Text) else Text(text)
    to.print(shown, markup=False, emoji=False, highlight=False)


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    say(Text.assemble(("error:", "bold red"), " ", message), to=err)
    return typer.Exit(code)


@dataclass(frozen=True)
class Context:
    """What every command works with: the courses and the course store."""

    courses: Courses
    store: CourseStore


@contextmanager
def context() -> Iterator[Context]:
    """The loaded courses and a migrated store; database failures exit 3 with one line."""
    settings = service_settings()
    try:
        courses = load_courses(settings.courses)
    except InputError as exc:
        raise fail(f"GRADER_COURSES={settings.courses}:\n{exc}") from None
    try:
        store = SqlStore(settings.sqlalchemy_url)
    except (SQLAlchemyError, OSError) as exc:  # a bad URL; a SQLite folder that cannot be made
        raise fail(f"the store at DATABASE_URL: {exc}", EXIT_PLATFORM) from None
    try:
        store.migrate()
        yield Context(courses, SqlCourseStore.beside(store))
    except SQLAlchemyError as exc:
        raise fail(
            f"the store at DATABASE_URL failed: {type(exc).__name__}: {exc}", EXIT_PLATFORM
        ) from None
    finally:
        store.dispose()


def actor() -> str:
    """Who the audit trail names for a command: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in the environment nor the password database
        return "cli:unknown"


def the_course(ctx: Context, course_id: str) -> Course:
    course = ctx.courses.course(course_id)
    if course is None:
        known = ", ".join(each.id for each in ctx.courses.courses) or "none"
        raise fail(f"no course {course_id!r} in {ctx.courses.path}; courses: {known}")
    return course


def the_route(ctx: Context, course_id: str, assignment: str) -> Route:
    routes = ctx.courses.course_routes(the_course(ctx, course_id).id)
    route = next((each for each in routes if each.id == assignment), None)
    if route is None:
        known = ", ".join(each.id for each in routes) or "none"
        raise fail(f"no assignment {assignment!r} in course {course_id}; assignments: {known}")
    return route


def the_student(ctx: Context, course_id: str, key: str) -> str:
    """A roster student's key, or ``gh:<login>`` of a login not on the roster."""
    if key.startswith(PSEUDO_PREFIX) and LOGIN.match(key[len(PSEUDO_PREFIX) :]):
        return key.lower()
    if ctx.store.student(course_id, key) is None:
        raise fail(
            f"no student {key!r} on the roster of {course_id} "
            "(see `grader course roster list`; gh:<login> names a login not on it)"
        )
    return key


def moment(value: str, option: str) -> datetime:
    """An ISO 8601 time with a time zone, or exit 2 saying how to write one."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"{option} {value!r} is not an ISO 8601 time, e.g. 2026-12-09T23:59:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise fail(f"{option} {value!r} has no time zone; add one, e.g. Z or +01:00")
    return parsed.astimezone(UTC)


def reason_text(value: str | None) -> str:
    reason = (value or "").strip()
    if not reason:
        raise fail("--reason is required: say why (it is kept in the audit trail)")
    if len(reason) > MAX_REASON:
        raise fail(f"--reason is {len(reason):,} characters long; at most {MAX_REASON:,}")
    return reason


# --- roster ----------------------------------------------------------------------------------


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="GitHub Classroom's roster CSV, or a plain one.")],
    course: CourseOption,
) -> None:
    """Add or update the roster's students (by key); logins matched by hand are kept."""
    data = read_bounded(file)
    with context() as ctx:
        the_course(ctx, course)
        try:
            students = parse_roster(data, course, name=file.name)
        except RosterError as exc:
            raise fail(f"{file}: the roster was not imported:\n{exc}") from None
        try:
            added, updated = ctx.store.upsert_students(course, students, actor())
        except ValueError as exc:
            raise fail(str(exc)) from None
    say(f"{course}: {len(students)} students read, {added} added, {updated} updated")


def read_bounded(file: Path) -> bytes:
    """The file's bytes, at most ``MAX_BYTES`` (more is refused unread)."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise fail(f"{file}: larger than {MAX_BYTES:,} bytes (2 MiB); a roster may be no larger")
    return data


@roster_app.command("list")
def roster_list(course: CourseOption) -> None:
    """The roster, and the logins that submitted but are on no roster."""
    with context() as ctx:
        the_course(ctx, course)
        students = ctx.store.students(course)
        assignments = [route.id for route in ctx.courses.course_routes(course)]
        logins = {row.author_login for row in ctx.store.course_submissions(assignments)}
    table = Table("key", "student id", "name", "email", "login", title=Text(f"{course} roster"))
    for student in students:
        cells = (student.key, student.student_id, student.name, student.email, student.login)
        table.add_row(*(Text(cell or "") for cell in cells))
    out.print(table)
    unmatched = unmatched_logins(students, (login for login in logins if login))
    say(f"{len(students)} students; {len(unmatched)} unmatched logins")
    for login in unmatched:
        say(f"  unmatched: {login} (grader course roster match KEY {login} --course {course})")


@roster_app.command("match")
def roster_match(
    key: Annotated[str, typer.Argument(help="The roster student's key.")],
    login: Annotated[str, typer.Argument(help="The GitHub login to give them.")],
    course: CourseOption,
) -> None:
    """Give a roster student a GitHub login (a login that submitted but matched no one)."""
    if not LOGIN.match(login):
        raise fail(f"{login!r} is not a GitHub login")
    with context() as ctx:
        the_course(ctx, course)
        try:
            student = ctx.store.match_login(course, key, login.lower(), actor())
        except KeyError:
            raise fail(f"no student {key!r} on the roster of {course}") from None
        except ValueError as exc:
            raise fail(str(exc)) from None
    say(f"{course}: {student.key} is now {student.login}")


# --- extensions and overrides -----------------------------------------------------------------


@course_app.command("extend")
def extend(
    course: CourseOption,
    assignment: AssignmentOption,
    student: StudentOption,
    due: Annotated[
        str | None, typer.Option(help="The student's own due date, ISO 8601 with a time zone.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail).")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the extension.")] = False,
) -> None:
    """Give a student their own due date for an assignment (or remove it with --remove)."""
    with context() as ctx:
        the_route(ctx, course, assignment)
        key = the_student(ctx, course, student)
        if remove:
            if not ctx.store.remove_extension(course, assignment, key, actor()):
                raise fail(f"{key} has no extension for {assignment}")
            say(f"{course}: {key}'s extension for {assignment} removed")
            return
        if due is None:
            raise fail("--due is required (or --remove)")
        when = moment(due, "--due")
        granted = Extension(
            course, assignment, key, when, reason_text(reason), actor(), datetime.now(UTC)
        )
        try:
            ctx.store.set_extension(granted)
        except ValueError as exc:
            raise fail(str(exc)) from None
    say(f"{course}: {key} is due {when.isoformat()} for {assignment}")


@course_app.command("override")
def override(
    course: CourseOption,
    assignment: AssignmentOption,
    student: StudentOption,
    score: Annotated[float | None, typer.Option(help="The grade, in points.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail).")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the override.")] = False,
) -> None:
    """Set a student's grade for an assignment by hand (or remove it with --remove)."""
    with context() as ctx:
        route = the_route(ctx, course, assignment)
        key = the_student(ctx, course, student)
        if remove:
            if not ctx.store.remove_override(course, assignment, key, actor()):
                raise fail(f"{key} has no override for {assignment}")
            say(f"{course}: {key}'s override for {assignment} removed")
            return
        top = route.loaded.rubric.max_score
        if score is None or not math.isfinite(score) or not 0 <= score <= top:
            raise fail(f"--score must be a number from 0 to {top:g} (the rubric's maximum)")
        grade = Override(
            course, assignment, key, score, reason_text(reason), actor(), datetime.now(UTC)
        )
        try:
            ctx.store.set_override(grade)
        except ValueError as exc:
            raise fail(str(exc)) from None
    say(f"{course}: {key} scores {score:g} for {assignment} (set by hand)")


# --- exports -----------------------------------------------------------------------------------


class ExportFormat(StrEnum):
    gradebook = "gradebook"
    canvas = "canvas"


@course_app.command("export")
def export(
    course: CourseOption,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="gradebook: a row per student, a column per assignment; canvas: Canvas's import.",
        ),
    ] = ExportFormat.gradebook,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of the terminal.")
    ] = None,
) -> None:
    """Export the gradebook after policy, extensions, late penalty and overrides."""
    with context() as ctx:
        the_course(ctx, course)
        book = build_gradebook(ctx.courses, course, ctx.store)
    text = gradebook_csv(book) if fmt is ExportFormat.gradebook else canvas_csv(book)
    if out_file is None:
        sys.stdout.write(text)
        return
    try:
        out_file.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise fail(f"cannot write {out_file}: {exc.strerror or exc}") from None
    say(f"{course}: {len(book.students)} students x {len(book.routes)} assignments -> {out_file}")


@course_app.command("results-json")
def results_json(
    submission_id: Annotated[str, typer.Argument(help="The graded submission's id.")],
    show_hidden: Annotated[
        bool, typer.Option(help="Name the hidden tests (Gradescope shows them to staff only).")
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of the terminal.")
    ] = None,
) -> None:
    """A graded submission's report as Gradescope's results.json."""
    with context() as ctx:
        report = ctx.store.reports([submission_id]).get(submission_id)
    if report is None:
        raise fail(f"no graded submission {submission_id!r}")
    try:
        text = json.dumps(gradescope_results(report, show_hidden=show_hidden), indent=2) + "\n"
    except InputError as exc:
        raise fail(str(exc)) from None
    if out_file is None:
        sys.stdout.write(text)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out_file}: {exc.strerror or exc}") from None
    say(f"{submission_id} -> {out_file}")
