"""MemoryGitHub keeps the promises the jobs rely on, and GitHubClient and it share one protocol."""

from __future__ import annotations

import inspect

import pytest

from grader.errors import GitHubRejected, GitHubUnavailable
from grader.service.github.client import GitHubClient
from grader.service.github.fake import MemoryGitHub
from grader.service.github.publisher import Publisher


def test_both_publishers_take_the_protocols_arguments() -> None:
    """The real client and the fake have every Publisher method, with the protocol's parameters."""
    methods = [name for name in vars(Publisher) if not name.startswith("_")]
    assert "create_review" in methods and "upsert_comment" in methods
    for name in methods:
        wanted = list(inspect.signature(getattr(Publisher, name)).parameters)
        for publisher in (GitHubClient, MemoryGitHub):
            assert list(inspect.signature(getattr(publisher, name)).parameters) == wanted, name


def test_check_run_updates_replace_fields_and_append_annotations() -> None:
    """A PATCH replaces the output and completes the run with a conclusion; annotations accumulate."""
    github = MemoryGitHub()
    run_id = github.create_check_run(
        "Course/Alice", 3, name="grader", head_sha="a", status="queued"
    )
    note = {"path": "x.py", "start_line": 1, "end_line": 1, "annotation_level": "notice"}
    github.update_check_run(
        "course/alice",
        3,
        run_id,
        conclusion="success",
        output={"title": "1", "annotations": [note]},
    )
    github.update_check_run("course/alice", 3, run_id, output={"title": "2", "annotations": [note]})
    [run] = github.check_runs_for("course/alice", "a")
    assert (run.status, run.conclusion, run.output) == ("completed", "success", {"title": "2"})
    assert run.annotations == [note, note]


def test_upsert_comment_edits_the_comment_carrying_the_marker() -> None:
    """The second upsert with the same marker edits the first comment rather than adding one."""
    github = MemoryGitHub()
    first = github.upsert_comment("course/alice", 3, 7, marker="<!-- m -->", body="<!-- m --> one")
    again = github.upsert_comment("course/alice", 3, 7, marker="<!-- m -->", body="<!-- m --> two")
    other = github.upsert_comment("course/alice", 3, 7, marker="<!-- n -->", body="<!-- n --> x")
    assert first == again != other
    assert github.comments[first].body == "<!-- m --> two" and github.comments[first].edits == 1


def test_a_fault_fires_on_the_nth_call_before_or_after_the_call_takes_effect() -> None:
    """``fail`` raises on the chosen call only; ``after=True`` leaves what the call made behind."""
    github = MemoryGitHub()
    github.fail("create_review", GitHubUnavailable("502", ambiguous=True), nth=2, after=True)
    github.fail("create_status", GitHubRejected("422", 422))
    github.create_review("course/alice", 3, 7, commit_sha="a", body="one", comments=[])
    with pytest.raises(GitHubUnavailable):
        github.create_review("course/alice", 3, 7, commit_sha="a", body="two", comments=[])
    with pytest.raises(GitHubRejected):
        github.create_status("course/alice", 3, "a", state="success", description="d", context="c")
    github.create_status("course/alice", 3, "a", state="success", description="d", context="c")
    assert [r.body for r in github.reviews_for("course/alice", 7)] == ["one", "two"]
    assert len(github.statuses_for("course/alice", "a")) == 1
    assert github.count("create_review") == 2


def test_an_unknown_pull_request_or_method_is_refused() -> None:
    """A diff nobody added is GitHub's 404; a fault on a method the fake lacks is a test's mistake."""
    github = MemoryGitHub()
    with pytest.raises(GitHubRejected):
        github.pull_diff("course/alice", 3, 7)
    with pytest.raises(ValueError, match="no method"):
        github.fail("create_pull", GitHubRejected("x", 404))
