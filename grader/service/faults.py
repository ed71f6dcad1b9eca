"""What escaped a job, as a node of the error tree (``grader.errors``).

The adapters translate their own foreign exceptions where they enter (the
Docker sandbox raises ``SandboxError``, the GitHub client ``GitHubUnavailable``
or ``GitHubRejected``, the download ``FetchError``). What is left can escape a
job from libraries the service uses everywhere: the database, Redis, Celery's
soft time limit and the operating system. ``as_grader_error`` is the one place
those become errors of the tree, so a task decides from ``fault``, ``retried``,
``retry_after`` and ``counted`` alone.
"""

from __future__ import annotations

import redis
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import SQLAlchemyError

from grader.errors import (
    GraderError,
    HostError,
    RedisUnavailable,
    StoreUnavailable,
    TaskTimeLimit,
)

_FOREIGN: tuple[tuple[type[BaseException], type[GraderError]], ...] = (
    (SQLAlchemyError, StoreUnavailable),
    (redis.RedisError, RedisUnavailable),
    (SoftTimeLimitExceeded, TaskTimeLimit),
    (OSError, HostError),
)


def as_grader_error(exc: BaseException) -> GraderError | None:
    """The error of the tree ``exc`` is, or stands for; None for anything else (a bug)."""
    if isinstance(exc, GraderError):
        return exc
    for foreign, ours in _FOREIGN:
        if isinstance(exc, foreign):
            return ours(f"{type(exc).__name__}: {exc}")
    return None
