"""``grader course similarity ...``: the similarity report (filled in by the similarity work)."""

from __future__ import annotations

import typer

similarity_app = typer.Typer(help="Find copied work: the similarity report of an assignment.")
