"""The API wired to the real store, broker, course configuration and Docker engine."""

from __future__ import annotations

import gc
import threading
from functools import partial
from typing import cast

import redis
from fastapi import FastAPI

from grader.console.context import ConsoleContext
from grader.service import logs, tasks
from grader.service.courses import Route, load_courses
from grader.service.store import SqlStore
from grader.service.store.batches_sql import SqlBatchStore
from grader.service.store.course_sql import SqlCourseStore
from grader.service.store.sources import SqlSourceStore
from grader.settings import ServiceSettings
from webhooks.app import Backend, create_app

PROBE_TIMEOUT = 2.0


def build_backend(settings: ServiceSettings) -> Backend:
    """The backend the settings describe; migrates the store to the newest schema."""
    store = SqlStore(settings.sqlalchemy_url)
    store.migrate()
    courses = load_courses(settings.courses)
    tasks.configure(settings)
    broker = redis.Redis.from_url(
        settings.redis_url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
    )

    def enqueue(submission_id: str, route: Route) -> None:
        tasks.enqueue_announce(submission_id)

    def queue_depth() -> dict[str, int]:
        """Messages waiting per queue, interactive and bulk apart (``grading.<course>:bulk``)."""
        keys = {
            f"{queue}{suffix}": f"{settings.redis_prefix}:{queue}{key}"
            for queue in tasks.worker_queues(courses)
            for suffix, key in (("", ""), (":bulk", tasks.BULK_KEY))
        }
        try:
            return {name: int(cast(int, broker.llen(key))) for name, key in keys.items()}
        except redis.RedisError:
            return {}

    return Backend(
        settings=settings,
        store=store,
        courses=courses,
        enqueue=enqueue,
        checks={
            "redis": lambda: _ping(broker),
            "database": store.ping,
            "docker": partial(_docker_ping, settings),
        },
        queue_depth=queue_depth,
    )


def _ping(client: redis.Redis) -> None:
    client.ping()


def _docker_ping(settings: ServiceSettings) -> None:
    import docker  # only when probed

    client = docker.from_env(timeout=int(PROBE_TIMEOUT))
    try:
        client.ping()
        client.images.get(settings.sandbox_image)
    finally:
        client.close()


def build_console(backend: Backend) -> ConsoleContext:
    """The console over the backend's store (the console's tables live in the same database)."""
    if not isinstance(backend.store, SqlStore):
        raise TypeError("the console needs the SQL store")
    store = backend.store
    return ConsoleContext(
        backend.settings,
        backend.courses,
        store,
        SqlCourseStore(store.engine),
        batches=SqlBatchStore(store.engine, store.clock),
        sources=SqlSourceStore(store.engine),
        enqueue=tasks.enqueue_bulk,
    )


def app_from_env() -> FastAPI:
    """uvicorn's factory: ``uvicorn --factory webhooks.service:app_from_env``."""
    settings = ServiceSettings()
    logs.configure(settings.log_level, json=settings.log_json)
    backend = build_backend(settings)
    for problem in settings.sign_in_problems():
        logs.get("console").warning(problem)
    console = build_console(backend)
    threading.Thread(target=_warm, args=(console,), name="warm-gradebooks", daemon=True).start()
    return create_app(backend, console)


def _warm(console: ConsoleContext) -> None:
    """Build each course's gradebook once at start, so no first visitor waits for it (about a
    second at 60,000 submissions); afterwards a view only updates what changed.

    Then what start-up built (rubrics, routes, the gradebooks' rows) is frozen out of the
    garbage collector's way: its full collections walked those objects on about one view in
    three at that scale (~120 ms pauses; the slowest view after a push fell from ~180 to
    ~75 ms in bench/console.py). They are still freed by reference counting when replaced.
    """
    for course in console.courses.courses:
        try:
            console.gradebook(course.id)
        except Exception as exc:  # a courtesy: the first view builds it instead
            logs.get("console").warning(
                "gradebook warm-up failed", course=course.id, error=str(exc)
            )
    gc.collect()
    gc.freeze()
