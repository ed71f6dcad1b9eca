"""``grader course canvas ...``: grade passback to Canvas (filled in by the Canvas work)."""

from __future__ import annotations

import typer

canvas_app = typer.Typer(help="Pass the gradebook's grades back to Canvas.")
