"""The Celery side: the app, its two tasks, and how a worker process builds its services.

Two queues: ``feedback`` (``announce``: a queued check run within seconds) and
``grading`` (``grade``: fetch, sandbox, publish). ``grader worker`` consumes both;
an operator can run dedicated workers per queue. Tasks carry only a submission
id and are safe to run twice (see ``grader.service.jobs``). Messages are acknowledged
after the task ends (``acks_late``) and handed back when the process running
them dies (``reject_on_worker_lost``), and a worker takes one message at a time.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from celery import Celery, Task, signals
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import SQLAlchemyError

from grader.errors import PlatformError
from grader.sandbox.protocol import Sandbox
from grader.service import jobs, logs
from grader.service.courses import load_courses
from grader.service.github.client import GitHubClient, GitHubUnavailable
from grader.service.github.ratelimit import RateLimited, RedisLimiter
from grader.service.store import SqlStore
from grader.settings import ServiceSettings

GRADING, FEEDBACK = "grading", "feedback"
BACKOFF_BASE, BACKOFF_CAP = 5.0, 600.0

app = Celery("grader")
_services: jobs.Services | None = None
_lock = threading.Lock()


def configure(settings: ServiceSettings) -> Celery:
    """Point the app at the broker and set the delivery guarantees."""
    app.conf.update(
        broker_url=settings.redis_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "global_keyprefix": f"{settings.redis_prefix}:",
            "visibility_timeout": settings.visibility_timeout,
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=GRADING,
        task_routes={"grader.announce": {"queue": FEEDBACK}, "grader.grade": {"queue": GRADING}},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def services() -> jobs.Services:
    """This process's services, built on first use from the environment."""
    global _services
    with _lock:
        if _services is None:
            settings = ServiceSettings()
            store = SqlStore(settings.sqlalchemy_url)
            limiter = RedisLimiter(
                redis.Redis.from_url(settings.redis_url),
                prefix=settings.redis_prefix,
                per_minute=settings.writes_per_minute,
                per_hour=settings.writes_per_hour,
            )
            _services = jobs.Services(
                settings=settings,
                store=store,
                github=GitHubClient(settings, limiter),
                courses=load_courses(settings.courses),
                sandbox=_docker(settings),
                lease=timedelta(seconds=settings.lease),
            )
        return _services


def _docker(settings: ServiceSettings) -> Callable[[], Sandbox]:
    """A factory that connects to the engine once, when the first job needs it."""

    @functools.cache
    def sandbox() -> Sandbox:
        from grader.sandbox.docker import from_settings  # the docker SDK, only in workers

        return from_settings(settings)

    return sandbox


_random = secrets.SystemRandom()  # jitter; the OS's generator keeps bandit's B311 quiet
RETRYABLE = (PlatformError, SQLAlchemyError, SoftTimeLimitExceeded, OSError)


def _delay(exc: BaseException, retries: int) -> float:
    """Exponential backoff with full jitter, or GitHub's own wait when it gave one."""
    told = getattr(exc, "delay", None)
    if isinstance(exc, (GitHubUnavailable, RateLimited, jobs.LeaseHeld)) and told:
        return float(told) + _random.uniform(0, 2)
    return _random.uniform(BACKOFF_BASE, min(BACKOFF_CAP, BACKOFF_BASE * 2**retries))


@app.task(name="grader.announce", bind=True, max_retries=3)
def announce(self: Task[Any, Any], submission_id: str) -> None:
    """Create the queued check run, then hand the submission to the grading queue."""
    logs.bind(submission_id=submission_id, task="announce")
    try:
        wanted = jobs.announce(services(), submission_id)
    except RETRYABLE as exc:
        if self.request.retries < (self.max_retries or 0):
            raise self.retry(exc=exc, countdown=_delay(exc, self.request.retries)) from exc
        jobs.log.warning("announce gave up; grading anyway", error=str(exc))
        wanted = True
    finally:
        logs.clear()
    if wanted:
        enqueue_grade(submission_id)


@app.task(name="grader.grade", bind=True, max_retries=jobs.MAX_ATTEMPTS + 5)
def grade(self: Task[Any, Any], submission_id: str) -> str:
    """Grade and publish; platform faults retry with backoff, then give up (never charged)."""
    logs.bind(submission_id=submission_id, task="grade")
    try:
        return jobs.grade(services(), submission_id)
    except jobs.LeaseHeld as exc:
        raise self.retry(exc=exc, countdown=_delay(exc, 0), max_retries=None) from exc
    except RETRYABLE as exc:
        if self.request.retries < (self.max_retries or 0):
            jobs.log.warning(
                "platform fault; retrying", error=str(exc), retries=self.request.retries
            )
            raise self.retry(exc=exc, countdown=_delay(exc, self.request.retries)) from exc
        jobs.give_up(services(), submission_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        logs.clear()


def enqueue_announce(submission_id: str) -> None:
    announce.apply_async((submission_id,), queue=FEEDBACK)


def enqueue_grade(submission_id: str, run_timeout: int | None = None) -> None:
    options: dict[str, Any] = {"queue": GRADING}
    if run_timeout is not None:
        options.update(soft_time_limit=run_timeout + 240, time_limit=run_timeout + 300)
    grade.apply_async((submission_id,), **options)


@signals.worker_ready.connect
def _start_sweeper(**_: Any) -> None:
    """Now and then, enqueue what the API stored while the broker was down."""

    def loop() -> None:
        while True:
            every = services().settings.sweep_interval
            try:
                count = jobs.sweep(services(), enqueue_announce, older_than=every / 2)
                if count:
                    jobs.log.info("swept unqueued submissions", count=count)
            except Exception:  # the sweep is a courtesy; keep the worker running
                jobs.log.exception("sweep failed")
            time.sleep(every)

    threading.Thread(target=loop, name="sweeper", daemon=True).start()
