"""The ``grader`` command line.

Exit codes (every command; ``grader.cli.common`` holds them):
  0  done (a graded submission, whatever its score; a valid rubric)
  1  ``grader rubric check``: a folder landed outside its band
  2  unusable input: a rubric that does not validate, a missing or unreadable path
  3  the platform failed: a grading tool crashed or the sandbox could not run
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from grader import __version__
from grader.checks.registry import REGISTRY, rubric_json_schema
from grader.checks.rubric import load_rubric
from grader.cli import service as cli_service
from grader.cli.batch import batch
from grader.cli.common import (
    EXIT_BANDS,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PLATFORM,
    SandboxKind,
    err,
    fail,
    print_literal,
    settings_or_exit,
)
from grader.cli.lazy import LazyGroup
from grader.cli.rubric_tools import size_bench
from grader.errors import InputError, PlatformError
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.pipeline.prove import check_rubric
from grader.report.model import readable
from grader.report.render import render
from grader.rubric.bands import rubric_file
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import Sandbox
from grader.settings import Settings

__all__ = [  # the exit codes, the sandbox choice and print_literal stay importable from here
    "EXIT_BANDS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_PLATFORM",
    "SandboxKind",
    "app",
    "main",
    "print_literal",
]

app = typer.Typer(
    help="Grade Python submissions against YAML rubrics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)
rubric_app = typer.Typer(help="Write, validate and prove rubrics.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")
sandbox_app = typer.Typer(help="Build and inspect the Docker sandbox.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
# `course` (grader/cli/course_group.py) and `console` (grader/cli/console.py) are imported
# when used: grader/cli/lazy.py.


class OutputFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def _sandbox(kind: SandboxKind | None, settings: Settings) -> Sandbox:
    """The sandbox asked for, or the configured default (``GRADER_SANDBOX``)."""
    chosen = kind or SandboxKind(settings.sandbox)
    if chosen is SandboxKind.local:
        return LocalSandbox(settings.cache_dir)
    from grader.sandbox.docker import from_settings  # needs the docker SDK

    try:
        return from_settings(settings)
    except PlatformError as exc:
        raise fail(str(exc), EXIT_PLATFORM) from None


def _submitted_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"--submitted-at {value!r} is not an ISO 8601 time, e.g. 2026-12-02T10:00:00Z",
            EXIT_INPUT,
        ) from None
    if moment.tzinfo is None:
        raise fail(
            f"--submitted-at {value!r} has no time zone; add one, e.g. Z or +01:00", EXIT_INPUT
        )
    return moment


@app.command()
def grade(
    path: Annotated[
        str,
        typer.Argument(
            help="The student's repository or assignment folder.",
            metavar="PATH",
            show_default=False,
        ),
    ],
    rubric: Annotated[
        Path, typer.Option("--rubric", "-r", help="The rubric file (or its folder).")
    ],
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text for a terminal, markdown for a pull request, json for machines.",
        ),
    ] = OutputFormat.text,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the report to this file instead of the terminal."),
    ] = None,
    sandbox: Annotated[
        SandboxKind | None,
        typer.Option(
            help="Where the code runs (default: GRADER_SANDBOX, else docker). docker: a fresh locked-down container per submission. local: a scratch copy and a subprocess with limits; FOR TRUSTED CODE ONLY (your own, or a reference), it does not contain hostile code.",
            show_default=False,
        ),
    ] = None,
    submitted_at: Annotated[
        str | None,
        typer.Option(
            help="When the work was submitted (ISO 8601 with a time zone), for the late policy."
        ),
    ] = None,
    show_hidden: Annotated[
        bool, typer.Option(help="Show the names and messages of hidden tests (instructors).")
    ] = False,
) -> None:
    """Grade a submission and print the report (exit 0 whatever the score)."""
    if not path:  # kept a string until here: Path("") would be ".", grading this folder unasked
        raise fail("the submission path is empty; give a folder (. for this one)", EXIT_INPUT)
    settings = settings_or_exit()
    options = GradeOptions(
        submitted_at=_submitted_at(submitted_at), show_hidden=show_hidden, workers=settings.workers
    )
    try:
        loaded = load_rubric(rubric_file(rubric))
        report = grade_submission(Path(path), loaded, _sandbox(sandbox, settings), options)
    except InputError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except PlatformError as exc:
        raise fail(f"the grader failed (not your code): {exc}", EXIT_PLATFORM) from None
    color = (
        out is None
        and fmt is OutputFormat.text
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
    )
    _emit(render(report, fmt.value, color=color), out)
    for criterion in report.criteria:
        if criterion.status == "tool_error":
            print_literal(f"error: {criterion.id}: {criterion.summary}")
    if report.platform_failed:
        raise typer.Exit(EXIT_PLATFORM)


def _emit(text: str, out: Path | None) -> None:
    """Print the report, or write it to ``out``."""
    text = readable(text)  # a file name that is not UTF-8 cannot be written as it is
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror}", EXIT_INPUT) from None


@rubric_app.command("validate")
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Rubric files or folders holding rubric.yaml.")
    ],
) -> None:
    """Check rubrics against the schema; every error names the file, line, column and field."""
    failed = 0
    for path in paths:
        try:
            loaded = load_rubric(rubric_file(path))
        except InputError as exc:
            failed += 1
            print_literal(str(exc))
            continue
        typer.echo(
            f"{loaded.path}: ok ({len(loaded.rubric.criteria)} criteria, {loaded.rubric.max_score:g} points)"
        )
    if failed:
        raise typer.Exit(EXIT_INPUT)


@rubric_app.command("schema")
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Print the rubric JSON Schema (ship it as rubrics/schema.json for editor completion)."""
    _emit(json.dumps(rubric_json_schema(), indent=2, sort_keys=True) + "\n", out)


@rubric_app.command("kinds", hidden=True)
def kinds() -> None:
    """Print the Markdown table of check kinds (the one in rubrics/README.md)."""
    typer.echo(REGISTRY.docs_table(), nl=False)


@rubric_app.command("check")
def check(
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="Rubric folders (rubric.yaml, bands.yaml, reference/, starter/, samples/)."
        ),
    ],
    sandbox: Annotated[
        SandboxKind | None,
        typer.Option(
            help="Where the code runs (default: GRADER_SANDBOX, else docker; local: trusted code only).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Grade each rubric's reference, starter and samples, and check each lands in its band."""
    settings = settings_or_exit()
    outside = 0
    for folder in folders:
        typer.echo(f"{folder}:")
        try:
            for band_result in check_rubric(
                folder, _sandbox(sandbox, settings), GradeOptions(workers=settings.workers)
            ):
                outside += not band_result.ok
                for line in band_result.lines():
                    typer.echo(f"  {line}")
        except InputError as exc:
            raise fail(str(exc), EXIT_INPUT) from None
        except PlatformError as exc:
            raise fail(f"the grader failed: {exc}", EXIT_PLATFORM) from None
    if outside:
        raise fail(f"{outside} folder(s) outside their band", EXIT_BANDS)


@sandbox_app.command("build")
def sandbox_build(
    base: Annotated[
        str,
        typer.Option(
            help="The base image: `debian` makes one here from Debian packages (debootstrap, no registry needed); otherwise an image the engine has, e.g. python:3.11-slim."
        ),
    ] = "debian",
    tag: Annotated[
        str | None, typer.Option(help="Tag for the image (default: GRADER_SANDBOX_IMAGE).")
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            help="Also build this sidecar service's image (postgres, redis...; `all`: every one). With a base other than `debian`, give the service's, e.g. debian:bookworm-slim.",
        ),
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            help="Also build this heavier sandbox variant (spark; `all`: every one), after the sandbox image it builds on."
        ),
    ] = None,
) -> None:
    """Build the sandbox image (and sidecar services' and variants' images) offline; a no-op
    when nothing changed."""
    from grader.sandbox.docker import connect
    from grader.sandbox.docker.extra_images import build_images

    settings = settings_or_exit()
    try:
        built = build_images(
            connect(timeout=1800),
            sandbox_tag=tag or settings.sandbox_image,
            base=base,
            mirror=settings.debian_mirror,
            cache_dir=settings.cache_dir,
            services=service or [],
            variants=variant or [],
            progress=lambda line: err.print(line, markup=False),
        )
    except PlatformError as exc:
        raise fail(str(exc), EXIT_PLATFORM) from None
    for image in built:
        state = "up to date" if image.reused else "built"
        typer.echo(f"{image.tag}: {state} ({image.image_id}, base {image.base})")


@sandbox_app.command("status")
def sandbox_status() -> None:
    """Say whether a Docker engine answers and whether the sandbox image is built."""
    from grader.sandbox.docker import connect, engine_version, image_summary

    settings = settings_or_exit()
    try:
        client = connect(timeout=10)
    except PlatformError as exc:
        raise fail(str(exc), EXIT_PLATFORM) from None
    typer.echo(f"engine: Docker {engine_version(client)}")
    summary = image_summary(client, settings.sandbox_image)
    if summary is None:
        raise fail(
            f"the sandbox image {settings.sandbox_image} is missing: run `grader sandbox build`",
            EXIT_PLATFORM,
        )
    typer.echo(f"image: {summary['image']} {summary['digest']} (base {summary['base']})")


app.command()(cli_service.serve)
app.command()(cli_service.worker)
app.command()(cli_service.regrade)
app.command()(batch)  # grader/cli/batch.py
rubric_app.command("size-bench")(size_bench)  # grader/cli/rubric_tools.py


@app.command()
def version() -> None:
    """Print the grader's version."""
    typer.echo(__version__)


def main() -> None:
    """Console-script entry point."""
    app()
