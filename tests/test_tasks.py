"""The Celery tasks' decisions: retry or give up as the error tree says, one lease owner per task run, the rubric's time limits."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Retry
from jobs_support import HEAD, REPOSITORY, JobHarness
from service_support import new_submission
from sqlalchemy.exc import OperationalError

from grader.errors import FetchError, GitHubRejected, GitHubUnavailable, LeaseHeld
from grader.rubric.model import Limits
from grader.service import jobs, tasks
from grader.service.courses import Courses, Route
from grader.service.store import MemoryStore, SqlStore


@dataclass
class Recorder:
    """Stands in for Celery's ``retry`` and for ``jobs.give_up``, and says what was asked."""

    retries: list[dict[str, Any]] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)

    def retry(self, **options: Any) -> Retry:
        self.retries.append(options)
        return Retry("retry", options.get("exc"))

    def give_up(self, _services: object, _submission_id: str, error: str) -> None:
        self.given_up.append(error)


def _services(**fields: Any) -> jobs.Services:
    defaults: dict[str, Any] = dict(
        settings=None, store=None, github=None, courses=None, sandbox=lambda: None
    )
    return jobs.Services(**{**defaults, **fields})


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    made = Recorder()
    monkeypatch.setattr(tasks, "services", lambda: _services())
    monkeypatch.setattr(tasks.grade, "retry", made.retry)
    monkeypatch.setattr(jobs, "give_up", made.give_up)
    yield made
    tasks.grade.request_stack.stack[:] = []


def _grade_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException, *, retries: int = 0) -> str:
    """Run the grade task's body once, as the worker's ``retries``-th retry, with ``exc`` escaping the job."""

    def fail(_services: jobs.Services, _submission_id: str) -> str:
        raise exc

    monkeypatch.setattr(jobs, "grade", fail)
    tasks.grade.push_request(retries=retries, id="t1")
    try:
        return tasks.grade.run("sub-1")
    finally:
        tasks.grade.pop_request()


def test_github_rejected_fails_the_submission_at_once(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """A refusal for good is never retried: the submission fails "not graded" with its message."""
    status = _grade_raising(
        monkeypatch, GitHubRejected("create a check run: GitHub answered 422", 422)
    )
    assert status == "failed"
    assert recorder.retries == []
    assert recorder.given_up == ["GitHubRejected: create a check run: GitHub answered 422"]


def test_a_fetch_error_waits_the_retry_after_it_carries(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """A download told to wait 120 s (a rate limit's reset) retries after 120 s, not the backoff."""
    with pytest.raises(Retry):
        _grade_raising(monkeypatch, FetchError("GET tarball: 429", status=429, retry_after=120.0))
    [options] = recorder.retries
    assert 120 <= options["countdown"] <= 122


def test_githubs_retry_after_is_still_waited(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """GitHub's Retry-After on an API call sets the retry's countdown."""
    with pytest.raises(Retry):
        _grade_raising(monkeypatch, GitHubUnavailable("rate limited", delay=30.0), retries=3)
    [options] = recorder.retries
    assert 30 <= options["countdown"] <= 32


def test_a_fault_without_a_wait_backs_off_with_full_jitter(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """A database fault (mapped into the tree) retries after backoff between the base and 2^n times it."""
    with pytest.raises(Retry):
        _grade_raising(monkeypatch, OperationalError("SELECT 1", {}, Exception("gone")), retries=2)
    [options] = recorder.retries
    assert tasks.BACKOFF_BASE <= options["countdown"] <= tasks.BACKOFF_BASE * 4
    assert isinstance(options["exc"], OperationalError)


def test_after_the_last_retry_the_submission_fails(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """A retried fault on the last try gives up: "not graded", never charged."""
    last = tasks.grade.max_retries
    assert _grade_raising(monkeypatch, GitHubUnavailable("502"), retries=last) == "failed"
    assert recorder.retries == [] and recorder.given_up == ["GitHubUnavailable: 502"]


def test_a_held_lease_is_waited_out_however_many_tries_it_takes(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """Another worker's lease is not a fault that uses up retries: no limit, its own wait."""
    with pytest.raises(Retry):
        _grade_raising(monkeypatch, LeaseHeld(25.0), retries=50)
    [options] = recorder.retries
    assert options["max_retries"] is None and 25 <= options["countdown"] <= 27


def test_a_bug_is_neither_retried_nor_given_up_on(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """An exception outside the tree escapes to Celery as it always did."""
    with pytest.raises(KeyError):
        _grade_raising(monkeypatch, KeyError("bug"))
    assert recorder.retries == [] and recorder.given_up == []


# --- time limits ---------------------------------------------------------------------------


def _route(assignment: str, run_timeout: int) -> Route:
    loaded = SimpleNamespace(rubric=SimpleNamespace(limits=Limits(run_timeout=run_timeout)))
    return Route(assignment=SimpleNamespace(id=assignment), loaded=loaded, digest="d")  # type: ignore[arg-type]


def _announce(
    monkeypatch: pytest.MonkeyPatch, assignment: str, *, down: bool = False
) -> dict[str, Any]:
    """Store a week-1 or week-2 push, run the announce task on it once (with the store down
    after that, if asked); return the options the grade message was sent with."""
    store = MemoryStore()
    submission_id = store.add_submission(replace(new_submission(), assignment=assignment)).id
    if down:
        monkeypatch.setattr(store, "get", _database_down)
    courses = Courses(Path("courses.yaml"), (_route("week01", 45), _route("week02", 900)))
    monkeypatch.setattr(tasks, "services", lambda: _services(store=store, courses=courses))
    monkeypatch.setattr(jobs, "announce", lambda _services, _submission_id: True)
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        tasks.grade, "apply_async", lambda args, **options: sent.append({"args": args, **options})
    )
    tasks.announce(submission_id)
    [message] = sent
    assert message["args"] == (submission_id,)
    return message


def _database_down(_submission_id: str) -> None:
    raise OperationalError("SELECT", {}, Exception("the database is down"))


def test_the_grade_message_carries_the_rubrics_time_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Announce enqueues grade with soft and hard time limits over the rubric's run_timeout."""
    message = _announce(monkeypatch, "week01")
    assert message["queue"] == tasks.grading_queue("course")
    assert message["priority"] == tasks.INTERACTIVE
    assert message["soft_time_limit"] == 45 + tasks.SOFT_MARGIN
    assert message["time_limit"] == 45 + tasks.HARD_MARGIN
    assert message["soft_time_limit"] < message["time_limit"]


def test_an_unreadable_submission_gets_the_longest_configured_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the store cannot tell the assignment, the limit is the longest rubric's, never too short."""
    message = _announce(monkeypatch, "week01", down=True)
    assert message["soft_time_limit"] == 900 + tasks.SOFT_MARGIN


# --- lease owners ------------------------------------------------------------------------------


def test_two_pool_processes_never_renew_each_others_lease(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two worker processes forked from one parent get their own lease owners: the one whose
    lease ran out cannot renew it once the other has taken the submission over."""
    store = SqlStore(f"sqlite:///{tmp_path / 'grader.db'}")
    store.migrate()
    submission_id = store.add_submission(new_submission()).id
    store.dispose()  # no connection crosses the fork
    built = _services(store=store)  # what each child builds for itself after the fork
    fork = multiprocessing.get_context("fork")
    a_claimed, b_claimed = fork.Event(), fork.Event()
    results = fork.Queue()
    lease = timedelta(minutes=5)

    def first(services: jobs.Services, submission_id: str) -> str:
        expired = timedelta(seconds=-1)  # its worker stalled: the lease has run out
        assert services.store.claim(submission_id, services.owner, expired) is None
        a_claimed.set()
        assert b_claimed.wait(60)
        results.put(
            ("a", services.owner, services.store.renew(submission_id, services.owner, lease))
        )
        return "a"

    def second(services: jobs.Services, submission_id: str) -> str:
        assert a_claimed.wait(60)
        taken = services.store.claim(submission_id, services.owner, lease) is None
        results.put(("b", services.owner, taken))
        b_claimed.set()
        return "b"

    def worker(job: Any) -> None:
        tasks._services = built
        jobs.grade = job  # this process's job, run by the real task
        tasks.grade(submission_id)

    processes = [fork.Process(target=worker, args=(job,)) for job in (first, second)]
    for process in processes:
        process.start()
    got = {name: (owner, ok) for name, owner, ok in (results.get(timeout=60) for _ in processes)}
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    (owner_a, renewed), (owner_b, took_over) = got["a"], got["b"]
    assert owner_a != owner_b
    assert took_over, "the second process takes over the expired lease"
    assert not renewed, "the first process must not renew a lease the second holds"
    sub = store.get(submission_id)
    assert sub is not None and sub.lease_owner == owner_b
    store.dispose()


def test_each_task_run_gets_its_own_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs in one process hold their leases under different owners, made at call time."""
    monkeypatch.setattr(tasks, "_services", _services())
    owners = {tasks.task_services().owner for _ in range(3)}
    assert len(owners) == 3
    assert all(owner.split(":")[1] == str(os.getpid()) for owner in owners)


# --- the tasks over the shipped fakes ------------------------------------------------------------


def _run_grade_task(
    harness: JobHarness, monkeypatch: pytest.MonkeyPatch, submission_id: str, *, retries: int
) -> tuple[str | None, list[dict[str, Any]]]:
    """Run the grade task's body once as its ``retries``-th retry over the harness's services;
    returns its status (None when it asked for a retry) and the retries it asked for."""
    asked: list[dict[str, Any]] = []

    def retry(**options: Any) -> Retry:
        asked.append(options)
        return Retry("retry", options.get("exc"))

    monkeypatch.setattr(tasks, "services", lambda: harness.services)
    monkeypatch.setattr(tasks.grade, "retry", retry)
    tasks.grade.push_request(retries=retries, id="t1")
    try:
        return tasks.grade.run(submission_id), asked
    except Retry:
        return None, asked
    finally:
        tasks.grade.pop_request()


def test_a_platform_fault_retries_then_gives_up_not_graded(
    harness: JobHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub failing retries, the claim released; after the last retry the check run is a neutral
    "not graded" and the status `error`, and no score is recorded."""
    submission_id = harness.submit()
    jobs.announce(harness.services, submission_id)
    harness.github.fail("token", GitHubUnavailable("502 Bad Gateway"))
    status, asked = _run_grade_task(harness, monkeypatch, submission_id, retries=0)
    assert status is None and len(asked) == 1
    sub = harness.store.get(submission_id)
    assert sub is not None and sub.lease_until is None, "the claim is released for the retry"
    [attempt] = harness.store.attempts(submission_id)
    assert attempt.outcome == "retry" and "502 Bad Gateway" in (attempt.error or "")
    harness.github.fail("token", GitHubUnavailable("502 Bad Gateway"))
    last = tasks.grade.max_retries or 0
    status, asked = _run_grade_task(harness, monkeypatch, submission_id, retries=last)
    assert status == "failed" and asked == []
    [run] = harness.github.check_runs_for(REPOSITORY, HEAD)
    assert (run.conclusion, run.output["title"]) == ("neutral", "Not graded: the grader failed")
    assert "502 Bad Gateway" in run.output["summary"]
    [commit_status] = harness.github.statuses_for(REPOSITORY, HEAD)
    assert commit_status.state == "error"
    assert harness.store.result(submission_id) is None
    assert harness.graded == [] and harness.github.reviews == []


def test_github_rejecting_a_call_gives_up_at_once(
    harness: JobHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 404 from GitHub is never retried: the first try fails the submission "not graded"."""
    submission_id = harness.submit()
    jobs.announce(harness.services, submission_id)
    harness.github.fail("token", GitHubRejected("mint an installation token: 404", 404))
    status, asked = _run_grade_task(harness, monkeypatch, submission_id, retries=0)
    assert status == "failed" and asked == []
    sub = harness.store.get(submission_id)
    assert sub is not None and sub.reason is not None and "404" in sub.reason
    [run] = harness.github.check_runs_for(REPOSITORY, HEAD)
    assert run.conclusion == "neutral"


def test_a_platform_failed_report_is_retried_and_never_published(
    harness: JobHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report a grading tool failed in is provisional: retried, and nothing is saved or posted."""
    submission_id = harness.submit()
    first, *rest = harness.report.criteria
    broken = first.model_copy(update={"status": "tool_error"})
    harness.report = harness.report.model_copy(update={"criteria": [broken, *rest]})
    assert harness.report.platform_failed
    status, asked = _run_grade_task(harness, monkeypatch, submission_id, retries=0)
    assert status is None and len(asked) == 1
    assert harness.store.result(submission_id) is None
    assert harness.github.statuses == [] and harness.github.reviews == []


def test_a_forked_child_builds_its_own_services_under_a_lock_of_its_own() -> None:
    """The worker's sweeper thread may hold the lock when the pool forks a replacement child."""
    from grader.service import tasks

    saved = tasks._services
    tasks._services = object()  # type: ignore[assignment]  # the parent's, built already
    try:
        with tasks._lock:
            child = os.fork()
            if child == 0:  # pragma: no cover - the child answers by its exit code
                fresh = tasks._services is None and tasks._lock.acquire(blocking=False)
                os._exit(0 if fresh else 1)
            _, status = os.waitpid(child, 0)
    finally:
        tasks._services = saved
    assert os.waitstatus_to_exitcode(status) == 0
