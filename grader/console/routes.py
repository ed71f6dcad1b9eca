"""Every route of the console's pages and its JSON API, in one router ``mount.py`` includes.

Each page module states who may see it (``current_viewer`` and a role check in every
route); see ``grader/console/pages/`` and ``api.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from grader.console import api
from grader.console.pages import (
    actions,
    assignment,
    course,
    exports,
    regrades,
    roster,
    similarity,
    student,
    submission,
    tokens,
)

router = APIRouter()
PARTS = (
    course,
    assignment,
    student,
    actions,
    submission,
    roster,
    exports,
    tokens,
    regrades,
    similarity,
    api,
)
for part in PARTS:
    router.include_router(part.router)
