"""``grader course regrade ...``: regrade with preview, apply, discard, revert; rerun what
the platform failed; flaky hidden tests (filled in by the regrade work)."""

from __future__ import annotations

import typer

regrade_app = typer.Typer(help="Regrade an assignment with a preview; rerun platform failures.")
