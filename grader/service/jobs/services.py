"""The ``Services`` bundle: everything a job talks to, each behind its protocol."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from grader.sandbox.protocol import Sandbox
from grader.service import logs
from grader.service.courses import Courses
from grader.service.github.publisher import Publisher
from grader.service.store import Store
from grader.service.store.batches import BatchStore
from grader.service.store.course import CourseStore
from grader.service.store.sources import SourceStore
from grader.settings import ServiceSettings

log = logs.get("grader.service.jobs")
"""One logger for every job module (its name is in every log line)."""


def new_owner() -> str:
    """A lease owner id for one task run: this host and process, and a random part.

    Made at call time: every process forked from one parent, and every task run
    in it, gets its own, so one can never renew a lease another took over.
    """
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Services:
    """Everything a job talks to."""

    settings: ServiceSettings
    store: Store
    github: Publisher
    """GitHub (``GitHubClient``), or ``MemoryGitHub`` in tests."""
    courses: Courses
    sandbox: Callable[[], Sandbox]
    """Opens the sandbox (the Docker engine) when a job first needs it."""
    owner: str = field(default_factory=new_owner)
    """Who holds the submissions this bundle claims: give each task run its own (``new_owner``)."""
    lease: timedelta = timedelta(seconds=30)
    course_store: CourseStore | None = None
    """The roster and extensions (a student's own due date); None: the rubric's for all."""
    batches: BatchStore | None = None
    """Bulk work (regrades, reruns); None: a store without them (some unit tests)."""
    sources: SourceStore | None = None
    """Where graded submissions' files are kept for the similarity report; None: not kept."""
