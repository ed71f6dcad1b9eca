"""A real ``grader.service.tasks`` Celery worker whose grading only records the order it
was handed submissions in (a Redis list), for tests/test_fair_queue.py.

    python tests/queue_worker.py REDIS_URL PREFIX QUEUES

A submission id starting with ``hold-`` waits (up to 60 s) for the key ``PREFIX:go``
before it finishes, so a test can queue more work while it runs, without sleeping.
"""

from __future__ import annotations

import sys
from typing import Any

import redis

from grader.service import jobs, tasks
from grader.settings import ServiceSettings


def main(url: str, prefix: str, queues: str) -> None:
    client = redis.Redis.from_url(url)

    def record(_services: Any, submission_id: str) -> str:
        client.rpush(f"{prefix}:order", submission_id)
        if submission_id.startswith("hold-"):
            client.blpop([f"{prefix}:go"], timeout=60)
        return "graded"

    jobs.grade = record  # type: ignore[assignment]
    tasks.task_services = lambda: None  # type: ignore[assignment,return-value]
    tasks.signals.worker_ready.disconnect(tasks._start_sweeper)
    tasks.signals.worker_process_init.disconnect(tasks._warm_pool)
    settings = ServiceSettings(redis_url=url, redis_prefix=prefix)
    tasks.configure(settings).worker_main(
        [
            "worker",
            "--concurrency=1",
            f"--queues={queues}",
            f"--hostname=queue-test-{prefix}@localhost",
            "--loglevel=INFO",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
