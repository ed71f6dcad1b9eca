"""A regrade through the real service: previewed unpublished, applied onto the first
grading's posts on GitHub, applied again for nothing, reverted onto the same posts.

The running service of ``e2e_support`` (the API, a ``grader worker``, Redis, PostgreSQL,
Docker, the fake GitHub); the instructor's steps are ``grader course regrade ...``
commands run with the service's environment.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

import pytest
from e2e_support import REGRADE_REPO, Service, accepted, open_pull, runs_for, wait_for
from support import WEEK01

from grader.service.jobs.republish import REGRADED, REVERTED
from grader.service.store import SqlStore, Submission
from grader.service.store.batches_sql import SqlBatchStore

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.postgres]
pytest_plugins = ["e2e_support"]  # the session's one running service (fixture ``service``)

COURSE, ASSIGNMENT = "course", "week01-regrade"
STUDENT = "bob-e2e"
TOKENS = "/app/installations/*/access_tokens"
"""The App's own authentication: asked for again whenever, and no post on a pull request."""


def writes(svc: Service) -> list[tuple[str, str]]:
    """Every change asked of GitHub so far (method and path), oldest first."""
    return [
        (r.method, r.path)
        for r in svc.gh.requests
        if r.method != "GET" and not fnmatch.fnmatchcase(r.path, TOKENS)
    ]


def graded_members(svc: Service, batch_id: str) -> list[Submission]:
    """The batch's graded submissions, as the store has them."""
    store = SqlStore(svc.env["DATABASE_URL"])
    try:
        found = SqlBatchStore(store.engine, store.clock).members(batch_id)
    finally:
        store.dispose()
    return [member for member in found if member.status == "graded"]


def counted(svc: Service) -> str | None:
    """The submission the console's gradebook counts for the student."""
    book = svc.get_json(f"/api/courses/{COURSE}/gradebook")
    [line] = [s for s in book["students"] if s["login"] == STUDENT]
    submission: str | None = line["grades"][ASSIGNMENT]["submission"]
    return submission


def regrade(svc: Service, *args: str) -> str:
    return svc.grader("course", "regrade", *args)


def log_mark(svc: Service) -> int:
    """Where the worker's log ends now."""
    return (svc.logs / "worker.log").stat().st_size


def grade_tasks(svc: Service, since: int) -> list[str]:
    """What each grade task the worker finished after ``since`` returned (``graded``...): a
    task given a finished submission posts what is left to post, then returns."""
    with (svc.logs / "worker.log").open("rb") as log:
        log.seek(since)
        tail = log.read().decode(errors="replace")
    return re.findall(r"Task grader\.grade\[[^]]+\] succeeded in \S+: '(\w+)'", tail)


@dataclass(frozen=True)
class GradedPull:
    """The student's pull request, graded and posted on: what a regrade must edit."""

    sha: str
    original: str
    """The first grading's submission id."""
    run_id: int
    """Its check run."""

    @property
    def check(self) -> tuple[str, str]:
        return ("PATCH", f"/repos/{REGRADE_REPO}/check-runs/{self.run_id}")

    @property
    def status(self) -> tuple[str, str]:
        return ("POST", f"/repos/{REGRADE_REPO}/statuses/{self.sha}")


def graded_pull(svc: Service) -> GradedPull:
    """Open the student's pull request and wait for its check run, status and review."""
    payload, sha = open_pull(
        svc, 1, WEEK01 / "samples" / "partial", repo=REGRADE_REPO, author=STUDENT
    )
    original = accepted(svc.post("pull_request", payload))
    assert svc.finished(original)["status"] == "graded"
    wait_for(lambda: svc.gh.reviews(REGRADE_REPO, 1), 30, "the review")
    [run] = runs_for(svc, sha, REGRADE_REPO)
    assert svc.gh.statuses(REGRADE_REPO, sha) and counted(svc) == original
    return GradedPull(sha, original, run["id"])


def previewed(svc: Service, pull: GradedPull) -> tuple[str, str]:
    """``start`` a regrade, wait for its grading; the batch and the regrade's ids."""
    mark = log_mark(svc)
    started = regrade(svc, "start", "--course", COURSE, "--assignment", ASSIGNMENT)
    batch = re.match(r"([0-9a-f]{32}) ", started)
    assert batch and "regrade (preview)" in started, started
    [member] = wait_for(
        lambda: grade_tasks(svc, mark) and graded_members(svc, batch.group(1)),
        180,
        "the preview's grading",
    )
    assert member.held and member.replaces == pull.original
    shown = regrade(svc, "show", batch.group(1))
    assert "1 graded, 0 still grading, 0 not graded" in shown, shown
    return batch.group(1), member.id


def the_posts(svc: Service, pull: GradedPull, note: str) -> dict[str, Any]:
    """The pull request's one check run and one report comment, both saying ``note``; still
    one review."""
    [run] = runs_for(svc, pull.sha, REGRADE_REPO)  # the first run, edited: none created
    assert run["id"] == pull.run_id and note in run["output"]["summary"]
    [comment] = svc.gh.comments(REGRADE_REPO, 1)
    assert note in comment["body"]
    assert f"grader:submission={pull.original}" in comment["body"]  # the first grading's marker
    assert len(svc.gh.reviews(REGRADE_REPO, 1)) == 1
    return comment


def decided(svc: Service, step: str, batch_id: str, returned: str) -> list[tuple[str, str]]:
    """Run ``regrade STEP BATCH`` (apply, revert) and wait for the worker's task that posts
    it (it returned ``returned``); every change asked of GitHub since the start."""
    mark = log_mark(svc)
    assert " 1 result " in regrade(svc, step, batch_id)
    assert wait_for(lambda: grade_tasks(svc, mark), 60, f"the {step}") == [returned]
    return writes(svc)


def test_a_regrade_is_previewed_unposted_then_edits_the_first_posts_and_reverts(
    service: Service,
) -> None:
    pull = graded_pull(service)
    graded = writes(service)
    batch_id, regraded = previewed(service, pull)
    assert writes(service) == graded  # the preview posted nothing
    assert counted(service) == pull.original

    applied = decided(service, "apply", batch_id, "graded")
    comment = the_posts(service, pull, REGRADED)
    new_comment = ("POST", f"/repos/{REGRADE_REPO}/issues/1/comments")
    assert applied[len(graded) :] == [pull.check, pull.status, new_comment]
    assert counted(service) == regraded
    assert decided(service, "apply", batch_id, "graded") == applied  # again: nothing new

    reverted = decided(service, "revert", batch_id, "reverted")
    assert the_posts(service, pull, REVERTED)["id"] == comment["id"]
    edit = ("PATCH", f"/repos/{REGRADE_REPO}/issues/comments/{comment['id']}")
    assert reverted[len(applied) :] == [pull.check, pull.status, edit]
    assert counted(service) == pull.original
