"""The gradebook kept between views: reused while nothing changed, rebuilt after any change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.service.classroom import gradebook as gradebook_module
from grader.service.classroom.cache import GradebookCache
from grader.service.classroom.demo import demo_courses_yaml
from grader.service.courses import load_courses
from grader.service.store import SqlCourseStore, SqlStore
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course import Extension, Student

ROOT = Path(__file__).resolve().parent.parent
COURSE = "python-de-2026"


def _push(login: str, score: float, at: datetime) -> FinishedPush:
    return FinishedPush(
        repository=f"{COURSE}/w1-{login}", pull_number=1, head_sha=f"{hash((login, at)) & 0xFFFF:040x}",
        assignment="week01-generators", rubric_path="rubric.yaml", rubric_sha256="r" * 64,
        author_login=login, author_id=None, submitted_at=at, status="graded", score=score,
        raw_score=score, max_score=100.0, report={"criteria": []},
    )  # fmt: skip


def test_a_gradebook_is_reused_until_a_submission_or_an_audited_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    courses = load_courses(
        demo_courses_yaml(tmp_path / "courses.yaml", ROOT / "rubrics", owner="prof", tas=())
    )
    store = SqlStore(f"sqlite:///{tmp_path / 'grader.db'}")
    store.migrate()
    course_store = SqlCourseStore(store.engine)
    course_store.upsert_students(
        COURSE, [Student(COURSE, "s1", "alice", None, "s1", "Alice", None)], actor="t"
    )
    route = courses.get("week01-generators")
    assert route is not None and route.due is not None
    insert_finished(store.engine, [_push("alice", 80, route.due - timedelta(hours=1))])
    builds: list[str] = []
    real = gradebook_module.build_gradebook
    monkeypatch.setattr(
        "grader.service.classroom.cache.build_gradebook",
        lambda *args: builds.append("built") or real(*args),
    )
    cache = GradebookCache()
    first = cache.get(courses, COURSE, course_store)
    assert cache.get(courses, COURSE, course_store) is first and len(builds) == 1

    late = route.due + timedelta(days=1, hours=1)
    insert_finished(store.engine, [_push("alice", 90, late)])  # a new push: rebuilt
    second = cache.get(courses, COURSE, course_store)
    assert len(builds) == 2 and second is not first

    before = second.cells[("week01-generators", "s1")].final
    course_store.set_extension(  # audited: rebuilt, and the extension is in it
        Extension(COURSE, "week01-generators", "s1", late + timedelta(days=1), "flu", "prof",
                  datetime.now(UTC))
    )  # fmt: skip
    third = cache.get(courses, COURSE, course_store)
    assert len(builds) == 3
    assert third.cells[("week01-generators", "s1")].final != before
    assert cache.get(courses, COURSE, course_store) is third
    store.dispose()
