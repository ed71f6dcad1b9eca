"""``grader course``, with its sub-groups: tokens, regrades, similarity and Canvas.

Imported only when a ``grader course`` command runs (``grader.cli.lazy``).
"""

from __future__ import annotations

from grader.cli.canvas import canvas_app
from grader.cli.course import course_app
from grader.cli.course_tokens import token_app
from grader.cli.regrades import regrade_app
from grader.cli.similarity import similarity_app

__all__ = ["course_app"]

course_app.add_typer(token_app, name="token")  # grader/cli/course_tokens.py
course_app.add_typer(regrade_app, name="regrade")  # grader/cli/regrades.py
course_app.add_typer(similarity_app, name="similarity")  # grader/cli/similarity.py
course_app.add_typer(canvas_app, name="canvas")  # grader/cli/canvas.py
