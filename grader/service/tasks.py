"""The Celery side: the app, its two tasks, and how a worker process builds its services.

Queues: ``feedback`` (``announce``: a queued check run within seconds) and one grading
queue per course, ``grading.<course>`` (``grade``: fetch, sandbox, publish; ``grading``
for a submission whose course is unknown). ``grader worker`` consumes them all; an
operator can run dedicated workers per queue.

The fair queue: every message carries a priority, 0 for interactive work (a student's
push) and 9 for bulk work (a regrade, a rerun, the deferred pushes at a due date). Redis's
transport (kombu) asks for the highest priority of every queue first, and moves the queue
it just took from to the back of its list (``round_robin``), so interactive work always
goes before bulk work and courses sharing workers are served in turn. A worker holds one
message per process (``worker_prefetch_multiplier=1`` with late acks), so a push arriving
during a bulk run waits for one grading at most. Tasks carry only a submission
id and are safe to run twice (see ``grader.service.jobs``). Messages are acknowledged
after the task ends (``acks_late``) and handed back when the process running
them dies (``reject_on_worker_lost``), and a worker takes one message at a time.

Faults: whatever escapes a job is read as a node of the error tree
(``grader.errors``, through ``grader.service.faults``). A platform fault the
tree says is retried waits its ``retry_after`` when it carries one, else
exponential backoff with full jitter, until the task's retries run out (unless
it is not ``counted``); one that is not retried (``GitHubRejected``), or the
last try, fails the submission: "not graded", never charged. The grade task's
time limits come from the rubric's ``limits.run_timeout``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from celery import Celery, Task, signals

from grader.errors import GraderError
from grader.rubric.model import Limits
from grader.sandbox.protocol import Sandbox
from grader.service import faults, jobs, logs
from grader.service.courses import Courses, load_courses
from grader.service.github.client import GitHubClient
from grader.service.github.ratelimit import RedisLimiter
from grader.service.jobs import budget, queueing
from grader.service.store import SqlCourseStore, SqlStore
from grader.service.store.batches_sql import SqlBatchStore
from grader.service.store.sources import SqlSourceStore
from grader.settings import ServiceSettings

GRADING, FEEDBACK = "grading", "feedback"
INTERACTIVE, BULK = 0, 9
"""Message priorities (Redis: lower goes first)."""
BULK_KEY = f"\x06\x16{BULK}"
"""What Redis's transport appends to a queue's key for its bulk messages."""
BACKOFF_BASE, BACKOFF_CAP = 5.0, 600.0
SOFT_MARGIN, HARD_MARGIN = 240, 300
"""Seconds the grade task may run past the rubric's run_timeout (fetch, publish) before its
soft limit (``TaskTimeLimit``, retried) and its hard limit (the process is killed)."""

app = Celery("grader")
_services: jobs.Services | None = None
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child builds its own services, under a lock of its own.

    The parent (the worker's main process, whose sweeper thread uses the services) may
    hold ``_lock`` at the fork: the child's copy would stay locked forever. The parent's
    HTTP sessions and database pool are not the child's to share either.
    """
    global _services, _lock
    _lock = threading.Lock()
    _services = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def configure(settings: ServiceSettings) -> Celery:
    """Point the app at the broker and set the delivery guarantees."""
    app.conf.update(
        broker_url=settings.redis_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "global_keyprefix": f"{settings.redis_prefix}:",
            "visibility_timeout": settings.visibility_timeout,
            "priority_steps": [INTERACTIVE, BULK],
            "queue_order_strategy": "round_robin",
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
                course_store=SqlCourseStore(store.engine),
                batches=SqlBatchStore(store.engine, store.clock),
                sources=SqlSourceStore(store.engine),
            )
        return _services


def _docker(settings: ServiceSettings) -> Callable[[], Sandbox]:
    """A factory that connects to the engine once, when the first job needs it; a worker's
    sandbox keeps ``GRADER_POOL_SIZE`` containers started ahead (``sandbox.docker.pool``)."""

    @functools.cache
    def sandbox() -> Sandbox:
        from grader.sandbox.docker import from_settings  # the docker SDK, only in workers

        return from_settings(settings, pooled=True)

    return sandbox


def task_services() -> jobs.Services:
    """This process's services for one task run, under a lease owner of its own.

    Made per run, not per process: processes forked from a parent that had
    built its services (a pool's replacement child) must not share an owner.
    """
    return dataclasses.replace(services(), owner=jobs.new_owner())


_random = secrets.SystemRandom()  # jitter; the OS's generator keeps bandit's B311 quiet


def _platform_fault(exc: Exception) -> GraderError | None:
    """The platform fault ``exc`` is, by the error tree; None when a task should not catch it."""
    fault = faults.as_grader_error(exc)
    return fault if fault is not None and fault.fault == "platform" else None


def _retries_left(task: Task[Any, Any], fault: GraderError) -> bool:
    """True when the tree says retry and the task has a retry left (or it is not counted)."""
    if not fault.retried:
        return False
    return not fault.counted or task.request.retries < (task.max_retries or 0)


def _retry(task: Task[Any, Any], fault: GraderError, exc: Exception) -> Exception:
    """The ``Retry`` to raise: after the error's own wait, else backoff with full jitter."""
    countdown = _delay(fault, task.request.retries)
    if fault.counted:
        return task.retry(exc=exc, countdown=countdown)
    return task.retry(exc=exc, countdown=countdown, max_retries=None)


def _delay(fault: GraderError, retries: int) -> float:
    """The error's ``retry_after`` (GitHub's, the limiter's, a lease's) plus a little jitter,
    else exponential backoff with full jitter."""
    if fault.retry_after:
        return float(fault.retry_after) + _random.uniform(0, 2)
    return _random.uniform(BACKOFF_BASE, min(BACKOFF_CAP, BACKOFF_BASE * 2**retries))


@app.task(name="grader.announce", bind=True, max_retries=3)
def announce(self: Task[Any, Any], submission_id: str) -> None:
    """Create the queued check run, then hand the submission to the grading queue."""
    logs.bind(submission_id=submission_id, task="announce")
    try:
        wanted = jobs.announce(services(), submission_id)
    except Exception as exc:
        fault = _platform_fault(exc)
        if fault is None:
            raise
        if _retries_left(self, fault):
            raise _retry(self, fault, exc) from exc
        jobs.log.warning("announce gave up; grading anyway", error=str(exc))
        wanted = True
    finally:
        logs.clear()
    if wanted:
        enqueue_grade(submission_id, *placement(services(), submission_id))


@app.task(name="grader.grade", bind=True, max_retries=jobs.MAX_ATTEMPTS + 5)
def grade(self: Task[Any, Any], submission_id: str) -> str:
    """Grade and publish; platform faults retry as the error tree says, then give up (never charged)."""
    logs.bind(submission_id=submission_id, task="grade")
    try:
        return jobs.grade(task_services(), submission_id)
    except Exception as exc:
        fault = _platform_fault(exc)
        if fault is None:
            raise
        if _retries_left(self, fault):
            if fault.counted:
                jobs.log.warning(
                    "platform fault; retrying", error=str(exc), retries=self.request.retries
                )
            raise _retry(self, fault, exc) from exc
        jobs.give_up(services(), submission_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        logs.clear()


def grading_queue(course: str) -> str:
    return f"{GRADING}.{course}"


def worker_queues(courses: Courses) -> list[str]:
    """Every queue a worker consumes by default: the announcements, each course's grading
    queue, and the one for submissions of no known course."""
    return [FEEDBACK, *(grading_queue(course.id) for course in courses.courses), GRADING]


def placement(services: jobs.Services, submission_id: str) -> tuple[int, str, int]:
    """The grade message's ``run_timeout`` (the rubric's ``limits.run_timeout``), queue
    (its course's) and priority (interactive or bulk). When the submission or its
    assignment cannot be read: the longest of the configured rubrics (a limit too long,
    never too short), the queue of no course, interactive."""
    limits = [route.loaded.rubric.limits.run_timeout for route in services.courses.routes]
    longest = max(limits, default=Limits().run_timeout)
    try:
        sub = services.store.get(submission_id)
    except Exception as exc:
        if _platform_fault(exc) is None:
            raise
        return longest, GRADING, INTERACTIVE
    route = services.courses.get(sub.assignment) if sub is not None else None
    if sub is None or route is None:
        return longest, GRADING, INTERACTIVE
    priority = BULK if sub.priority == "bulk" else INTERACTIVE
    return route.loaded.rubric.limits.run_timeout, grading_queue(route.course), priority


def rubric_run_timeout(services: jobs.Services, submission_id: str) -> int:
    """The submission's rubric's ``limits.run_timeout`` (see ``placement``)."""
    return placement(services, submission_id)[0]


def enqueue_announce(submission_id: str, *, bulk: bool = False) -> None:
    """Queue the announcement of a stored submission (bulk work after interactive work)."""
    announce.apply_async((submission_id,), queue=FEEDBACK, priority=BULK if bulk else INTERACTIVE)


def enqueue_bulk(submission_id: str) -> None:
    """Queue bulk work an instructor started (a regrade, a rerun, a deferred push)."""
    enqueue_announce(submission_id, bulk=True)


def enqueue_grade(
    submission_id: str, run_timeout: int, queue: str = GRADING, priority: int = INTERACTIVE
) -> None:
    """Queue the grade task with time limits over the rubric's ``run_timeout`` (see ``SOFT_MARGIN``)."""
    grade.apply_async(
        (submission_id,),
        queue=queue,
        priority=priority,
        soft_time_limit=run_timeout + SOFT_MARGIN,
        time_limit=run_timeout + HARD_MARGIN,
    )


@signals.worker_process_init.connect
def _warm_pool(**_: Any) -> None:
    """A pool process has its containers started for every configured rubric's limits, in a
    thread: the hook must return at once, and a failure only means a cold first grading."""

    def warm() -> None:
        try:
            bundle = services()
            sandbox = bundle.sandbox()
            for limits in {route.loaded.rubric.limits for route in bundle.courses.routes}:
                getattr(sandbox, "warm", lambda _limits: None)(limits)
        except Exception:  # the engine or the store is down: the first job starts one itself
            jobs.log.warning("the sandbox pool could not be warmed", exc_info=True)

    threading.Thread(target=warm, name="warm-pool", daemon=True).start()


@signals.worker_process_shutdown.connect
def _close_pool(**_: Any) -> None:
    """Destroy the pool's containers when a pool process ends (its ``os._exit`` skips
    ``atexit``); without this the reaper takes them later."""
    bundle = _services
    if bundle is None:
        return
    factory: Any = bundle.sandbox
    if getattr(factory, "cache_info", None) and factory.cache_info().currsize:
        getattr(factory(), "close", lambda: None)()


@signals.worker_ready.connect
def _start_sweeper(**_: Any) -> None:
    """Now and then: enqueue what the API stored while the broker was down, queue the
    deferred pushes whose due date passed, and show the waiting pushes their place."""
    threading.Thread(target=_sweep_loop, name="sweeper", daemon=True).start()
    threading.Thread(target=_queue_loop, name="queue-places", daemon=True).start()


def _sweep_loop() -> None:
    while True:
        every = services().settings.sweep_interval
        try:
            count = jobs.sweep(services(), enqueue_announce, older_than=every / 2)
            if count:
                jobs.log.info("swept unqueued submissions", count=count)
            budget.grade_deferred(services(), enqueue_bulk)
        except Exception:  # the sweep is a courtesy; keep the worker running
            jobs.log.exception("sweep failed")
        time.sleep(every)


def _queue_loop() -> None:
    """One worker at a time (a Redis lock per tick) edits the queued check runs."""
    shown: dict[str, str] = {}
    while True:
        settings = services().settings
        every = settings.queue_refresh
        try:
            client = redis.Redis.from_url(settings.redis_url)
            key = f"{settings.redis_prefix}:queue-places"
            if client.set(key, services().owner, nx=True, px=int(every * 1000 * 0.9)):
                queueing.refresh(services(), shown)
        except Exception:  # a courtesy too: the places come back at the next tick
            jobs.log.exception("queue places failed")
        time.sleep(every)
