"""``grader console``: a seeded demo console, and sign-in links for operators."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from grader.errors import RubricError

console_app = typer.Typer(
    help="The instructor console: a demo course, and sign-in links.", no_args_is_help=True
)

DEMO_COURSE = "python-de-2026"
DEMO_OWNER, DEMO_TA = "prof-ada", "ta-bob"
RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"
"""The weekly rubrics of a source checkout (the demo course's assignments)."""


@console_app.command()
def link(
    login: Annotated[str, typer.Option(help="The GitHub login to sign in as.")],
) -> None:
    """Print a link that signs LOGIN in to the console for ten minutes (needs the session
    secret; the login gets the roles courses.yaml and GRADER_ADMINS give it)."""
    from grader.cli.service import service_settings
    from grader.console.links import make_link

    settings = service_settings()
    base = settings.public_url or "http://127.0.0.1:8000"
    try:
        typer.echo(make_link(settings, login, base))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@console_app.command()
def demo(
    folder: Annotated[
        Path, typer.Option(help="Where the demo's database and courses.yaml live.")
    ] = Path("build/console-demo"),
    students: Annotated[int, typer.Option(min=1, max=2000)] = 60,
    pushes: Annotated[int, typer.Option(min=1, max=20, help="At most this many per work.")] = 4,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve: Annotated[bool, typer.Option(help="Start the console after seeding.")] = True,
) -> None:
    """Seed a course of the 12 weekly assignments with made-up students and their graded
    pushes (SQLite in FOLDER, once), print sign-in links, and serve the console."""
    from grader.service.classroom import demo as seeding
    from grader.service.courses import load_courses
    from grader.service.store import SqlCourseStore, SqlStore

    folder.mkdir(parents=True, exist_ok=True)
    if not (RUBRICS / "week01-generators" / "rubric.yaml").is_file():
        typer.echo(f"error: the weekly rubrics are not at {RUBRICS}", err=True)
        raise typer.Exit(2)
    path = seeding.demo_courses_yaml(
        folder / "courses.yaml", RUBRICS, owner=DEMO_OWNER, tas=(DEMO_TA,)
    )
    try:
        courses = load_courses(path)
    except RubricError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    url = f"sqlite:///{(folder / 'grader.db').resolve()}"
    store = SqlStore(url)
    store.migrate()
    roster = SqlCourseStore(store.engine)
    if not roster.students(DEMO_COURSE):
        seeded = seeding.seed(
            courses, DEMO_COURSE, store.engine, roster, students=students, per_assignment=pushes
        )
        typer.echo(f"seeded {seeded.students} students and {seeded.submissions} submissions")
    student = roster.students(DEMO_COURSE)[0].login or "ada-lovelace0"
    store.dispose()
    public = f"http://{host}:{port}"
    secret = _demo_secret(folder)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "GRADER_COURSES": str(path.resolve()),
            "GRADER_DATA_DIR": str(folder.resolve()),
            "GRADER_PUBLIC_URL": public,
            "GRADER_SESSION_SECRET": secret,
            "GITHUB_WEBHOOK_SECRET": os.environ.get("GITHUB_WEBHOOK_SECRET", "demo"),
            "GRADER_LOG_JSON": "false",
        }
    )
    _print_links(public, ((DEMO_OWNER, "owner"), (DEMO_TA, "TA"), (student, "a student")))
    if serve:
        import uvicorn

        uvicorn.run("webhooks.service:app_from_env", factory=True, host=host, port=port)


def _demo_secret(folder: Path) -> str:
    """The demo's session secret, kept in the folder so links survive a restart."""
    path = folder / "session-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _print_links(public: str, people: tuple[tuple[str, str], ...]) -> None:
    from grader.console.links import make_link
    from grader.settings import ServiceSettings

    settings = ServiceSettings()
    typer.echo(f"\nThe console: {public}/console  (sign-in links, good for ten minutes)")
    for login, role in people:
        typer.echo(f"  as {login} ({role}): {make_link(settings, login, public)}")
    typer.echo("")
