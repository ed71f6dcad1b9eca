"""Regrade with preview, apply, discard and revert; rerun platform failures; flaky hidden tests.

End to end over the job harness (``jobs_support``): pushes graded and published to
MemoryGitHub, then a regrade graded by the same jobs a worker runs, and published by them.
Each test runs on the in-memory stores and on SQLite (the gradebook picks the counted
submission there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from jobs_support import DIFF, PULL, JobHarness, golden_report, install, make_harness
from service_support import postgres_database

from grader.errors import InputError
from grader.report.model import Report
from grader.service import jobs
from grader.service.classroom import regrades as views
from grader.service.courses import Course, Courses
from grader.service.github import feedback
from grader.service.github.fake import WRITES
from grader.service.jobs import regrades
from grader.service.store import (
    MemoryStore,
    Result,
    SqlCourseStore,
    SqlStore,
    Submission,
    regrade_of,
)
from grader.service.store.batches_memory import MemoryBatchStore
from grader.service.store.batches_sql import SqlBatchStore

STUDENTS = ("alice", "bob", "carol")
HIDDEN = "test_laziness.py::test_parse_records_lazy_returns_iterator_without_reading"
STABLE = "test_laziness.py::test_parse_records_lazy_on_endless_input"


def variant(score: float, hidden_outcome: str = "passed", *, tool_error: bool = False) -> Report:
    """The golden report with its first two correctness tests hidden (the first with
    ``hidden_outcome``), the total at ``score``; ``tool_error``: the lint tool failed."""
    data: dict[str, Any] = json.loads(golden_report(1).model_dump_json(by_alias=True))
    data["score"] = score
    for criterion in data["criteria"]:
        if criterion["id"] == "correctness":
            tests = criterion["tests"]
            tests[0] = {**tests[0], "hidden": True, "outcome": hidden_outcome}
            tests[1] = {**tests[1], "hidden": True}
        if criterion["id"] == "style" and tool_error:
            criterion["status"] = "tool_error"
    return Report.model_validate(data)


@dataclass
class Class:
    """A class of three, each with a pull request of their own, over one harness."""

    harness: JobHarness
    course: str
    queued: list[str] = field(default_factory=list)
    """What the jobs handed the workers, in order."""

    @property
    def services(self) -> jobs.Services:
        return self.harness.services

    @property
    def github(self) -> Any:
        return self.harness.github

    def push(self, login: str, sha: str | None = None, report: Report | None = None) -> str:
        """A push by ``login``, announced, graded (with ``report``) and published."""
        repository = f"course/{login}"
        self.github.add_pull(repository, PULL, DIFF)
        sub_id = self.harness.submit(
            sha or login[0] * 40,
            repository=repository,
            head_repository=repository,
            author_login=login,
        )
        self.harness.report = report or variant(50)
        self.work(sub_id)
        return sub_id

    def saved(self, login: str, report: Report) -> str:
        """A push by ``login`` with ``report`` saved as its result, as a worker that ran out
        of retries on a tool error does (not published)."""
        repository = f"course/{login}"
        self.github.add_pull(repository, PULL, DIFF)
        sub_id = self.harness.submit(
            login[0] * 40, repository=repository, head_repository=repository, author_login=login
        )
        result = Result(
            submission_id=sub_id,
            score=report.score,
            max_score=report.max_score,
            status=report.status,
            report=report.model_dump(mode="json", by_alias=True),
            rubric_sha256="r" * 64,
            image_digest=None,
            durations={},
            duration=1.0,
        )
        assert self.harness.store.save_result(sub_id, result)
        return sub_id

    def work(self, sub_id: str) -> str:
        """What a worker does with a submission handed to it."""
        jobs.announce(self.services, sub_id)
        return jobs.grade(self.services, sub_id)

    def work_queued(self, report: Report) -> None:
        """Grade everything queued so far with ``report``."""
        self.harness.report = report
        for sub_id in self.queued:
            self.work(sub_id)
        self.queued.clear()

    def writes(self) -> int:
        return sum(self.github.count(method) for method in WRITES)

    def sub(self, sub_id: str) -> Submission:
        found = self.harness.store.get(sub_id)
        assert found is not None
        return found

    def counted(self) -> set[str]:
        route = self.services.courses.get("week01-generators")
        assert route is not None
        return {sub.id for sub in regrades.counted_submissions(self.services, route)}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def klass(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Class]:
    harness = install(make_harness(tmp_path), monkeypatch)
    route = harness.services.courses.routes[0]
    if request.param == "memory":
        assert isinstance(harness.store, MemoryStore)
        harness.services.batches = MemoryBatchStore(harness.store)
        yield Class(harness, route.course)
        return
    with _database(request.param, tmp_path) as url:
        store = SqlStore(url)
        store.migrate()
        course = Course(id=route.course, title="Course", assignments=(route.assignment,))
        courses = Courses(harness.services.courses.path, (route,), (course,))
        services = replace(
            harness.services,
            store=store,
            courses=courses,
            course_store=SqlCourseStore.beside(store),
            batches=SqlBatchStore(store.engine, store.clock),
        )
        harness.store, harness.services = store, services  # type: ignore[assignment]
        yield Class(harness, route.course)
        store.dispose()


def _database(kind: str, tmp_path: Path) -> Any:
    if kind == "postgresql":
        return postgres_database()
    from contextlib import nullcontext

    return nullcontext(f"sqlite:///{tmp_path / 'grader.db'}")


def _start(klass: Class, *, preview: bool = True) -> str:
    batch = regrades.start_regrade(
        klass.services,
        klass.course,
        "week01-generators",
        "prof",
        enqueue=klass.queued.append,
        preview=preview,
    )
    return batch.id


def _publish(klass: Class) -> Any:
    """``publish`` as the workers do it: the grade job of a finished submission publishes."""
    return klass.work


def test_a_preview_grades_each_counted_submission_and_publishes_nothing(klass: Class) -> None:
    """Each student's counted submission is graded again, held: GitHub sees no write, the
    gradebook still counts the originals, and the preview shows the deltas and changed tests."""
    originals = {login: klass.push(login) for login in STUDENTS}
    before = klass.writes()
    batch_id = _start(klass)
    assert len(klass.queued) == 3
    klass.work_queued(variant(60, "failed"))
    assert klass.writes() == before
    assert klass.counted() == set(originals.values())
    view = regrades.show(klass.services, batch_id)
    assert (view.preview.graded, view.preview.pending, view.preview.failed) == (3, 0, 0)
    assert [line.student for line in view.preview.lines] == list(STUDENTS)
    line = view.preview.lines[0]
    assert (line.old, line.new, line.delta) == (50, 60, 10)
    assert line.original is not None and line.original.id == originals["alice"]
    assert [(c.name, c.hidden, c.before, c.after) for c in line.changes] == [
        (HIDDEN, True, "passed", "failed")
    ]


def test_apply_edits_the_original_posts_once(klass: Class) -> None:
    """Applying edits each original's check run, sets its status again and puts the new
    report in one marked comment: no new check run, no new review; applying twice posts
    nothing more."""
    originals = {login: klass.push(login) for login in STUDENTS}
    reviews = len(klass.github.reviews)
    batch_id = _start(klass)
    klass.work_queued(variant(60, "failed"))
    assert regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass)) == 3
    for login, original in originals.items():
        _shows_the_regrade(klass, login, original)
    assert len(klass.github.reviews) == reviews
    members = {sub.id for sub in klass.services.batches.members(batch_id)}  # type: ignore[union-attr]
    assert klass.counted() == members
    writes = klass.writes()
    assert regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass)) == 3
    assert klass.writes() == writes


def _shows_the_regrade(klass: Class, login: str, original: str) -> None:
    """The original's one check run and one marked comment show the regrade, and the
    commit's newest status is the regrade's."""
    [run] = klass.github.check_runs_for(f"course/{login}", login[0] * 40)
    assert run.id == klass.sub(original).check_run_id
    assert run.output["title"].startswith("60 / 100")
    assert "Regraded" in run.output["summary"]
    [comment] = klass.github.comments_for(f"course/{login}", PULL)
    assert comment.body.startswith(feedback.marker(original))
    newest = klass.github.statuses_for(f"course/{login}", login[0] * 40)[-1]
    assert newest.description == feedback.status_description(variant(60, "failed"))


def test_revert_brings_the_earlier_result_back_on_the_same_posts(klass: Class) -> None:
    """Reverting counts the originals again and edits the same check run and comment back;
    reverting twice posts nothing more."""
    originals = {login: klass.push(login) for login in STUDENTS}
    batch_id = _start(klass)
    klass.work_queued(variant(60, "failed"))
    regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass))
    runs = len(klass.github.check_runs)
    assert regrades.revert(klass.services, batch_id, "prof", publish=_publish(klass)) == 3
    assert klass.counted() == set(originals.values())
    assert len(klass.github.check_runs) == runs
    [run] = klass.github.check_runs_for("course/alice", "a" * 40)
    assert run.output["title"].startswith("50 / 100")
    assert "taken back" in run.output["summary"]
    [comment] = klass.github.comments_for("course/alice", PULL)
    assert comment.edits == 1 and "taken back" in comment.body
    status = klass.github.statuses_for("course/alice", "a" * 40)[-1]
    assert status.target_url is not None  # links to the submission that counts again
    assert status.target_url.endswith(f"/console/submissions/{originals['alice']}")
    writes = klass.writes()
    assert regrades.revert(klass.services, batch_id, "prof", publish=_publish(klass)) == 3
    assert klass.writes() == writes
    with pytest.raises(InputError, match="reverted"):
        regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass))


def test_discard_publishes_nothing_and_keeps_the_originals(klass: Class) -> None:
    """A discarded preview is never published, even when a worker finishes it afterwards."""
    originals = {login: klass.push(login) for login in STUDENTS}
    before = klass.writes()
    batch_id = _start(klass)
    pending = list(klass.queued)
    klass.work(pending[0])
    assert regrades.discard(klass.services, batch_id, "prof")
    assert not regrades.discard(klass.services, batch_id, "prof")
    for sub_id in pending:
        klass.work(sub_id)
        assert klass.sub(sub_id).status == "discarded"
    assert klass.writes() == before
    assert klass.counted() == set(originals.values())
    with pytest.raises(InputError, match="discarded"):
        regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass))


def test_apply_waits_for_every_regrade_and_one_preview_at_a_time(klass: Class) -> None:
    """A batch still grading is not applied, and a second regrade waits for the first."""
    klass.push("alice")
    batch_id = _start(klass)
    with pytest.raises(InputError, match="1 of 1 submissions are still grading"):
        regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass))
    with pytest.raises(InputError, match="waits for a decision"):
        _start(klass)
    with pytest.raises(InputError, match="no batch"):
        regrades.apply(klass.services, "nope", "prof", publish=_publish(klass))


def test_a_batch_regraded_again_is_reverted_after_the_later_one(klass: Class) -> None:
    """Regrades chain: the second regrade edits the first push's posts too, and the first
    batch cannot be reverted under it."""
    original = klass.push("alice")
    first = _start(klass)
    klass.work_queued(variant(60))
    regrades.apply(klass.services, first, "prof", publish=_publish(klass))
    second = _start(klass)
    klass.work_queued(variant(70))
    regrades.apply(klass.services, second, "prof", publish=_publish(klass))
    [run] = klass.github.check_runs_for("course/alice", "a" * 40)
    assert run.id == klass.sub(original).check_run_id and run.output["title"].startswith("70")
    assert len(klass.github.comments_for("course/alice", PULL)) == 1
    with pytest.raises(InputError, match=f"regraded again by batch {second}"):
        regrades.revert(klass.services, first, "prof", publish=_publish(klass))
    regrades.revert(klass.services, second, "prof", publish=_publish(klass))
    assert run.output["title"].startswith("60")
    regrades.revert(klass.services, first, "prof", publish=_publish(klass))
    assert run.output["title"].startswith("50") and klass.counted() == {original}


def test_a_regrade_without_preview_publishes_as_it_grades(klass: Class) -> None:
    """``preview=False``: the regrades count and publish when graded, and can be reverted."""
    klass.push("alice")
    batch_id = _start(klass, preview=False)
    klass.work_queued(variant(80))
    [run] = klass.github.check_runs_for("course/alice", "a" * 40)
    assert run.output["title"].startswith("80")
    assert regrades.revert(klass.services, batch_id, "prof", publish=_publish(klass)) == 1
    assert run.output["title"].startswith("50")


def test_rerun_picks_only_what_the_platform_failed(klass: Class) -> None:
    """Failed submissions and tool errors are graded again (unheld, published over their
    originals); good results, and a rerun still grading, are not."""
    klass.push("alice")
    klass.saved("bob", variant(40, tool_error=True))
    carol = klass.harness.submit(
        "c" * 40, repository="course/carol", head_repository="course/carol", author_login="carol"
    )
    klass.github.add_pull("course/carol", PULL, DIFF)
    jobs.announce(klass.services, carol)
    jobs.give_up(klass.services, carol, "the sandbox could not start")
    batch = regrades.rerun_failed(
        klass.services, klass.course, "week01-generators", "prof", enqueue=klass.queued.append
    )
    assert batch is not None and batch.kind == "rerun"
    replaced = {klass.sub(sub_id).replaces for sub_id in klass.queued}
    assert {klass.sub(sid).author_login for sid in replaced if sid} == {"bob", "carol"}
    again = regrades.rerun_failed(
        klass.services, klass.course, "week01-generators", "prof", enqueue=klass.queued.append
    )
    assert again is None
    klass.work_queued(variant(90))
    [run] = klass.github.check_runs_for("course/carol", "c" * 40)
    assert run.output["title"].startswith("90") and run.conclusion == "failure"
    assert (
        regrades.rerun_failed(
            klass.services, klass.course, "week01-generators", "prof", enqueue=klass.queued.append
        )
        is None
    )


def test_a_hidden_test_differing_on_identical_code_is_flagged(klass: Class) -> None:
    """Two gradings of one commit against one rubric that disagree on a hidden test flag it;
    the hidden test that agreed is not, nor a change across rubrics."""
    original = klass.push("alice", report=variant(50, "passed"))
    klass.push("bob", report=variant(50, "passed"))
    sub = klass.sub(original)
    again = klass.harness.store.add_submission(regrade_of(sub, sub.rubric_sha256)).id
    klass.harness.report = variant(40, "failed")
    klass.work(again)
    _start(klass)  # a changed rubric: not identical gradings
    klass.work_queued(variant(40, "error"))
    [test] = regrades.flaky(klass.services, klass.course, "week01-generators")
    assert (test.name, test.gradings, test.commits) == (HIDDEN, 2, 1)
    assert test.outcomes == ("failed", "passed") and set(test.examples) == {original, again}


def test_refusals_name_what_is_wrong(klass: Class) -> None:
    """An unknown assignment or course, and a rerun batch decided on, are refused clearly."""
    with pytest.raises(InputError, match="not an assignment of course"):
        regrades.start_regrade(klass.services, "nope", "week01-generators", "p", enqueue=print)
    klass.saved("bob", variant(40, tool_error=True))
    batch = regrades.rerun_failed(
        klass.services, klass.course, "week01-generators", "prof", enqueue=klass.queued.append
    )
    assert batch is not None
    with pytest.raises(InputError, match="only a regrade"):
        regrades.discard(klass.services, batch.id, "prof")


def test_every_decision_is_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """start, apply and revert each leave one audit entry naming the batch."""
    harness = install(make_harness(tmp_path), monkeypatch)
    assert isinstance(harness.store, MemoryStore)
    store = MemoryBatchStore(harness.store)
    harness.services.batches = store
    klass = Class(harness, harness.services.courses.routes[0].course)
    klass.push("alice")
    batch_id = _start(klass)
    klass.work_queued(variant(60))
    regrades.apply(klass.services, batch_id, "prof", publish=_publish(klass))
    regrades.revert(klass.services, batch_id, "ta", publish=_publish(klass))
    assert [(e.action, e.actor, e.after) for e in store.audit_log] == [
        ("regrade.start", "prof", "grading, preview"),
        ("regrade.apply", "prof", "applied: 1 submission"),
        ("regrade.revert", "ta", "reverted: 1 submission"),
    ]
    assert {e.target for e in store.audit_log} == {f"week01-generators/batch:{batch_id}"}


def test_changed_tests_lists_added_removed_and_flipped_tests() -> None:
    """The comparison of two reports names each test whose outcome differs, and no other."""
    before = {"criteria": [{"id": "t", "tests": [
        {"name": "a", "outcome": "passed"}, {"name": "b", "outcome": "failed", "hidden": True},
        {"name": "gone", "outcome": "passed"},
    ]}]}  # fmt: skip
    after = {"criteria": [{"id": "t", "tests": [
        {"name": "a", "outcome": "passed"}, {"name": "b", "outcome": "passed", "hidden": True},
        {"name": "new", "outcome": "error"}, "garbage",
    ]}, "garbage"]}  # fmt: skip
    assert views.changed_tests(before, after) == (
        views.TestChange("t", "b", True, "failed", "passed"),
        views.TestChange("t", "gone", False, "passed", None),
        views.TestChange("t", "new", False, None, "error"),
    )
