"""The whole service end to end, with real parts.

The API under uvicorn (``grader serve``), a real Celery worker process
(``grader worker``), a private ``redis-server`` the tests may restart,
PostgreSQL, the Docker sandbox, and a fake GitHub on loopback that checks every
request against GitHub's OpenAPI description and serves the fixture
repositories (``e2e_support``: the service is shared with the other end-to-end
modules). GitHub's own example payloads are adapted to the fixture repository,
signed, and posted; the tests assert what arrives on GitHub.
"""

from __future__ import annotations

import io
import json
import os
import signal
import tarfile
import time
import uuid

import httpx
import pytest
from e2e_support import (
    REPO,
    SECRET,
    Service,
    accepted,
    open_pull,
    pull_payload,
    runs_for,
    tree,
    wait_for,
)

# Re-exported: the benchmarks (bench/service_latency.py, bench/webhook_load.py) import them here.
from e2e_support import SHARED as SHARED
from e2e_support import RedisServer as RedisServer
from e2e_support import _spawn as _spawn
from e2e_support import _stop as _stop
from e2e_support import _up as _up
from e2e_support import free_port as free_port
from e2e_support import running_service as running_service
from support import WEEK01

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.postgres]
pytest_plugins = ["e2e_support"]  # the session's one running service (fixture ``service``)


# --- the happy path --------------------------------------------------------------------------


def test_a_pull_request_gets_a_check_run_a_status_and_a_review(service: Service) -> None:
    payload, sha = open_pull(service, 1, WEEK01 / "samples" / "sloppy")
    submission_id = accepted(service.post("pull_request", payload))
    state = service.finished(submission_id)
    assert state["status"] == "graded", state
    score = state["report"]["score"]
    assert 0 < score < 100

    wait_for(lambda: service.gh.reviews(REPO, 1), 30, "the review")
    [run] = runs_for(service, sha)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["external_id"] == submission_id
    assert run["details_url"] == f"{service.api}/console/submissions/{submission_id}"
    assert f"{score:g} / 100" in run["output"]["title"]
    annotated = {(a["path"], a["start_line"]) for a in run["annotations"]}
    assert annotated and all(path.startswith("week01/") for path, _ in annotated)

    [status] = service.gh.statuses(REPO, sha)
    assert status["state"] == "failure" and len(status["description"]) <= 140
    assert status["context"] == "grader / week01-generators"
    assert status["target_url"] == run["details_url"]
    anonymous = httpx.get(f"{service.api}/submissions/{submission_id}", timeout=5)
    assert anonymous.status_code == 401  # the report is not public

    [review] = service.gh.reviews(REPO, 1)
    assert f"{score:g} / 100" in review["body"] and review["event"] == "COMMENT"
    assert f"grader:submission={submission_id}" in review["body"]
    inline = review["comments"]
    assert inline, "sloppy code on changed lines gets inline comments"
    assert {(c["path"], c["line"]) for c in inline} <= annotated
    assert service.gh.comments(REPO, 1) == []
    assert state["durations"]["grade"] > 0


def test_the_reference_solution_gets_full_marks_and_success(service: Service) -> None:
    payload, sha = open_pull(service, 2, WEEK01 / "reference")
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["score"] == 100
    wait_for(lambda: service.gh.reviews(REPO, 2), 30, "the review")
    [run] = runs_for(service, sha)
    assert run["conclusion"] == "success"
    assert service.gh.statuses(REPO, sha)[-1]["state"] == "success"


def test_a_redelivery_is_answered_without_grading_again(service: Service) -> None:
    payload, sha = open_pull(service, 3, WEEK01 / "samples" / "partial")
    delivery = str(uuid.uuid4())
    submission_id = accepted(service.post("pull_request", payload, delivery))
    again = service.post("pull_request", payload, delivery)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["submission_ids"] == [submission_id]
    reopened = service.post("pull_request", {**payload, "action": "reopened"})
    assert reopened.json()["status"] == "duplicate"  # same commit, same rubric
    service.finished(submission_id)
    wait_for(lambda: service.gh.reviews(REPO, 3), 30, "the review")
    time.sleep(1)
    assert len(service.gh.reviews(REPO, 3)) == 1 and len(runs_for(service, sha)) == 1


def test_a_newer_push_supersedes_the_older_one(service: Service) -> None:
    first, first_sha = open_pull(service, 4, WEEK01 / "samples" / "partial")
    older = accepted(service.post("pull_request", first))
    second, second_sha = open_pull(service, 4, WEEK01 / "samples" / "good", action="synchronize")
    newer = accepted(service.post("pull_request", second))
    assert service.finished(older)["status"] in ("superseded", "graded")
    assert service.finished(newer)["status"] == "graded"
    wait_for(
        lambda: any(r["commit_id"] == second_sha for r in service.gh.reviews(REPO, 4)), 30, "review"
    )
    if service.submission(older)["status"] == "superseded":
        closed = wait_for(
            lambda: [r for r in runs_for(service, first_sha) if r["status"] == "completed"],
            30,
            "closed run",
        )
        assert closed[0]["conclusion"] in ("skipped", "cancelled")
        assert not any(r["commit_id"] == first_sha for r in service.gh.reviews(REPO, 4))


def test_a_pull_request_outside_the_assignments_paths_is_ignored(service: Service) -> None:
    files = {**tree(WEEK01 / "starter"), "notes/todo.md": b"nothing to grade\n"}
    payload, sha = open_pull(service, 5, files)
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "ignored" and "week01/*" in state["reason"]
    assert runs_for(service, sha) == [] and service.gh.reviews(REPO, 5) == []


def test_a_pull_request_from_a_fork_is_graded(service: Service) -> None:
    base_sha = service.gh.add_commit(REPO, {"README.md": b"# Week 1\n", **tree(WEEK01 / "starter")})
    head_sha = service.gh.add_commit(
        REPO, {"README.md": b"# Week 1 from a fork\n", **tree(WEEK01 / "samples" / "good")}
    )
    service.gh.add_pull(
        REPO, 13, base_sha=base_sha, head_sha=head_sha, head_repo="alice/week01-fork"
    )
    payload = pull_payload(13, head_sha, base_sha, "opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "alice/week01-fork"
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "graded" and state["score"] > 0
    wait_for(lambda: service.gh.reviews(REPO, 13), 30, "the review")
    fetched = [r.path for r in service.gh.requests if "/tarball/" in r.path and head_sha in r.path]
    assert fetched[0].startswith("/repos/alice/week01-fork/")  # the head repository first


# --- faults ----------------------------------------------------------------------------------


def test_a_worker_killed_while_grading_is_redelivered_and_posts_once(service: Service) -> None:
    payload, sha = open_pull(service, 6, WEEK01 / "samples" / "good")
    submission_id = accepted(service.post("pull_request", payload))
    wait_for(
        lambda: any(r["status"] == "in_progress" for r in runs_for(service, sha)), 60, "in progress"
    )
    children = service.worker_children()
    assert children, "the worker has a pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    state = service.finished(submission_id)
    assert state["status"] == "graded" and state["attempts"] >= 2
    wait_for(lambda: service.gh.reviews(REPO, 6), 30, "the review")
    time.sleep(1)
    assert len(service.gh.reviews(REPO, 6)) == 1
    assert len(runs_for(service, sha)) == 1


def test_github_502s_never_post_the_feedback_twice(service: Service) -> None:
    service.gh.fail_next("POST", f"/repos/{REPO}/pulls/7/reviews", 502)
    service.gh.fail_next("POST", f"/repos/{REPO}/issues/7/comments", 502)
    payload, _ = open_pull(service, 7, WEEK01 / "samples" / "partial")
    submission_id = accepted(service.post("pull_request", payload))
    service.finished(submission_id)
    comments = wait_for(lambda: service.gh.comments(REPO, 7), 60, "the comment")
    time.sleep(1)
    # The review's fate was unknown, so the report came as one comment, found again on retry.
    assert service.gh.reviews(REPO, 7) == []
    assert len(service.gh.comments(REPO, 7)) == 1
    assert f"grader:submission={submission_id}" in comments[0]["body"]


def test_a_502_after_the_comment_was_made_edits_it_instead_of_posting_again(
    service: Service,
) -> None:
    service.gh.fail_next("POST", f"/repos/{REPO}/pulls/8/reviews", 502)
    service.gh.fail_after("POST", f"/repos/{REPO}/issues/8/comments", 502)
    payload, _ = open_pull(service, 8, WEEK01 / "samples" / "partial")
    service.finished(accepted(service.post("pull_request", payload)))
    wait_for(
        lambda: any(
            r.method == "PATCH" and "/issues/comments/" in r.path for r in service.gh.requests
        ),
        60,
        "the comment to be edited",
    )
    assert len(service.gh.comments(REPO, 8)) == 1


def test_a_secondary_rate_limit_pauses_writes_for_retry_after(service: Service) -> None:
    service.gh.rate_limit_next("POST", f"/repos/{REPO}/statuses/*", retry_after=3)
    payload, sha = open_pull(service, 9, WEEK01 / "reference")
    service.finished(accepted(service.post("pull_request", payload)))
    wait_for(lambda: service.gh.statuses(REPO, sha), 60, "the status")
    writes = [r for r in service.gh.requests if r.method in ("POST", "PATCH")]
    limited = next(i for i, r in enumerate(writes) if r.status == 403)
    after = writes[limited + 1]
    assert after.time - writes[limited].time >= 2.9
    assert len(service.gh.statuses(REPO, sha)) == 1
    wait_for(lambda: service.gh.reviews(REPO, 9), 30, "the review")


def test_an_archive_with_escaping_paths_is_rejected_with_why(service: Service) -> None:
    payload, sha = open_pull(service, 10, WEEK01 / "reference")
    hostile = io.BytesIO()
    with tarfile.open(fileobj=hostile, mode="w:gz") as archive:
        for name, data in [("top/week01/records.py", b"x = 1\n"), ("top/../../evil.py", b"boom\n")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("top/week01/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    service.gh.set_tarball(sha, hostile.getvalue())
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "rejected" and ".." in state["reason"]
    run = wait_for(
        lambda: [r for r in runs_for(service, sha) if r["status"] == "completed"], 30, "the run"
    )[0]
    assert run["conclusion"] == "failure" and ".." in run["output"]["summary"]
    assert service.gh.reviews(REPO, 10) == []


def test_redis_restarted_loses_no_accepted_delivery(service: Service) -> None:
    service.redis.stop()
    service.redis.start()  # restarted while idle: the API and the worker reconnect
    payload, _ = open_pull(service, 11, WEEK01 / "reference")
    after_restart = accepted(service.post("pull_request", payload))
    assert service.finished(after_restart)["status"] == "graded"

    service.redis.stop()  # down when a delivery arrives: stored, then swept
    payload, _ = open_pull(service, 12, WEEK01 / "samples" / "partial")
    while_down = accepted(service.post("pull_request", payload))
    service.redis.start()
    assert service.finished(while_down)["status"] == "graded"


def test_logs_are_json_lines_with_the_ids(service: Service) -> None:
    lines = [
        json.loads(line)
        for line in (service.logs / "worker.log").read_text().splitlines()
        if line.startswith("{")
    ]
    graded = [line for line in lines if line.get("event") == "graded"]
    assert graded and all("submission_id" in line for line in graded)
    api = [
        json.loads(line)
        for line in (service.logs / "api.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(line.get("event") == "delivery" and "delivery_id" in line for line in api)
    everything = (service.logs / "worker.log").read_text() + (service.logs / "api.log").read_text()
    assert SECRET not in everything and "PRIVATE KEY" not in everything
