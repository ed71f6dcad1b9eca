"""The jobs over the shipped fakes: announce, grade and publish, each post once, whatever fails in between."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobs_support import DIFF, HEAD, PULL, REPOSITORY, JobHarness, install, make_harness, tarball

from grader.errors import GitHubRejected, GitHubUnavailable, LeaseHeld
from grader.service import jobs
from grader.service.github import feedback
from grader.service.github.fake import CheckRun


def _run(harness: JobHarness, sha: str = HEAD) -> CheckRun:
    [run] = harness.github.check_runs_for(REPOSITORY, sha)
    return run


def test_announce_creates_one_queued_check_run(harness: JobHarness) -> None:
    """Announce shows a queued check run, named after the assignment, once however often it runs."""
    sub_id = harness.submit()
    assert jobs.announce(harness.services, sub_id)
    assert jobs.announce(harness.services, sub_id)
    run = _run(harness)
    assert (run.status, run.name) == ("queued", "grader / week01-generators")
    assert run.fields["external_id"] == sub_id
    assert run.fields["details_url"] == f"https://grader.example/console/submissions/{sub_id}"
    sub = harness.store.get(sub_id)
    assert sub is not None and sub.check_run_id == run.id


def test_a_pull_request_outside_the_assignments_paths_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request changing none of the assignment's paths is closed "ignored" with no check run."""
    harness = install(make_harness(tmp_path, paths=("week02/*",)), monkeypatch)
    sub_id = harness.submit(paths=["week02/*"])
    assert not jobs.announce(harness.services, sub_id)
    sub = harness.store.get(sub_id)
    assert sub is not None and sub.status == "ignored"
    assert sub.reason == "no changed path matches week02/*"
    assert harness.github.check_runs == {} and harness.graded == []


def test_grade_claims_grades_saves_and_publishes(harness: JobHarness) -> None:
    """Grade fetches the head commit, saves the report, and posts the check run, the status and a review."""
    sub_id = harness.submit()
    jobs.announce(harness.services, sub_id)
    assert jobs.grade(harness.services, sub_id) == "graded"
    assert harness.graded == [{"week01/records.py": b"print('hi')\n"}]
    result = harness.store.result(sub_id)
    assert result is not None and result.score == harness.report.score
    run = _run(harness)
    assert run.conclusion == feedback.conclusion(harness.report)
    assert run.output["title"] == feedback.title(harness.report)
    expected = feedback.annotations_for(harness.report, "week01", 500)
    assert len(expected) == 74 and run.annotations == expected
    assert [len(u["output"]["annotations"]) for u in run.updates[1:]] == [50, 24]
    [status] = harness.github.statuses_for(REPOSITORY, HEAD)
    assert status.state == feedback.status_state(harness.report)
    assert status.context == "grader / week01-generators"
    assert status.target_url == f"https://grader.example/console/submissions/{sub_id}"
    [review] = harness.github.reviews_for(REPOSITORY, PULL)
    assert review.commit_sha == HEAD and feedback.marker(sub_id) in review.body
    assert review.comments, "findings on lines of the diff go inline"
    assert harness.github.comments == {}


def test_a_second_run_publishes_nothing_new(harness: JobHarness) -> None:
    """A redelivered grade job finds everything posted and makes no GitHub call at all."""
    sub_id = harness.submit()
    jobs.grade(harness.services, sub_id)
    calls = list(harness.github.calls)
    assert jobs.grade(harness.services, sub_id) == "graded"
    assert harness.github.calls == calls
    assert len(harness.graded) == 1


def test_an_ambiguous_review_falls_back_to_one_edited_comment(harness: JobHarness) -> None:
    """A review that may have been created is never resent: a marked comment carries the report,
    and the run after a half-done comment edits it rather than posting a second."""
    sub_id = harness.submit()
    harness.github.fail("create_review", GitHubUnavailable("502", ambiguous=True), after=True)
    harness.github.fail("upsert_comment", GitHubUnavailable("timeout", ambiguous=True), after=True)
    with pytest.raises(GitHubUnavailable, match="timeout"):
        jobs.grade(harness.services, sub_id)
    assert jobs.grade(harness.services, sub_id) == "graded"
    assert harness.github.count("create_review") == 1
    assert len(harness.github.reviews_for(REPOSITORY, PULL)) == 1  # the ghost of the first try
    [comment] = harness.github.comments_for(REPOSITORY, PULL)
    assert comment.edits == 1 and feedback.marker(sub_id) in comment.body
    jobs.grade(harness.services, sub_id)
    assert harness.github.count("upsert_comment") == 2


def test_a_review_not_created_is_sent_again(harness: JobHarness) -> None:
    """A review whose request surely made nothing (not ambiguous) is retried later as a review."""
    sub_id = harness.submit()
    harness.github.fail("create_review", GitHubUnavailable("502"))
    with pytest.raises(GitHubUnavailable):
        jobs.grade(harness.services, sub_id)
    jobs.grade(harness.services, sub_id)
    assert len(harness.github.reviews_for(REPOSITORY, PULL)) == 1
    assert harness.github.comments == {}
    assert len(harness.github.statuses_for(REPOSITORY, HEAD)) == 1


def test_a_review_whose_inline_comments_are_refused_goes_without_them(harness: JobHarness) -> None:
    """GitHub refusing the review (a comment off the diff) gets the same review with the findings in its body."""
    sub_id = harness.submit()
    harness.github.fail("create_review", GitHubRejected("422 line must be part of the diff", 422))
    assert jobs.grade(harness.services, sub_id) == "graded"
    [review] = harness.github.reviews_for(REPOSITORY, PULL)
    assert review.comments == ()
    assert harness.github.count("create_review") == 2


def test_a_superseded_submissions_check_run_is_skipped(harness: JobHarness) -> None:
    """A push superseded before it was graded has its check run closed "skipped", never graded."""
    old = harness.submit()
    jobs.announce(harness.services, old)
    harness.submit("c" * 40)
    assert jobs.grade(harness.services, old) == "superseded"
    run = _run(harness)
    assert (run.status, run.conclusion) == ("completed", "skipped")
    assert run.output["title"] == "Superseded"
    assert harness.graded == [] and harness.github.statuses == []


def test_a_push_during_grading_cancels_the_check_run(harness: JobHarness) -> None:
    """A push superseding the submission while it is graded: no result is saved, the run is cancelled."""
    old = harness.submit()

    def push() -> None:
        harness.submit("c" * 40)

    harness.while_grading = push
    assert jobs.grade(harness.services, old) == "superseded"
    assert harness.store.result(old) is None
    run = _run(harness)
    assert run.conclusion == "cancelled"
    assert harness.github.reviews == [] and harness.github.statuses == []


def test_a_held_lease_raises_lease_held(harness: JobHarness) -> None:
    """Another worker's unexpired claim is waited out: LeaseHeld with about the time it has left."""
    sub_id = harness.submit()
    assert harness.store.claim(sub_id, "other-worker", harness.services.lease) is None
    with pytest.raises(LeaseHeld) as raised:
        jobs.grade(harness.services, sub_id)
    assert 3500 < (raised.value.retry_after or 0) <= 3600
    assert harness.graded == [] and harness.github.check_runs == {}


def test_a_rejected_archive_fails_the_check_run_naming_the_entry(harness: JobHarness) -> None:
    """An archive with a path out of its folder is rejected, its entry named, and never graded."""
    sub_id = harness.submit()
    url = harness.github.tarball_url(REPOSITORY, HEAD)
    harness.tarballs[url] = tarball({"../escape.py": b"x = 1\n"}, top="")
    assert jobs.grade(harness.services, sub_id) == "rejected"
    sub = harness.store.get(sub_id)
    assert sub is not None and sub.reason is not None and "../escape.py" in sub.reason
    run = _run(harness)
    assert run.conclusion == "failure" and "../escape.py" in run.output["summary"]
    [status] = harness.github.statuses_for(REPOSITORY, HEAD)
    assert status.state == "failure"
    assert harness.graded == [] and harness.store.result(sub_id) is None


def test_a_forks_unreadable_tarball_is_taken_from_the_base_repository(harness: JobHarness) -> None:
    """A private fork the installation cannot read: the commit is downloaded from the base repository."""
    sub_id = harness.submit(head_repository="alice/fork")
    harness.tarballs.pop(harness.github.tarball_url("alice/fork", HEAD))
    harness.tarballs[harness.github.tarball_url(REPOSITORY, HEAD)] = tarball(
        {"week01/records.py": b"print('hi')\n"}
    )
    assert jobs.grade(harness.services, sub_id) == "graded"


def test_the_diff_fixture_adds_the_graded_file() -> None:
    """The harness's pull request adds week01/records.py (findings there can go inline)."""
    assert feedback.parse_diff(DIFF).paths == ["week01/records.py"]


def test_the_authors_extension_is_the_due_date_grading_uses(
    harness: JobHarness, tmp_path: Path
) -> None:
    """An extension granted to the pull request's author moves the late policy's due date for
    their push (the gradebook uses the same date); another author keeps the rubric's."""
    from datetime import timedelta

    from grader.service.store import SqlCourseStore, SqlStore
    from grader.service.store.course import Extension, Student

    sql = SqlStore(f"sqlite:///{tmp_path / 'console.db'}")
    sql.migrate()
    course_store = SqlCourseStore(sql.engine)
    harness.services.course_store = course_store
    route = harness.services.courses.routes[0]
    assert route.due is not None
    course_store.upsert_students(
        route.course,
        [Student(route.course, "s1", "alice", 1, "s1", "Alice", None)],
        actor="test",
    )
    extended = route.due + timedelta(days=4)
    course_store.set_extension(
        Extension(route.course, route.id, "s1", extended, "illness", "prof", route.due)
    )
    late = route.due + timedelta(days=2)
    jobs.grade(harness.services, harness.submit(author_login="alice", submitted_at=late))
    jobs.grade(harness.services, harness.submit("b" * 40, author_login="bob", submitted_at=late))
    assert [options.due for options in harness.options] == [extended, route.due]
    sql.dispose()


def test_staff_keep_the_hidden_tests_and_the_pull_request_gets_the_students_view(
    harness: JobHarness,
) -> None:
    """The job grades with the hidden tests shown and saves that report (for the console's
    staff); the review and the check run carry only what the student may read."""
    from grader.report.model import TestResult

    secret = TestResult(
        name="tests/test_secret.py::test_edge_case_nobody_guesses",
        outcome="failed",
        message="assert parse('') == [42]",
        hidden=True,
        visibility="hidden",
    )
    named = TestResult(
        name="tests/test_named.py::test_named_one",
        outcome="failed",
        message="assert total == 1234567\n  where total = 7",
        visibility="names",
    )
    criteria = [
        c.model_copy(update={"tests": (secret, named)}) if c.kind == "tests" else c
        for c in harness.report.criteria
    ]
    harness.report = harness.report.model_copy(update={"criteria": tuple(criteria)})
    sub_id = harness.submit()
    assert jobs.grade(harness.services, sub_id) == "graded"
    assert harness.options[-1].show_hidden
    saved = harness.store.result(sub_id)
    assert saved is not None and "test_edge_case_nobody_guesses" in str(saved.report)
    [review] = harness.github.reviews_for(REPOSITORY, PULL)
    published = review.body + str(_run(harness).output)
    assert "test_edge_case_nobody_guesses" not in published and "[42]" not in published
    assert "hidden test 1" in published
    assert "test_named_one" in published and "1234567" not in published
