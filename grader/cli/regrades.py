"""``grader course regrade ...``: regrade with preview, apply, discard, revert; rerun what
the platform failed; flaky hidden tests.

The same jobs as the console's regrade pages (``grader.service.jobs.regrades``), over the
database and ``courses.yaml`` of ``ServiceSettings``, acting as ``cli:<os user>`` in the
audit trail. Submissions go to the workers through the broker as bulk work
(``grader.service.tasks.enqueue_bulk``); a worker handed a finished submission publishes
it, which is how apply and revert post. Exit 2 with one message on bad input (an unknown course,
assignment or batch, a batch in the wrong state), 3 when the database or broker fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from grader.cli.course import (
    EXIT_PLATFORM,
    AssignmentOption,
    CourseOption,
    actor,
    fail,
    out,
    say,
)
from grader.cli.service import service_settings
from grader.errors import InputError, PlatformError
from grader.service.classroom.regrades import Preview
from grader.service.courses import Courses, load_courses
from grader.service.jobs import regrades
from grader.service.store import SqlStore
from grader.service.store.batches import Batch
from grader.service.store.batches_sql import SqlBatchStore
from grader.service.store.course_sql import SqlCourseStore
from grader.settings import ServiceSettings

regrade_app = typer.Typer(
    help="Regrade an assignment with a preview; rerun platform failures.", no_args_is_help=True
)

BatchArgument = Annotated[str, typer.Argument(help="The batch id (see `list`).")]


def broker_enqueue(settings: ServiceSettings) -> Callable[[str], None]:
    """Hands submissions to the workers through the broker, as bulk work (after every
    student's push); tests replace this."""
    from grader.service import tasks  # Celery and Redis, only when work is handed over

    tasks.configure(settings)
    return tasks.enqueue_bulk


enqueuer: Callable[[ServiceSettings], Callable[[str], None]] = broker_enqueue
"""How a command gets its ``enqueue``; a module attribute so tests can hand in their own."""


@dataclass(frozen=True)
class Parts:
    """What the regrade jobs work with, over the service's database."""

    store: SqlStore
    courses: Courses
    course_store: SqlCourseStore
    batches: SqlBatchStore
    settings: ServiceSettings

    @cached_property
    def _send(self) -> Callable[[str], None]:
        return enqueuer(self.settings)

    def enqueue(self, submission_id: str) -> None:
        """Hand a submission to the workers (the broker is set up on first use)."""
        self._send(submission_id)


@contextmanager
def parts() -> Iterator[Parts]:
    """The stores and courses; bad input exits 2, a failing database or broker 3."""
    settings = service_settings()
    try:
        courses = load_courses(settings.courses)
    except InputError as exc:
        raise fail(f"GRADER_COURSES={settings.courses}:\n{exc}") from None
    store: SqlStore | None = None
    try:
        store = SqlStore(settings.sqlalchemy_url)
        store.migrate()
        course_store = SqlCourseStore.beside(store)
        yield Parts(
            store, courses, course_store, SqlBatchStore(store.engine, store.clock), settings
        )
    except InputError as exc:
        raise fail(str(exc)) from None
    except (SQLAlchemyError, PlatformError, OSError) as exc:
        raise fail(f"{type(exc).__name__}: {exc}", EXIT_PLATFORM) from None
    finally:
        if store is not None:
            store.dispose()


def _line(batch: Batch) -> Text:
    return Text.assemble(
        (batch.id, "bold"),
        f"  {batch.kind}{' (preview)' if batch.preview else ''}  {batch.state}  ",
        f"{batch.assignment}  by {batch.created_by}  {batch.created_at:%Y-%m-%d %H:%M} UTC",
    )


@regrade_app.command()
def start(
    course: CourseOption,
    assignment: AssignmentOption,
    preview: Annotated[
        bool, typer.Option("--preview/--no-preview", help="Hold the results until applied.")
    ] = True,
) -> None:
    """Regrade every student's counted submission with the assignment's current rubric."""
    with parts() as made:
        batch = regrades.start_regrade(
            made, course, assignment, actor(), enqueue=made.enqueue, preview=preview
        )
        say(_line(batch))
        say(f"{batch.note}; see it with: grader course regrade show {batch.id}")


@regrade_app.command()
def show(batch_id: BatchArgument) -> None:
    """The preview: each student's old and new score, the difference, the changed tests."""
    with parts() as made:
        view = regrades.show(made, batch_id)
        say(_line(view.batch))
        out.print(preview_table(view.preview))
        say(
            f"{view.preview.graded} graded, {view.preview.pending} still grading, "
            f"{view.preview.failed} not graded; {view.preview.changed} scores change"
        )


def preview_table(preview: Preview) -> Table:
    """The preview as a table; every cell is plain text."""
    table = Table("Student", "State", "Old", "New", "Change", "Tests that changed")
    for line in preview.lines:
        changes = "\n".join(
            f"{c.name}{' (hidden)' if c.hidden else ''}: "
            f"{c.before or 'absent'} -> {c.after or 'absent'}"
            for c in line.changes
        )
        table.add_row(
            Text(line.student or "-"),
            Text(line.state),
            Text(_points(line.old)),
            Text(_points(line.new)),
            Text("-" if line.delta is None else f"{line.delta:+g}"),
            Text(changes),
        )
    return table


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@regrade_app.command()
def apply(batch_id: BatchArgument) -> None:
    """Count the previewed results and publish them (editing the earlier feedback)."""
    with parts() as made:
        count = regrades.apply(made, batch_id, actor(), publish=made.enqueue)
        say(f"applied: {count} result{'s' if count != 1 else ''} handed to the workers to publish")


@regrade_app.command()
def discard(batch_id: BatchArgument) -> None:
    """Throw the preview away: nothing is published."""
    with parts() as made:
        done = regrades.discard(made, batch_id, actor())
        say("discarded" if done else "already discarded")


@regrade_app.command()
def revert(batch_id: BatchArgument) -> None:
    """Take an applied regrade back: the earlier results count and are published again."""
    with parts() as made:
        count = regrades.revert(made, batch_id, actor(), publish=made.enqueue)
        say(f"reverted: {count} result{'s' if count != 1 else ''} handed back to the workers")


@regrade_app.command(name="list")
def list_batches(
    course: CourseOption,
    assignment: Annotated[
        str | None, typer.Option("--assignment", "-a", help="Only this assignment's.")
    ] = None,
) -> None:
    """The course's regrades and reruns, newest first."""
    with parts() as made:
        if made.courses.course(course) is None:
            raise InputError(f"no course {course!r} in courses.yaml")
        found = made.batches.batches(course, assignment)
        for batch in found:
            say(_line(batch))
        if not found:
            say("no regrade or rerun yet")


@regrade_app.command(name="rerun-failed")
def rerun_failed(course: CourseOption, assignment: AssignmentOption) -> None:
    """Grade again each pull request's latest submission the platform failed."""
    with parts() as made:
        batch = regrades.rerun_failed(made, course, assignment, actor(), enqueue=made.enqueue)
        say("nothing to rerun" if batch is None else _line(batch))


@regrade_app.command()
def flaky(course: CourseOption, assignment: AssignmentOption) -> None:
    """Hidden tests whose outcome differed between gradings of identical code."""
    with parts() as made:
        found = regrades.flaky(made, course, assignment)
        if not found:
            say("no flaky hidden test seen")
            return
        table = Table("Test", "Criterion", "Gradings", "Commits", "Outcomes", "Examples")
        for test in found:
            table.add_row(
                Text(test.name),
                Text(test.criterion),
                Text(str(test.gradings)),
                Text(str(test.commits)),
                Text(", ".join(test.outcomes)),
                Text(" ".join(test.examples)),
            )
        out.print(table)
