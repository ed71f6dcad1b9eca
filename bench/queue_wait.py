"""How long a student's push waits while bulk work is queued: the fair queue against
first-come-first-served, with real Celery worker processes over the real Redis.

Each run queues ``--bulk`` bulk gradings (a regrade of a class), starts a worker
(``--concurrency`` processes, the service's own ``tasks.configure``), and once the worker
is busy, queues one interactive push; a grading is simulated by ``--grading`` seconds of
waiting, so the figures are the queue's own. The same run is made twice: with the push at
the interactive priority (the fair queue) and at the bulk priority (what a single FIFO
queue would do). Reported: the push's wait (queued -> started) in gradings and seconds.

    .venv/bin/python bench/queue_wait.py [--bulk 60] [--grading 1.0] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"


def worker(url: str, prefix: str, grading: str, concurrency: str) -> None:
    """The worker process: grading records when it started, then waits ``grading`` s."""
    from grader.service import jobs, tasks
    from grader.settings import ServiceSettings

    client = redis.Redis.from_url(url)

    def record(_services: Any, submission_id: str) -> str:
        client.hset(f"{prefix}:started", submission_id, time.time())
        time.sleep(float(grading))  # the simulated grading
        return "graded"

    jobs.grade = record  # type: ignore[assignment]
    tasks.task_services = lambda: None  # type: ignore[assignment,return-value]
    tasks.signals.worker_ready.disconnect(tasks._start_sweeper)
    tasks.signals.worker_process_init.disconnect(tasks._warm_pool)
    tasks.configure(ServiceSettings(redis_url=url, redis_prefix=prefix)).worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            "--queues=feedback,grading.course,grading",
            f"--hostname=bench-{prefix}@localhost",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def one_run(bulk: int, grading: float, concurrency: int, fair: bool) -> float:
    """The push's wait in seconds."""
    from grader.service import tasks
    from grader.settings import ServiceSettings

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"bench-queue-{uuid.uuid4().hex[:8]}"
    tasks.configure(ServiceSettings(redis_url=REDIS_URL, redis_prefix=prefix))
    tasks.app._after_fork()  # new pools for this prefix
    queue = tasks.grading_queue("course")
    for number in range(bulk):
        tasks.enqueue_grade(f"bulk-{number}", 600, queue, tasks.BULK)
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", REDIS_URL, prefix, str(grading), str(concurrency)],
        cwd=ROOT,
    )
    try:
        while client.hlen(f"{prefix}:started") < concurrency:  # the worker is busy
            time.sleep(0.01)
        queued = time.time()
        tasks.enqueue_grade("push", 600, queue, tasks.INTERACTIVE if fair else tasks.BULK)
        while not client.hexists(f"{prefix}:started", "push"):
            time.sleep(0.01)
        return float(client.hget(f"{prefix}:started", "push") or 0) - queued
    finally:
        process.terminate()
        process.wait(timeout=30)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=60)
    parser.add_argument("--grading", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    fair = one_run(args.bulk, args.grading, args.concurrency, fair=True)
    fifo = one_run(args.bulk, args.grading, args.concurrency, fair=False)
    print(
        f"{args.bulk} bulk gradings queued, {args.grading:g} s each, concurrency {args.concurrency}"
    )
    print(f"{'queue':<28}{'push wait (s)':>14}{'in gradings':>13}")
    for name, wait in (("fair (interactive first)", fair), ("FIFO (same priority)", fifo)):
        print(f"{name:<28}{wait:>14.2f}{wait / args.grading:>13.2f}")
    print(f"fair / FIFO: {fair / fifo:.3f}")


if __name__ == "__main__":
    main()
