"""``grader course canvas ...``: pass the gradebook's grades back to Canvas.

``push`` reads the Canvas course (its students, each linked assignment's submissions),
compares with the gradebook (``grader.service.classroom.canvas`` says what is sent and what
never is) and sends only the grades that differ; ``--dry-run`` shows them and sends
nothing. ``status`` shows the mapping: each assignment's Canvas id and points, and how many
roster students match a Canvas student. Exit codes: 0 done (problems listed are not
failures), 2 bad input or configuration (no ``canvas:`` in courses.yaml, no CANVAS_TOKEN, an
unknown assignment, Canvas refusing the token or not knowing the course), 3 Canvas failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from grader.cli.course import (
    EXIT_PLATFORM,
    Context,
    CourseOption,
    actor,
    context,
    fail,
    out,
    say,
    the_course,
)
from grader.cli.service import service_settings
from grader.errors import CanvasRejected, CanvasUnavailable
from grader.service.classroom.canvas import GradeChange, Plan, plan_passback
from grader.service.classroom.canvas_client import CanvasClient, push_plan
from grader.service.classroom.exports import number
from grader.service.classroom.gradebook import build_gradebook
from grader.service.courses import CanvasLink, Route

canvas_app = typer.Typer(help="Pass the gradebook's grades back to Canvas.", no_args_is_help=True)

AssignmentsOption = Annotated[
    list[str] | None,
    typer.Option("--assignment", "-a", help="Only this assignment (repeat for more)."),
]


@dataclass(frozen=True)
class Passback:
    """What both commands work with: the command's context, the link and a Canvas client."""

    ctx: Context
    course: str
    link: CanvasLink
    client: CanvasClient


@contextmanager
def passback(course_id: str) -> Iterator[Passback]:
    """The course's Canvas link and a client; exit 2 without a link or a token, and exit 2
    or 3 with Canvas's own words when it refuses or fails."""
    settings = service_settings()
    with context() as ctx:
        course = the_course(ctx, course_id)
        if course.canvas is None:
            raise fail(
                f"course {course_id} has no canvas: section in {ctx.courses.path} "
                "(canvas: {url: ..., course_id: ...})"
            )
        if settings.canvas_token is None:
            raise fail("no Canvas token: set CANVAS_TOKEN (or GRADER_CANVAS_TOKEN)")
        client = CanvasClient(
            course.canvas,
            settings.canvas_token.get_secret_value(),
            requests_per_second=settings.canvas_requests_per_second,
        )
        try:
            with client:
                yield Passback(ctx, course_id, course.canvas, client)
        except CanvasRejected as exc:
            raise fail(str(exc)) from None
        except CanvasUnavailable as exc:
            raise fail(str(exc), EXIT_PLATFORM) from None


def _plan(pb: Passback, only: list[str] | None) -> Plan:
    """Read Canvas for the chosen assignments (every one without ``only``) and plan."""
    chosen = _chosen(pb, only)
    ids = [r.assignment.canvas_id for r in chosen if r.assignment.canvas_id is not None]
    book = build_gradebook(pb.ctx.courses, pb.course, pb.ctx.store)
    snapshot = pb.client.snapshot(ids, with_email=pb.link.match == "email")
    return plan_passback(book, pb.link, snapshot, set(only) if only else None)


def _chosen(pb: Passback, only: list[str] | None) -> list[Route]:
    """The course's assignments, or those named; exit 2 for one unknown or without canvas_id."""
    routes = pb.ctx.courses.course_routes(pb.course)
    if not only:
        return routes
    known = {route.id: route for route in routes}
    for each in only:
        if each not in known:
            listed = ", ".join(known) or "none"
            raise fail(f"no assignment {each!r} in course {pb.course}; assignments: {listed}")
        if known[each].assignment.canvas_id is None:
            raise fail(f"assignment {each} has no canvas_id in {pb.ctx.courses.path}")
    return [known[each] for each in dict.fromkeys(only)]


@canvas_app.command("push")
def push(
    course: CourseOption,
    assignment: AssignmentsOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; send nothing.")
    ] = False,
) -> None:
    """Send the gradebook's grades that differ from Canvas's (only those)."""
    with passback(course) as pb:
        plan = _plan(pb, assignment)
        if dry_run:
            out.print(_changes(plan.changes, "would change", None))
            _summary(plan, f"{len(plan.changes)} to send (dry run: nothing sent)")
            return
        result = push_plan(pb.client, plan, pb.ctx.store, actor())
    sent = [change for change, _ in result.sent]
    stored = [score for _, score in result.sent]
    out.print(_changes(sent, "sent", stored))
    _summary(plan, f"{len(sent)} sent")
    if result.error is not None:
        left = len(plan.changes) - len(sent)
        code = EXIT_PLATFORM if isinstance(result.error, CanvasUnavailable) else 2
        raise fail(f"{result.error} ({left} grades not sent; push again to finish)", code)


@canvas_app.command("status")
def status(course: CourseOption) -> None:
    """The mapping: each assignment's Canvas id, and how many roster students match."""
    with passback(course) as pb:
        plan = _plan(pb, None)
        routes = pb.ctx.courses.course_routes(course)
    table = Table("assignment", "canvas id", "pushed", title=Text(f"{course} -> Canvas"))
    for route in routes:
        canvas_id = route.assignment.canvas_id
        linked = "yes" if route.id in plan.linked else "no"
        table.add_row(Text(route.id), Text(str(canvas_id or "-")), Text(linked))
    out.print(table)
    _summary(plan, f"{len(plan.changes)} grades differ from Canvas")


def _changes(
    changes: Sequence[GradeChange], title: str, stored: Sequence[float | None] | None
) -> Table:
    columns = ["assignment", "student", "name", "canvas user", "before", "after"]
    table = Table(*columns, *(["stored"] if stored is not None else []), title=Text(title))
    for index, change in enumerate(changes):
        cells = [
            change.assignment,
            change.student,
            change.name,
            str(change.canvas_user),
            number(change.before) or "-",
            change.posted_grade,
        ]
        if stored is not None:
            cells.append(number(stored[index]) or "-")
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _summary(plan: Plan, first: str) -> None:
    waiting = ", ".join(f"{count} {state}" for state, count in sorted(plan.not_sent.items()))
    say(
        f"{plan.course}: {first}; {plan.unchanged} unchanged; "
        f"not sent: {waiting or 'none'} (never sent: pending, missing, failed); "
        f"{plan.matched} of {plan.roster} roster students matched in Canvas"
    )
    if plan.problems:
        table = Table("problem", "about", "what", title=Text(f"{len(plan.problems)} problems"))
        for problem in plan.problems:
            table.add_row(Text(problem.kind), Text(problem.subject), Text(problem.message))
        out.print(table)
