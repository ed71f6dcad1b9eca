"""What ``grader grade``, ``grader rubric``, ``grader sandbox`` and ``grader batch`` share:
the exit codes, the sandbox choice, printing user text to stderr as it is, and the
``error: ...`` exit.

Exit codes:
  0  done (a graded submission, whatever its score; a valid rubric)
  1  ``grader rubric check``: a folder landed outside its band
  2  unusable input: a rubric that does not validate, a missing or unreadable path
  3  the platform failed: a grading tool crashed or the sandbox could not run
"""

from __future__ import annotations

from enum import StrEnum

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from grader.settings import Settings

EXIT_OK, EXIT_BANDS, EXIT_INPUT, EXIT_PLATFORM = 0, 1, 2, 3

err = Console(stderr=True, highlight=False)
"""stderr, for messages and progress: stdout is the report's."""


class SandboxKind(StrEnum):
    """Where the student's code runs (``--sandbox``)."""

    docker = "docker"
    local = "local"


def print_literal(text: str | Text) -> None:
    """Print to stderr exactly as given. User text (paths, file names, rubric values) must never
    go through rich's markup or emoji codes: ``[red]`` would vanish, ``[/]`` raise, ``:100:``
    become an emoji."""
    shown = text if isinstance(text, Text) else Text(text)
    err.print(shown, markup=False, emoji=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: <message>`` to stderr; the exit to raise with ``code``."""
    print_literal(Text.assemble(("error:", "bold red"), " ", message))
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """The environment's settings, or exit 2 naming each bad ``GRADER_*`` variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"GRADER_{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise fail(f"bad configuration: {problems}", EXIT_INPUT) from None
