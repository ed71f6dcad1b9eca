"""Real backing services for the service's tests (a private PostgreSQL database, a Redis namespace) and a clock to move."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import redis

from grader.service.store import NewSubmission

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
"""The tests' own Redis database number; every key also carries a per-run prefix."""


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; yields its SQLAlchemy URL."""
    name = f"grader_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_namespace(url: str = REDIS_URL) -> Iterator[tuple[redis.Redis, str]]:
    """A Redis client and a unique key prefix; the prefix's keys are deleted afterwards."""
    client = redis.Redis.from_url(url)
    prefix = f"grader-test-{uuid.uuid4().hex[:10]}"
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


class ShiftedClock:
    """The real UTC time plus an offset a test moves forward, so a lease runs out without a sleep.

    It keeps ticking with the real time, so two readings are never equal (``created_at <
    now`` holds a moment later), and it only ever moves forward.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


def new_submission(
    sha: str = "a" * 40, *, pull: int | None = 7, regrade: bool = False
) -> NewSubmission:
    """A push of pull request ``pull`` of course/alice (from the fork alice/fork) to grade."""
    return NewSubmission(
        repository="course/alice",
        pull_number=pull,
        head_sha=sha,
        head_repository="alice/fork",
        head_ref="week01",
        base_sha="b" * 40,
        installation_id=3,
        assignment="week01",
        rubric_path="rubrics/week01/rubric.yaml",
        rubric_sha256="r" * 64,
        regrade=regrade,
    )
