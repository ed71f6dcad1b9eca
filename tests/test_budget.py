"""The feedback budget: a push over it is deferred with a neutral check run saying when
feedback returns, every report says what is left, the window slides, and the deferred push
still standing is graded once the due date passes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobs_support import ASSIGNMENT, JobHarness, install, make_harness
from support import WEEK01

from grader.checks.rubric import load_rubric
from grader.rubric.model import LatePolicy
from grader.service import jobs
from grader.service.courses import Assignment, Courses, FeedbackBudget, Route
from grader.service.jobs import budget
from grader.service.store import MemoryStore

BUDGET = FeedbackBudget(gradings=2, hours=24)


class Clock:
    """The store's clock (when a push is recorded), moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _harness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, due: datetime | None = None
) -> tuple[JobHarness, Clock]:
    made = make_harness(tmp_path)
    clock = Clock()
    made.store = MemoryStore(clock=clock)
    loaded = load_rubric(WEEK01 / "rubric.yaml")
    if due is not None:
        late = LatePolicy(due=due, penalty_per_day=10, max_days=3)
        loaded = dataclasses.replace(loaded, rubric=loaded.rubric.model_copy(update={"late": late}))
    assignment = Assignment(id=ASSIGNMENT, rubric=WEEK01 / "rubric.yaml", feedback=BUDGET)
    courses = Courses(tmp_path / "courses.yaml", (Route(assignment, loaded, "d" * 64),))
    made.services = dataclasses.replace(made.services, store=made.store, courses=courses)
    return install(made, monkeypatch), clock


def _push(made: JobHarness, number: int) -> str:
    """A push by alice, announced and graded as a worker would."""
    sha = f"{number:x}".rjust(40, "a")
    submission_id = made.submit(sha, author_login="alice")
    if jobs.announce(made.services, submission_id):
        jobs.grade(made.services, submission_id)
    return submission_id


def _summary(made: JobHarness, submission_id: str) -> str:
    sub = made.store.get(submission_id)
    assert sub is not None and sub.check_run_id is not None
    run = made.github.check_runs[sub.check_run_id]
    return str(run.output["summary"])


def test_a_push_over_the_budget_is_deferred_with_a_neutral_check_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, clock = _harness(tmp_path, monkeypatch)
    first = _push(made, 1)
    clock.now += timedelta(hours=1)
    second = _push(made, 2)
    clock.now += timedelta(hours=1)
    third = _push(made, 3)

    statuses = [made.store.get(sid).status for sid in (first, second, third)]  # type: ignore[union-attr]
    assert statuses == ["graded", "graded", "deferred"]
    assert "Feedback budget: 1 of 2 gradings left today (24 h)" in _summary(made, first)
    assert "Feedback budget: 0 of 2 gradings left" in _summary(made, second)
    sub = made.store.get(third)
    assert sub is not None and sub.check_run_id is not None
    run = made.github.check_runs[sub.check_run_id]
    assert run.conclusion == "neutral"
    returns = (made.store.get(first).created_at + timedelta(hours=24)).strftime("%H:%M UTC")  # type: ignore[union-attr]
    assert f"feedback returns at {returns}" in run.output["summary"]
    assert len(made.graded) == 2  # the deferred push was never fetched nor graded
    assert [
        "\n> Feedback budget: " in review.body
        for review in made.github.reviews_for("course/alice", 7)
    ] == [True, True]


def test_the_window_slides_a_push_after_it_is_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two gradings 24 h and more ago no longer count; one 23 h ago still does."""
    made, clock = _harness(tmp_path, monkeypatch)
    start = clock.now
    clock.now = start - timedelta(hours=25)
    _push(made, 1)
    clock.now = start - timedelta(hours=23)
    _push(made, 2)
    clock.now = start
    now_graded = _push(made, 3)
    assert made.store.get(now_graded).status == "graded"  # type: ignore[union-attr]
    over = _push(made, 4)
    assert made.store.get(over).status == "deferred"  # type: ignore[union-attr]


def test_a_newer_push_supersedes_a_deferred_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _clock = _harness(tmp_path, monkeypatch)
    _push(made, 1)
    _push(made, 2)
    deferred = _push(made, 3)
    newer = _push(made, 4)
    assert made.store.get(deferred).status == "superseded"  # type: ignore[union-attr]
    assert made.store.get(newer).status == "deferred"  # type: ignore[union-attr]


def test_the_deferred_push_standing_at_the_due_date_is_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = datetime.now(UTC) + timedelta(days=1)
    made, _clock = _harness(tmp_path, monkeypatch, due=due)
    _push(made, 1)
    _push(made, 2)
    last = _push(made, 3)
    queued: list[str] = []
    assert budget.grade_deferred(made.services, queued.append, now=due - timedelta(minutes=1)) == 0
    assert budget.grade_deferred(made.services, queued.append, now=due + timedelta(minutes=1)) == 1
    assert queued == [last]
    sub = made.store.get(last)
    assert sub is not None and (sub.status, sub.priority) == ("queued", "bulk")
    assert jobs.announce(made.services, last)  # past the due date: no budget
    assert jobs.grade(made.services, last) == "graded"
    assert budget.grade_deferred(made.services, queued.append, now=due + timedelta(hours=1)) == 0


def test_no_budget_applies_to_a_push_without_an_author_or_to_bulk_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _clock = _harness(tmp_path, monkeypatch)
    for number in range(3):
        sid = made.submit(f"{number:x}".rjust(40, "b"))  # no author
        assert jobs.announce(made.services, sid)
        jobs.grade(made.services, sid)
    for number in range(3):
        sid = made.submit(f"{number:x}".rjust(40, "c"), author_login="bob", priority="bulk")
        assert jobs.announce(made.services, sid)
        assert made.store.get(sid).status == "queued"  # type: ignore[union-attr]
    assert made.store.deferred() == []
