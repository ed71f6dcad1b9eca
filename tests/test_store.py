"""The store on both backends: migrations, de-duplication, supersession, claims and leases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from service_support import postgres_database, redis_namespace

from grader.service.github.ratelimit import RateLimited, RedisLimiter
from grader.service.store import NewSubmission, Result, Store, regrade_of


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        made = Store(f"sqlite:///{tmp_path / 'grader.db'}")
        made.migrate()
        yield made
        made.dispose()
        return
    with postgres_database() as url:
        made = Store(url)
        made.migrate()
        yield made
        made.dispose()


def new(sha: str = "a" * 40, *, pull: int | None = 7, regrade: bool = False) -> NewSubmission:
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


def test_migrating_twice_is_harmless(store: Store) -> None:
    store.migrate()
    store.ping()


def test_same_commit_and_rubric_is_stored_once_unless_regraded(store: Store) -> None:
    first = store.add_submission(new())
    again = store.add_submission(new())
    assert first.created and not again.created and again.id == first.id
    sub = store.get(first.id)
    assert sub is not None
    regrade = store.add_submission(regrade_of(sub, sub.rubric_sha256))
    assert regrade.created and regrade.id != first.id


def test_a_newer_push_supersedes_active_ones_of_the_same_pull_request(store: Store) -> None:
    old = store.add_submission(new("1" * 40))
    other_pr = store.add_submission(new("2" * 40, pull=8))
    newer = store.add_submission(new("3" * 40))
    assert newer.superseded == (old.id,)
    stale = store.get(old.id)
    assert stale is not None and stale.status == "superseded" and stale.superseded_by == newer.id
    untouched = store.get(other_pr.id)
    assert untouched is not None and untouched.status == "queued"


def test_only_one_worker_claims_a_submission_until_its_lease_runs_out(store: Store) -> None:
    stored = store.add_submission(new())
    lease = timedelta(seconds=1)
    assert store.claim(stored.id, "w1", lease) is None
    held = store.claim(stored.id, "w2", lease)
    assert held is not None
    assert store.renew(stored.id, "w1", lease)
    assert not store.renew(stored.id, "w2", lease)
    time.sleep(1.2)
    assert store.claim(stored.id, "w2", lease) is None  # w1 died: its lease ran out
    assert not store.renew(stored.id, "w1", lease)
    sub = store.get(stored.id)
    assert sub is not None and sub.attempts == 2 and sub.lease_owner == "w2"


def test_concurrent_claims_have_one_winner(store: Store) -> None:
    stored = store.add_submission(new())
    wins: list[str] = []

    def claim(owner: str) -> None:
        if store.claim(stored.id, owner, timedelta(seconds=30)) is None:
            wins.append(owner)

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_a_result_lands_only_on_an_active_submission(store: Store) -> None:
    stored = store.add_submission(new())
    store.claim(stored.id, "w1", timedelta(seconds=30))
    result = Result(
        submission_id=stored.id,
        score=7.5,
        max_score=10,
        status="graded",
        report={"score": 7.5},
        rubric_sha256="r" * 64,
        image_digest="sha256:x",
        durations={"grade": 1.0},
        duration=3.0,
    )
    assert store.save_result(stored.id, result)
    sub = store.get(stored.id)
    assert sub is not None and (sub.status, sub.score) == ("graded", 7.5)
    assert not store.finish(stored.id, "failed", reason="late")  # no longer active
    assert store.verdicts() == {"graded": 1}
    assert store.durations([1.0, 5.0]) == ([0, 1], 3.0, 1)


def test_deliveries_are_recorded_once_and_unfinished_ones_are_redone(store: Store) -> None:
    assert store.begin_delivery("d1", "pull_request", "opened") is None
    assert store.begin_delivery("d1", "pull_request", "opened") is None  # never finished
    store.finish_delivery("d1", "accepted", "queued", ["s1"])
    earlier = store.begin_delivery("d1", "pull_request", "opened")
    assert (
        earlier is not None and earlier.outcome == "accepted" and earlier.submission_ids == ["s1"]
    )


def test_publications_remember_progress(store: Store) -> None:
    stored = store.add_submission(new())
    store.publish(stored.id, "check_run", "sending", progress=50)
    store.publish(stored.id, "check_run", "done", github_id=12)
    row = store.publication(stored.id, "check_run")
    assert row is not None and (row.state, row.progress, row.github_id) == ("done", 50, 12)


def test_unqueued_submissions_are_found_for_the_sweep(store: Store) -> None:
    stored = store.add_submission(new())
    assert store.unqueued(timedelta(0)) == [stored.id]
    store.mark_enqueued(stored.id)
    assert store.unqueued(timedelta(0)) == []


def test_redis_limiter_shares_its_windows_and_pauses() -> None:
    with redis_namespace() as (client, prefix):
        one = RedisLimiter(client, prefix=prefix, per_minute=3, per_hour=100)
        two = RedisLimiter(client, prefix=prefix, per_minute=3, per_hour=100)
        one.acquire(max_wait=0)
        two.acquire(max_wait=0)
        one.acquire(max_wait=0)
        with pytest.raises(RateLimited) as limited:
            two.acquire(max_wait=0)
        assert 50 < limited.value.delay <= 60
        other = RedisLimiter(client, prefix=prefix, per_minute=3, per_hour=100, scope="other")
        other.pause(2)
        with pytest.raises(RateLimited) as paused:
            other.acquire(max_wait=0)
        assert 1 < paused.value.delay <= 2
        other.acquire(max_wait=3)  # waits the pause out
