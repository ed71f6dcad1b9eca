"""API tokens for the console's scripts, for ``SqlCourseStore``.

A token is ``grader_`` and 43 URL-safe characters (``secrets.token_urlsafe(32)``: 256 random
bits). Only its SHA-256 is stored, so the table leaks no usable secret; a fast hash is
enough for a random secret of that size (there is nothing to guess from a dictionary).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from grader.service.store.course import ApiToken
from grader.service.store.course_base import MAX_ID, CourseSqlBase, bounded, record, rowcount
from grader.service.store.tables import ApiTokenRow

TOKEN_PREFIX = "grader_"  # noqa: S105  # nosec B105
"""Starts every token, so a leaked one is recognisable (and findable by secret scanners): a
public mark, not a secret."""
MAX_SECRET = 200
"""Anything longer sent as a token is not one of ours: refused before it is hashed."""
NOTE_USE_EVERY = timedelta(minutes=1)
"""A token's ``last_used_at`` is written at most this often: a script's burst is one write."""


def token_digest(secret: str) -> str:
    """What the table keeps of a token: the SHA-256 of its secret, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokens(CourseSqlBase):
    """Create, look up, list and revoke a login's tokens."""

    def create_token(self, login: str, name: str) -> tuple[ApiToken, str]:
        """A new token and its secret (shown once: only the secret's SHA-256 is kept)."""
        login, name = login.lower(), name.strip()
        bounded("token", login=login, name=name)
        if not login or not name:
            raise ValueError("token: a login and a name are needed")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._session() as session:
            row = ApiTokenRow(
                login=login, name=name, token_hash=token_digest(secret), created_at=self.clock()
            )
            session.add(row)
            session.flush()
            return record(ApiToken, row), secret

    def token_login(self, secret: str) -> str | None:
        """The login a live token belongs to (noting its use); None when unknown or revoked."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET:
            return None
        now = self.clock()
        with self._session() as session:
            row = session.scalar(
                select(ApiTokenRow).where(
                    ApiTokenRow.token_hash == token_digest(secret),
                    ApiTokenRow.revoked_at.is_(None),
                )
            )
            if row is None:
                return None
            if row.last_used_at is None or row.last_used_at < now - NOTE_USE_EVERY:
                row.last_used_at = now
            return row.login

    def tokens(self, login: str) -> list[ApiToken]:
        """The login's tokens, revoked ones included, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.login == login.lower())
                .order_by(ApiTokenRow.id)
            )
            return [record(ApiToken, row) for row in rows]

    def revoke_token(self, login: str, token_id: int) -> bool:
        """Revoke one of the login's live tokens; False when it has no such live token."""
        if not 1 <= token_id <= MAX_ID:
            return False
        with self._session() as session:
            revoked = session.execute(
                update(ApiTokenRow)
                .where(
                    ApiTokenRow.id == token_id,
                    ApiTokenRow.login == login.lower(),
                    ApiTokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            return rowcount(revoked) == 1
