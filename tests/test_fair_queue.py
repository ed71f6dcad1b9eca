"""The fair queue: interactive work before bulk work, courses in turn, each waiting push
shown its place; with a real Celery worker process over the real Redis."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from jobs_support import make_harness
from service_support import REDIS_URL, redis_namespace
from support import ROOT

from grader.service import tasks
from grader.service.courses import Courses, Route
from grader.service.jobs import queueing
from grader.service.store import Submission
from grader.settings import ServiceSettings

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _courses(*pairs: tuple[str, str]) -> Courses:
    """Assignments by course: (assignment, course) pairs."""
    routes = [
        Route(SimpleNamespace(id=assignment), None, "d", course)  # type: ignore[arg-type]
        for assignment, course in pairs
    ]
    return Courses(Path("courses.yaml"), tuple(routes))


def _waiting(name: str, assignment: str, minute: int, priority: str = "interactive") -> Submission:
    made = SimpleNamespace(
        id=name, assignment=assignment, priority=priority, created_at=T0 + timedelta(minutes=minute)
    )
    return SimpleNamespace(**vars(made), enqueued_at=None)  # type: ignore[return-value]


COURSES = _courses(("a1", "a"), ("b1", "b"))


def test_interactive_work_goes_first_and_courses_take_turns() -> None:
    queued = [
        _waiting("bulk-a1", "a1", 0, "bulk"),
        _waiting("bulk-a2", "a1", 1, "bulk"),
        _waiting("bulk-a3", "a1", 2, "bulk"),
        _waiting("bulk-b1", "b1", 3, "bulk"),
        _waiting("push-a", "a1", 4),
        _waiting("push-b1", "b1", 5),
        _waiting("push-b2", "b1", 6),
    ]
    order = [sub.id for sub in queueing.service_order(queued, COURSES)]
    assert order == ["push-a", "push-b1", "push-b2", "bulk-a1", "bulk-b1", "bulk-a2", "bulk-a3"]


def test_places_count_from_one_and_estimate_the_wait_from_the_slots() -> None:
    queued = [_waiting(f"p{n}", "a1", n) for n in range(5)]
    where = queueing.places(queued, COURSES, slots=2, typical=60.0)
    assert [where[f"p{n}"].position for n in range(5)] == [1, 2, 3, 4, 5]
    assert [where[f"p{n}"].wait for n in range(5)] == [60, 60, 120, 120, 180]
    assert where["p0"].text() == "Queued: next in line, about 1 minute to wait"
    assert where["p4"].text() == "Queued: number 5 in line, about 3 minutes to wait"
    unknown = queueing.places(queued, COURSES, slots=2, typical=None)
    assert unknown["p2"].text() == "Queued: number 3 in line"


def test_refresh_edits_only_what_changed_front_first_and_bounded(tmp_path: Path) -> None:
    made = make_harness(tmp_path)
    ids = []
    for number in range(4):
        sub_id = made.submit(f"{number:x}".rjust(40, "a"), pull_number=100 + number)
        made.store.set_check_run(sub_id, 5000 + number)
        ids.append(sub_id)
    edits: list[tuple[int, str]] = []
    made.services.github.update_check_run = (  # type: ignore[method-assign]
        lambda _repo, _inst, run_id, **fields: edits.append((run_id, fields["output"]["title"]))
    )
    shown: dict[str, str] = {}
    assert queueing.refresh(made.services, shown, limit=3) == 3
    assert edits == [
        (5000, "Queued: next in line"),
        (5001, "Queued: number 2 in line"),
        (5002, "Queued: number 3 in line"),
    ]
    assert queueing.refresh(made.services, shown, limit=3) == 1  # only the one left out
    assert edits[-1] == (5003, "Queued: number 4 in line")
    assert queueing.refresh(made.services, shown, limit=3) == 0  # nothing moved
    made.store.finish(ids[0], "failed", reason="gone")
    assert queueing.refresh(made.services, shown, limit=10) == 3  # everyone moved up one
    assert edits[-1] == (5003, "Queued: number 3 in line")
    assert ids[0] not in shown


def test_bulk_work_is_announced_and_graded_at_the_bulk_priority(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = make_harness(tmp_path)
    sub_id = made.submit(priority="bulk")
    monkeypatch.setattr(tasks, "services", lambda: made.services)
    timeout, queue, priority = tasks.placement(made.services, sub_id)
    assert (queue, priority) == (tasks.grading_queue("course"), tasks.BULK)
    push = made.submit("f" * 40, pull_number=8)
    assert tasks.placement(made.services, push)[1:] == (queue, tasks.INTERACTIVE)
    assert timeout == made.services.courses.routes[0].loaded.rubric.limits.run_timeout


# --- a real worker over the real Redis --------------------------------------------------------


@pytest.fixture
def namespace() -> Iterator[tuple[redis.Redis, str]]:
    with redis_namespace() as found:
        yield found


QUEUES = ",".join(["feedback", "grading.a", "grading.b", "grading"])


def _configure(prefix: str) -> None:
    """Point the app at this test's key prefix, with new connections (the pools keep the
    transport options they were made with, a former test's prefix among them)."""
    tasks.configure(ServiceSettings(redis_url=REDIS_URL, redis_prefix=prefix))
    tasks.app._after_fork()  # drops the connection and producer pools: Celery's own reset


def _enqueue(name: str, course: str, priority: int) -> None:
    tasks.enqueue_grade(name, 60, tasks.grading_queue(course), priority)


def _worker(prefix: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, str(ROOT / "tests/queue_worker.py"), REDIS_URL, prefix, QUEUES],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _order(client: redis.Redis, prefix: str, count: int) -> list[str]:
    """The first ``count`` submissions the worker took, waiting (BLPOP) for each."""
    taken = []
    for _ in range(count):
        item = client.blpop([f"{prefix}:order"], timeout=60)
        assert item is not None, "the worker took nothing within a minute"
        taken.append(item[1].decode())
    return taken


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.mark.redis
def test_a_real_worker_takes_interactive_work_first_then_courses_in_turn(
    namespace: tuple[redis.Redis, str], tmp_path: Path
) -> None:
    client, prefix = namespace
    _configure(prefix)
    for name in ("bulk-a1", "bulk-a2", "bulk-a3", "bulk-a4"):
        _enqueue(name, "a", tasks.BULK)
    for name in ("bulk-b1", "bulk-b2"):
        _enqueue(name, "b", tasks.BULK)
    _enqueue("push-b", "b", tasks.INTERACTIVE)  # queued last, graded first
    worker = _worker(prefix, tmp_path / "worker.log")
    try:
        order = _order(client, prefix, 7)
    finally:
        _stop(worker)
    assert order[0] == "push-b"
    assert order[1:] == ["bulk-a1", "bulk-b1", "bulk-a2", "bulk-b2", "bulk-a3", "bulk-a4"]


@pytest.mark.redis
def test_a_push_during_a_bulk_run_waits_for_one_grading_at_most(
    namespace: tuple[redis.Redis, str], tmp_path: Path
) -> None:
    client, prefix = namespace
    _configure(prefix)
    _enqueue("hold-bulk-1", "a", tasks.BULK)
    for number in range(2, 7):
        _enqueue(f"bulk-{number}", "a", tasks.BULK)
    worker = _worker(prefix, tmp_path / "worker.log")
    try:
        assert _order(client, prefix, 1) == ["hold-bulk-1"]  # grading, holding the worker
        _enqueue("push", "a", tasks.INTERACTIVE)
        client.rpush(f"{prefix}:go", "1")
        rest = _order(client, prefix, 6)
    finally:
        _stop(worker)
    assert rest == ["push", "bulk-2", "bulk-3", "bulk-4", "bulk-5", "bulk-6"]


def test_a_worker_consumes_every_courses_queue_by_default() -> None:
    courses = replace(COURSES, courses=(SimpleNamespace(id="a"), SimpleNamespace(id="b")))  # type: ignore[arg-type]
    assert tasks.worker_queues(courses) == ["feedback", "grading.a", "grading.b", "grading"]
