"""API tokens for scripts: ``Authorization: Bearer <token>``.

Tokens are made with ``grader course token create`` (or the console); the store keeps
only their hash and answers ``token_login``. A token acts for its login with the roles
``courses.yaml`` and ``GRADER_ADMINS`` give that login by name (a team is not asked of
GitHub for a token: there is no user's GitHub token to ask with).
"""

from __future__ import annotations

import re

from grader.console.context import ConsoleContext
from grader.service import logs

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_.~+/=-]{16,128}$")
"""What a token may look like before the store is asked (bounded, printable, no spaces)."""

log = logs.get("console")


def token_login(ctx: ConsoleContext, secret: str) -> str | None:
    """The login a live API token belongs to; None for a malformed, unknown or revoked one."""
    if not TOKEN_SHAPE.match(secret):
        return None
    login = ctx.course_store.token_login(secret)
    if login is None:
        log.info("refused an unknown or revoked API token")
    return login
