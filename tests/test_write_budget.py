"""GitHub's write budget at a deadline: writes that can be left out (a check run shown queued or
in progress, a place in line, the commit status) stop first, so every result still goes out."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from jobs_support import HEAD, PULL, REPOSITORY, JobHarness, tarball
from pydantic import SecretStr
from service_support import redis_namespace

from grader.errors import GitHubUnavailable, RateLimited
from grader.service import jobs
from grader.service.github import feedback
from grader.service.github.client import GitHubClient
from grader.service.github.fake import WRITES
from grader.service.github.ratelimit import MemoryLimiter, RedisLimiter
from grader.service.jobs import queueing
from grader.settings import ServiceSettings

PR_FIXTURE = Path(__file__).parent / "fixtures" / "github" / "pr-basic"


def _writes(harness: JobHarness) -> Counter[str]:
    return Counter(method for method, _ in harness.github.calls if method in WRITES)


def test_with_room_a_push_is_shown_queued_in_progress_then_graded(harness: JobHarness) -> None:
    """The baseline: five kinds of writes, the queued and in-progress ones included."""
    sub_id = harness.submit()
    jobs.announce(harness.services, sub_id)
    jobs.grade(harness.services, sub_id)
    assert _writes(harness) == Counter(
        create_check_run=1, update_check_run=3, create_status=1, create_review=1
    )


def test_at_a_deadline_a_graded_push_costs_its_result_and_its_review(harness: JobHarness) -> None:
    """No room to spare: no queued or in-progress check run, no status; the check run is
    created completed, carrying the first 50 annotations, and the review is posted."""
    harness.github.spare_writes = False
    sub_id = harness.submit()
    assert jobs.announce(harness.services, sub_id)
    assert harness.github.check_runs == {}
    assert jobs.grade(harness.services, sub_id) == "graded"
    [run] = harness.github.check_runs_for(REPOSITORY, HEAD)
    assert run.conclusion == feedback.conclusion(harness.report)
    assert run.status == "completed" and run.fields["external_id"] == sub_id
    assert len(run.annotations) == 74  # 50 created with it, 24 appended by one update
    assert [len(update["output"]["annotations"]) for update in run.updates] == [24]
    sub = harness.store.get(sub_id)
    assert sub is not None and sub.check_run_id == run.id
    assert harness.github.statuses_for(REPOSITORY, HEAD) == []
    status = harness.store.publication(sub_id, "status")
    assert status is not None and status.state == "skipped"
    assert len(harness.github.reviews_for(REPOSITORY, PULL)) == 1
    assert _writes(harness) == Counter(create_check_run=1, update_check_run=1, create_review=1)
    calls = list(harness.github.calls)
    harness.github.spare_writes = True  # a redelivered job does not post the skipped status
    jobs.grade(harness.services, sub_id)
    assert harness.github.calls == calls


@pytest.mark.parametrize(("statuses", "room", "posted"), [("always", False, 1), ("never", True, 0)])
def test_the_commit_status_setting_overrides_the_budget(
    harness: JobHarness, statuses: str, room: bool, posted: int
) -> None:
    settings = harness.services.settings.model_copy(update={"commit_statuses": statuses})
    services = dataclasses.replace(harness.services, settings=settings)
    harness.github.spare_writes = room
    sub_id = harness.submit()
    jobs.grade(services, sub_id)
    assert len(harness.github.statuses_for(REPOSITORY, HEAD)) == posted


def test_a_push_that_cannot_be_graded_gets_a_check_run_even_at_a_deadline(
    harness: JobHarness,
) -> None:
    """Never shown queued, a rejected push still says why it has no grade."""
    harness.github.spare_writes = False
    sub_id = harness.submit()
    harness.tarballs[harness.github.tarball_url(REPOSITORY, HEAD)] = tarball(
        {"../escape.py": b"x = 1\n"}, top=""
    )
    assert jobs.grade(harness.services, sub_id) == "rejected"
    [run] = harness.github.check_runs_for(REPOSITORY, HEAD)
    assert run.conclusion == "failure" and "../escape.py" in run.output["summary"]


def test_a_place_in_line_is_a_spare_write(harness: JobHarness) -> None:
    sub_id = harness.submit()
    jobs.announce(harness.services, sub_id)
    shown: dict[str, str] = {}
    harness.github.spare_writes = False
    assert queueing.refresh(harness.services, shown) == 0
    harness.github.spare_writes = True
    assert queueing.refresh(harness.services, shown) == 1
    assert _run_title(harness) == "Queued: next in line"


def _run_title(harness: JobHarness) -> str:
    [run] = harness.github.check_runs_for(REPOSITORY, HEAD)
    return str(run.output["title"])


def test_the_memory_limiter_keeps_a_quarter_for_the_writes_that_count() -> None:
    limiter = MemoryLimiter(per_minute=8, per_hour=100)
    for _ in range(6):
        assert limiter.spare()
        limiter.acquire(max_wait=0)
    assert limiter.spare()  # 2 of 8 free: a quarter
    limiter.acquire(max_wait=0)
    assert not limiter.spare()
    limiter.acquire(max_wait=0)  # the writes that count still get the rest
    with pytest.raises(RateLimited):
        limiter.acquire(max_wait=0)
    hourly = MemoryLimiter(per_minute=80, per_hour=8)
    for _ in range(6):
        hourly.acquire(max_wait=0)
    assert hourly.spare()
    hourly.acquire(max_wait=0)
    assert not hourly.spare()  # the hour's window counts too
    paused = MemoryLimiter()
    paused.pause(5)
    assert not paused.spare()


@pytest.mark.redis
def test_the_redis_limiter_keeps_a_quarter_for_the_writes_that_count() -> None:
    with redis_namespace() as (client, prefix):
        one = RedisLimiter(client, prefix=prefix, per_minute=8, per_hour=100)
        two = RedisLimiter(client, prefix=prefix, per_minute=8, per_hour=100)
        for _ in range(7):
            assert two.spare()
            one.acquire(max_wait=0)
        assert not two.spare()  # one worker's writes leave no room to spare for the other
        two.acquire(max_wait=0)
        other = RedisLimiter(client, prefix=prefix, per_minute=8, per_hour=100, scope="other")
        assert other.spare()
        other.pause(2)
        assert not other.spare()


def test_the_client_asks_its_limiter(tmp_path: Path) -> None:
    """``GitHubClient.spare`` asks the shared limiter (one with no room answers False)."""
    limiter = MemoryLimiter(per_minute=4, per_hour=100)
    settings = ServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        github_api_url="http://127.0.0.1:9",
        github_token="t",
    )
    client = GitHubClient(settings, limiter)
    assert client.spare()
    for _ in range(4):
        limiter.acquire(max_wait=0)
    assert not client.spare()


def test_a_status_set_out_to_be_sent_is_sent_on_the_retry(harness: JobHarness) -> None:
    """The decision is taken once: a status whose first try failed is sent again even when the
    budget has no room left by then."""
    harness.github.fail("create_status", GitHubUnavailable("502 Bad Gateway"))
    sub_id = harness.submit()
    with pytest.raises(GitHubUnavailable):
        jobs.grade(harness.services, sub_id)
    harness.github.spare_writes = False
    assert jobs.grade(harness.services, sub_id) == "graded"
    assert len(harness.github.statuses_for(REPOSITORY, HEAD)) == 1


def test_at_a_deadline_the_real_client_posts_what_github_accepts(harness: JobHarness) -> None:
    """Through PyGithub to the fake GitHub that checks every request against GitHub's OpenAPI
    description: the check run created completed (50 annotations, then the rest appended) and
    the review; no status, nothing refused."""
    with FakeGitHub() as gh:
        gh.add_repo(REPOSITORY, installation_id=3)
        base = gh.add_commit(REPOSITORY, PR_FIXTURE / "base")
        head = gh.add_commit(REPOSITORY, PR_FIXTURE / "head")
        gh.add_pull(
            REPOSITORY, PULL, base_sha=base, head_sha=head, head_repo=REPOSITORY, head_ref="w"
        )
        settings = harness.services.settings.model_copy(
            update={
                "github_api_url": gh.api_url,
                "github_app_id": gh.app_id,
                "github_app_private_key": SecretStr(gh.private_key_pem),
            }
        )
        limiter = MemoryLimiter(per_minute=16, per_hour=100)
        for _ in range(13):  # 3 of 16 left: nothing to spare, room for the result's 3 writes
            limiter.acquire(max_wait=0)
        client = GitHubClient(settings, limiter)
        services = dataclasses.replace(harness.services, settings=settings, github=client)
        sub_id = harness.submit(head)
        ready = harness.tarballs[harness.github.tarball_url(REPOSITORY, head)]
        harness.tarballs[client.tarball_url(REPOSITORY, head)] = ready
        assert jobs.announce(services, sub_id)
        assert jobs.grade(services, sub_id) == "graded"
        [run] = gh.check_runs(REPOSITORY)
        assert (run["status"], run["conclusion"]) == ("completed", "failure")
        assert len(run["annotations"]) == 74
        assert gh.statuses(REPOSITORY, head) == []
        assert len(gh.reviews(REPOSITORY, PULL)) == 1
        assert gh.violations == [] and gh.internal_errors == []
