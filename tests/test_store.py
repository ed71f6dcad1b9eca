"""The store's contract, held on every backend: MemoryStore, SQLite and PostgreSQL.

Migrations, de-duplication, supersession, claims and leases, results, publications: each
test runs once per backend, and the in-memory fake must pass every one the real store does.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from service_support import ShiftedClock, postgres_database, redis_namespace
from service_support import new_submission as new

from grader.errors import RateLimited
from grader.service.github.ratelimit import RedisLimiter
from grader.service.store import (
    RECLAIM_AFTER,
    MemoryStore,
    Result,
    SqlStore,
    Store,
    Stored,
    Submission,
    regrade_of,
)

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def clock() -> ShiftedClock:
    """The store's clock: the real time, moved forward by the tests that wait out a lease."""
    return ShiftedClock()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: ShiftedClock) -> Iterator[Store]:
    """A fresh, migrated store of each kind."""
    if request.param == "memory":
        yield MemoryStore(clock=clock)
        return
    if request.param == "sqlite":
        made = SqlStore(f"sqlite:///{tmp_path / 'grader.db'}", clock=clock)
        made.migrate()
        yield made
        made.dispose()
        return
    with postgres_database() as url:
        made = SqlStore(url, clock=clock)
        made.migrate()
        yield made
        made.dispose()


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


def test_only_one_worker_claims_a_submission_until_its_lease_runs_out(
    store: Store, clock: ShiftedClock
) -> None:
    stored = store.add_submission(new())
    lease = timedelta(seconds=1)
    assert store.claim(stored.id, "w1", lease) is None
    held = store.claim(stored.id, "w2", lease)
    assert held is not None
    assert store.renew(stored.id, "w1", lease)
    assert not store.renew(stored.id, "w2", lease)
    clock.advance(timedelta(seconds=1.2))
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


def test_a_push_delivered_after_a_newer_one_does_not_supersede_it(store: Store) -> None:
    """Ordered by GitHub's ``updated_at``, not by arrival: the late older head is born superseded."""
    pushed = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    newer = store.add_submission(
        dataclasses.replace(new("3" * 40), submitted_at=pushed + timedelta(minutes=1))
    )
    late = store.add_submission(dataclasses.replace(new("1" * 40), submitted_at=pushed))
    assert late.created and late.outdated_by == newer.id and late.superseded == ()
    kept, stale = store.get(newer.id), store.get(late.id)
    assert kept is not None and kept.status == "queued"
    assert stale is not None and stale.status == "superseded" and stale.superseded_by == newer.id
    newest = store.add_submission(
        dataclasses.replace(new("5" * 40), submitted_at=pushed + timedelta(minutes=2))
    )
    assert newest.outdated_by is None and newest.superseded == (newer.id,)


def test_deliveries_are_recorded_once_and_abandoned_ones_are_redone(
    store: Store, clock: ShiftedClock
) -> None:
    """A delivery in flight is not handed out twice; one left by a dead process is, once."""
    assert store.begin_delivery("d1", "pull_request", "opened") is None
    in_flight = store.begin_delivery("d1", "pull_request", "opened")
    assert in_flight is not None and in_flight.outcome == "received"
    clock.advance(RECLAIM_AFTER + timedelta(seconds=1))  # the process handling it died
    assert store.begin_delivery("d1", "pull_request", "opened") is None
    assert store.begin_delivery("d1", "pull_request", "opened") is not None
    store.finish_delivery("d1", "accepted", "queued", ["s1"])
    earlier = store.begin_delivery("d1", "pull_request", "opened")
    assert (
        earlier is not None and earlier.outcome == "accepted" and earlier.submission_ids == ["s1"]
    )


def test_a_failed_delivery_is_redone_at_once(store: Store) -> None:
    """Handling that raised marks the delivery failed: GitHub's redelivery is handled anew."""
    assert store.begin_delivery("d3", "pull_request", "opened") is None
    store.finish_delivery("d3", "failed", "handling failed; redeliver")
    assert store.begin_delivery("d3", "pull_request", "opened") is None


def test_of_many_callers_sharing_a_delivery_id_exactly_one_handles_it(store: Store) -> None:
    """The delivery's key is the dedupe point, across threads and processes alike."""
    callers = 16
    start = threading.Barrier(callers)
    winners: list[int] = []

    def begin(n: int) -> None:
        start.wait()
        if store.begin_delivery("shared", "check_run", "rerequested") is None:
            winners.append(n)

    threads = [threading.Thread(target=begin, args=(n,)) for n in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


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


def graded(submission_id: str, score: float = 7.5, duration: float = 3.0) -> Result:
    return Result(
        submission_id=submission_id,
        score=score,
        max_score=10,
        status="graded",
        report={"score": score},
        rubric_sha256="r" * 64,
        image_digest=None,
        durations={"grade": 1.0},
        duration=duration,
    )


def test_the_author_is_kept_lowercased_and_a_regrade_keeps_it(store: Store) -> None:
    stored = store.add_submission(dataclasses.replace(new(), author_login="Alice", author_id=42))
    sub = store.get(stored.id)
    assert sub is not None and (sub.author_login, sub.author_id) == ("alice", 42)
    regrade = store.get(store.add_submission(regrade_of(sub, sub.rubric_sha256)).id)
    assert regrade is not None and (regrade.author_login, regrade.author_id) == ("alice", 42)
    anonymous = store.get(store.add_submission(new("c" * 40)).id)
    assert anonymous is not None and anonymous.author_login is None


def test_a_result_keeps_its_score_before_the_late_penalty(store: Store) -> None:
    stored = store.add_submission(new())
    store.claim(stored.id, "w1", timedelta(seconds=30))
    assert store.save_result(stored.id, dataclasses.replace(graded(stored.id, 6.0), raw_score=8.0))
    result = store.result(stored.id)
    assert result is not None and (result.score, result.raw_score) == (6.0, 8.0)


def test_records_are_frozen_snapshots_not_live_rows(store: Store) -> None:
    """A record the store returns cannot be changed, and does not change when the store does."""
    stored = store.add_submission(new())
    before = store.get(stored.id)
    assert isinstance(before, Submission)
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.status = "graded"  # type: ignore[misc]
    store.claim(stored.id, "w1", timedelta(seconds=30))
    after = store.get(stored.id)
    assert before.status == "queued" and before.attempts == 0
    assert after is not None and after.status == "running" and after.attempts == 1
    assert store.get("no-such-submission") is None


def test_a_new_submission_is_queued_with_nothing_done_yet(store: Store) -> None:
    """A stored push keeps what the webhook knew and starts queued, unclaimed and unscored."""
    stored = store.add_submission(dataclasses.replace(new(), paths=["week01/*"], delivery_id="d9"))
    sub = store.get(stored.id)
    assert sub is not None
    assert (sub.repository, sub.pull_number, sub.head_repository) == (
        "course/alice",
        7,
        "alice/fork",
    )
    assert (sub.paths, sub.delivery_id, sub.regrade) == (["week01/*"], "d9", False)
    assert (sub.status, sub.attempts, sub.lease_owner, sub.check_run_id) == (
        "queued",
        0,
        None,
        None,
    )
    assert sub.score is None and sub.started_at is None and sub.finished_at is None
    assert sub.created_at.tzinfo is not None and sub.dedupe_key is not None
    assert store.result(stored.id) is None and store.attempts(stored.id) == []


def test_the_same_commit_differing_only_in_case_of_the_repository_is_a_duplicate(
    store: Store,
) -> None:
    """The de-duplication key ignores the case of the repository's name, as GitHub does."""
    first = store.add_submission(new())
    again = store.add_submission(dataclasses.replace(new(), repository="Course/Alice"))
    assert not again.created and again.id == first.id


def test_regrades_are_never_deduplicated_and_supersede_the_active_original(store: Store) -> None:
    """Two regrades of one commit are two submissions; each newer one supersedes the older."""
    first = store.add_submission(new())
    one = store.add_submission(new(regrade=True))
    two = store.add_submission(new(regrade=True))
    assert one.created and two.created and len({first.id, one.id, two.id}) == 3
    assert one.superseded == (first.id,) and two.superseded == (one.id,)
    assert store.counts() == {"superseded": 2, "queued": 1}


def test_pushes_without_a_pull_request_or_to_another_assignment_supersede_nothing(
    store: Store,
) -> None:
    """Supersession is per pull request and assignment: a push with no pull request is alone."""
    lone = store.add_submission(new("1" * 40, pull=None))
    other = store.add_submission(new("2" * 40, pull=None))
    assert other.superseded == ()
    week02 = store.add_submission(dataclasses.replace(new("3" * 40), assignment="week02"))
    week01 = store.add_submission(new("4" * 40))
    assert week01.superseded == () and week02.superseded == ()
    assert store.counts() == {"queued": 4}
    assert set(store.unqueued(timedelta(0))) == {lone.id, other.id, week01.id, week02.id}


def test_a_newer_push_supersedes_a_running_submission_and_its_worker_loses_the_lease(
    store: Store,
) -> None:
    """A running submission superseded mid-grading can be neither renewed, claimed nor graded."""
    old = store.add_submission(new("1" * 40))
    assert store.claim(old.id, "w1", timedelta(seconds=30)) is None
    newer = store.add_submission(new("2" * 40))
    assert newer.superseded == (old.id,)
    assert not store.renew(old.id, "w1", timedelta(seconds=30))
    assert store.claim(old.id, "w2", timedelta(seconds=30)) is not None
    assert not store.save_result(old.id, graded(old.id))
    stale = store.get(old.id)
    assert stale is not None and stale.status == "superseded" and stale.score is None
    assert store.result(old.id) is None
    assert not store.finish(newer.id, "failed", only_if=("superseded",))  # newer is queued


def test_a_claim_on_a_finished_or_unknown_submission_is_refused(store: Store) -> None:
    """Only a queued submission, or a running one whose lease ran out, can be claimed."""
    stored = store.add_submission(new())
    assert store.finish(stored.id, "rejected", reason="unsafe archive")
    assert store.claim(stored.id, "w1", timedelta(seconds=30)) is not None
    assert store.claim("no-such-submission", "w1", timedelta(seconds=30)) is not None
    sub = store.get(stored.id)
    assert sub is not None and (sub.status, sub.reason, sub.attempts) == (
        "rejected",
        "unsafe archive",
        0,
    )


def test_a_live_lease_is_reported_until_it_runs_out(store: Store, clock: ShiftedClock) -> None:
    """A refused claim says when the holder's lease ends; renewing pushes that end back."""
    stored = store.add_submission(new())
    assert store.claim(stored.id, "w1", timedelta(seconds=60)) is None
    held = store.claim(stored.id, "w2", timedelta(seconds=60))
    assert held is not None and held > clock() + timedelta(seconds=50)
    clock.advance(timedelta(seconds=50))
    assert store.renew(stored.id, "w1", timedelta(seconds=60))
    clock.advance(timedelta(seconds=50))
    assert store.claim(stored.id, "w2", timedelta(seconds=60)) is not None  # renewed: still held
    clock.advance(timedelta(seconds=11))
    assert store.claim(stored.id, "w2", timedelta(seconds=60)) is None


def test_a_retry_closes_the_attempt_and_releases_the_lease_at_once(store: Store) -> None:
    """note_attempt records the fault and lets the next worker claim without waiting."""
    stored = store.add_submission(new())
    assert store.claim(stored.id, "w1", timedelta(seconds=300)) is None
    store.note_attempt(stored.id, "retry", "GitHubUnavailable: 502")
    sub = store.get(stored.id)
    assert sub is not None and sub.status == "running" and sub.lease_until is None
    assert store.claim(stored.id, "w2", timedelta(seconds=300)) is None
    attempts = store.attempts(stored.id)
    assert [(a.worker, a.outcome, a.error) for a in attempts] == [
        ("w1", "retry", "GitHubUnavailable: 502"),
        ("w2", None, None),
    ]
    assert attempts[0].finished_at is not None and attempts[1].finished_at is None
    again = store.get(stored.id)
    assert again is not None and again.attempts == 2 and again.started_at == sub.started_at


def test_giving_up_fails_the_submission_once_and_closes_its_attempt(store: Store) -> None:
    """finish moves an active submission to its final status once; a second finish is refused."""
    stored = store.add_submission(new())
    store.claim(stored.id, "w1", timedelta(seconds=30))
    assert store.finish(stored.id, "failed", reason="Docker is down")
    assert not store.finish(stored.id, "failed", reason="again")
    sub = store.get(stored.id)
    assert sub is not None and (sub.status, sub.reason) == ("failed", "Docker is down")
    assert sub.finished_at is not None and sub.lease_until is None
    assert [(a.outcome, a.error) for a in store.attempts(stored.id)] == [
        ("failed", "Docker is down")
    ]
    assert store.counts() == {"failed": 1}


def test_saving_a_result_twice_keeps_the_first(store: Store) -> None:
    """save_result is idempotent: a second save of the same submission changes nothing."""
    stored = store.add_submission(new())
    store.claim(stored.id, "w1", timedelta(seconds=30))
    first = graded(stored.id, score=7.5)
    assert store.save_result(stored.id, first)
    assert not store.save_result(stored.id, graded(stored.id, score=2.0))
    saved = store.result(stored.id)
    assert saved == first
    with pytest.raises(dataclasses.FrozenInstanceError):
        saved.score = 10  # type: ignore[misc]
    sub = store.get(stored.id)
    assert sub is not None and (sub.score, sub.max_score, sub.reason) == (7.5, 10, None)
    assert [a.outcome for a in store.attempts(stored.id)] == ["graded"]
    assert store.verdicts() == {"graded": 1}


def test_verdicts_and_durations_count_every_saved_result(store: Store) -> None:
    """The metrics read the saved results: verdicts by status, durations into buckets."""
    assert store.verdicts() == {} and store.durations([1.0, 5.0]) == ([0, 0], 0.0, 0)
    for number, (status, duration) in enumerate(
        [("graded", 0.5), ("incomplete", 5.0), ("graded", 9.0)]
    ):
        stored = store.add_submission(new(str(number) * 40, pull=number))
        result = dataclasses.replace(graded(stored.id, duration=duration), status=status)
        assert store.save_result(stored.id, result)
    assert store.verdicts() == {"graded": 2, "incomplete": 1}
    assert store.durations([1.0, 5.0]) == ([1, 2], 14.5, 3)
    assert store.counts() == {"graded": 3}


def test_a_check_run_is_remembered(store: Store) -> None:
    """set_check_run stores the check run's id on the submission."""
    stored = store.add_submission(new())
    store.set_check_run(stored.id, 4242)
    sub = store.get(stored.id)
    assert sub is not None and sub.check_run_id == 4242


def test_publications_are_per_kind_and_keep_what_a_later_state_leaves_out(store: Store) -> None:
    """A publication's id and progress survive a later state that does not name them."""
    stored = store.add_submission(new())
    assert store.publication(stored.id, "review") is None
    store.publish(stored.id, "review", "sending")
    first = store.publication(stored.id, "review")
    assert first is not None and (first.state, first.progress, first.github_id) == (
        "sending",
        0,
        None,
    )
    store.publish(stored.id, "review", "done", github_id=99)
    store.publish(stored.id, "review", "done")
    store.publish(stored.id, "status", "done")
    review = store.publication(stored.id, "review")
    status = store.publication(stored.id, "status")
    assert review is not None and (review.kind, review.state, review.github_id) == (
        "review",
        "done",
        99,
    )
    assert status is not None and status.github_id is None
    assert first.state == "sending"  # the earlier record is a snapshot


def test_a_delivery_record_says_what_happened_to_it(store: Store) -> None:
    """A finished delivery comes back as a plain record naming its event, action and detail."""
    assert store.begin_delivery("d2", "check_run", "rerequested") is None
    store.finish_delivery("d2", "ignored", "not one of ours")
    store.finish_delivery("unknown", "ignored", "never begun")  # nothing to update
    earlier = store.begin_delivery("d2", "check_run", "rerequested")
    assert earlier is not None
    assert (earlier.id, earlier.event, earlier.action) == ("d2", "check_run", "rerequested")
    assert (earlier.outcome, earlier.detail, earlier.submission_ids) == (
        "ignored",
        "not one of ours",
        [],
    )
    assert store.begin_delivery("unknown", "ping", None) is None


@dataclasses.dataclass(frozen=True)
class Settled:
    outcome: str
    message: str
    submission_ids: list[str]


def _settle(stored: list[Stored]) -> Settled:
    created = [s.id for s in stored if s.created]
    return Settled(
        "accepted" if created else "duplicate", f"{len(created)} new", [s.id for s in stored]
    )


def test_a_delivery_its_pushes_and_its_outcome_are_recorded_at_once(store: Store) -> None:
    """``record_delivery`` stores the pushes and the outcome ``settle`` made of them."""
    first = store.record_delivery("r1", "pull_request", "opened", [new("1" * 40)], _settle)
    assert isinstance(first, Settled) and first.outcome == "accepted"
    (submission_id,) = first.submission_ids
    submission = store.get(submission_id)
    assert submission is not None and submission.status == "queued"
    again = store.record_delivery("r2", "pull_request", "synchronize", [new("1" * 40)], _settle)
    assert again == Settled("duplicate", "0 new", [submission_id])  # the same commit
    earlier = store.begin_delivery("r1", "pull_request", "opened")
    assert earlier is not None
    assert (earlier.outcome, earlier.detail, earlier.submission_ids) == (
        "accepted",
        "1 new",
        [submission_id],
    )


def test_a_redelivered_delivery_is_answered_from_its_record_and_stores_nothing(
    store: Store,
) -> None:
    """A duplicate delivery id gets the earlier record, and its pushes are not stored."""
    store.record_delivery("r3", "ping", None, [], lambda _: Settled("pong", "pong (hook 1)", []))
    earlier = store.record_delivery("r3", "pull_request", "opened", [new("2" * 40)], _settle)
    assert not isinstance(earlier, Settled) and earlier is not None
    assert (earlier.event, earlier.outcome, earlier.detail) == ("ping", "pong", "pong (hook 1)")
    assert store.counts() == {}


def test_a_recorded_delivery_that_failed_or_was_abandoned_is_taken_over(
    store: Store, clock: ShiftedClock
) -> None:
    """As with ``begin_delivery``: failed is redone at once, received after RECLAIM_AFTER."""
    assert store.begin_delivery("r4", "pull_request", "opened") is None
    store.finish_delivery("r4", "failed", "handling failed; redeliver")
    taken = store.record_delivery("r4", "pull_request", "opened", [new("3" * 40)], _settle)
    assert isinstance(taken, Settled) and taken.outcome == "accepted"
    assert store.begin_delivery("r5", "ping", None) is None
    in_flight = store.record_delivery("r5", "ping", None, [], _settle)
    assert not isinstance(in_flight, Settled) and in_flight.outcome == "received"
    clock.advance(RECLAIM_AFTER + timedelta(seconds=1))  # the process handling it died
    assert store.record_delivery("r5", "ping", None, [], _settle) == Settled(
        "duplicate", "0 new", []
    )
    done = store.begin_delivery("r5", "ping", None)
    assert done is not None and (done.outcome, done.detail) == ("duplicate", "0 new")


def test_of_many_callers_recording_one_delivery_exactly_one_stores_it(store: Store) -> None:
    """A redelivery racing the first gets its record (or waits on the push's key), once."""
    callers = 8
    start = threading.Barrier(callers)
    answers: list[object] = []

    def record() -> None:
        start.wait()
        answers.append(
            store.record_delivery("race", "pull_request", "opened", [new("7" * 40)], _settle)
        )

    threads = [threading.Thread(target=record) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([a for a in answers if isinstance(a, Settled)]) == 1
    assert len(answers) == callers and store.counts() == {"queued": 1}


def test_a_settle_that_raises_leaves_no_delivery_and_no_push(store: Store) -> None:
    """The one transaction is all or nothing: GitHub's redelivery is handled anew."""

    def broken(stored: list[Stored]) -> Settled:
        raise RuntimeError("handling failed")

    with pytest.raises(RuntimeError):
        store.record_delivery("r6", "pull_request", "opened", [new("4" * 40)], broken)
    assert store.counts() == {}
    assert store.begin_delivery("r6", "pull_request", "opened") is None


def test_the_sweep_waits_for_the_webhook_to_enqueue(store: Store, clock: ShiftedClock) -> None:
    """A queued submission is swept only once it is older than the grace period."""
    stored = store.add_submission(new())
    assert store.unqueued(timedelta(seconds=30)) == []
    clock.advance(timedelta(seconds=31))
    assert store.unqueued(timedelta(seconds=30)) == [stored.id]
    store.claim(stored.id, "w1", timedelta(seconds=30))
    assert store.unqueued(timedelta(seconds=30)) == []  # running: a worker has it


def test_an_installation_is_recorded_and_updated(store: Store) -> None:
    """record_installation creates, then updates, an installation without complaint."""
    store.record_installation(5, "course", "created", ["course/alice"])
    store.record_installation(5, "course", "suspend", [])
    store.ping()


@pytest.mark.redis
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


@pytest.mark.postgres
def test_a_forked_child_never_shares_the_parents_postgresql_connection() -> None:
    """A Celery pool's replacement child is forked from a process that used the store."""
    import os

    from sqlalchemy import text

    from grader.service.store.engine import make_engine

    with postgres_database() as url:
        engine = make_engine(url)
        with engine.connect() as conn:  # the parent's connection, back in the pool after this
            parent_backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through the pipe
            try:
                with engine.connect() as conn:
                    backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
                os.write(write, str(backend).encode())
            finally:
                os._exit(0)
        os.close(write)
        _, status = os.waitpid(child, 0)
        child_backend = int(os.read(read, 64) or b"0")
        os.close(read)
        with engine.connect() as conn:  # the parent's connection still works
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == parent_backend
        engine.dispose()
        assert status == 0 and child_backend not in (0, parent_backend)
