"""The gradebook kept between views: the same object while nothing changed; after a push, a
regrade, a status change, an extension, an override or a roster import, the gradebook a full
build gives, having recomputed only the students who changed."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from service_support import postgres_database

from grader.service.classroom import demo
from grader.service.classroom.cache import GradebookCache
from grader.service.classroom.gradebook import Gradebook, LineMaker, build_gradebook
from grader.service.courses import Courses, load_courses
from grader.service.store import ACTIVE, NewSubmission, Result, SqlCourseStore, SqlStore
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course import Extension, Override, Student, SubmissionChanges

ROOT = Path(__file__).resolve().parent.parent
COURSE = "c1"
WEEKS = {"week01-generators": "last_on_time", "week02-decorators": "best", "week03-file-pipeline": "last"}  # fmt: skip


def courses_yaml(path: Path) -> Path:
    """Three weekly rubrics, one per way of counting, and a budget of two late days."""
    lines = [
        "courses:",
        f"  - id: {COURSE}",
        "    title: C1",
        "    late_days: 2",
        "    assignments:",
    ]
    for week, counts in WEEKS.items():
        lines += [
            f"      - id: {week}",
            f"        rubric: {ROOT / 'rubrics' / week / 'rubric.yaml'}",
            f"        counts: {counts}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Course:
    """A seeded course in a SQLite file, its stores, and a cache over them."""

    courses: Courses
    store: SqlStore
    course_store: SqlCourseStore
    cache: GradebookCache

    def view(self) -> Gradebook:
        return self.cache.get(self.courses, COURSE, self.course_store)

    def full(self) -> Gradebook:
        return build_gradebook(self.courses, COURSE, self.course_store)

    def due(self, assignment: str) -> datetime:
        route = self.courses.get(assignment)
        assert route is not None and route.due is not None
        return route.due

    def push(
        self, login: str, assignment: str, at: datetime, *, sha: str = "", pull: int = 1
    ) -> str:
        """A push stored the way the webhook stores one (superseding what it supersedes)."""
        return self.store.add_submission(
            NewSubmission(
                repository=f"org/{assignment}-{login}", pull_number=pull,
                head_sha=sha or f"{random.getrandbits(160):040x}", head_repository=f"{login}/fork",
                head_ref="main", base_sha=None, installation_id=None, assignment=assignment,
                rubric_path="rubric.yaml", rubric_sha256="r" * 64, submitted_at=at,
                author_login=login,
            )
        ).id  # fmt: skip

    def grade(self, submission_id: str, raw: float) -> None:
        """A worker's claim and result (nothing when the submission is no longer active)."""
        self.store.claim(submission_id, "worker", timedelta(minutes=5))
        self.store.save_result(
            submission_id,
            Result(submission_id, raw, 100.0, "graded", {"criteria": []}, "r" * 64, None, {}, 1.0,
                   raw_score=raw),
        )  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'grader.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def course(tmp_path: Path, database: str) -> Iterator[Course]:
    """Six students with two pushes to each assignment (history loaded in bulk, dated around
    the rubrics' due dates, far from now), and two logins on no roster."""
    courses = load_courses(courses_yaml(tmp_path / "courses.yaml"))
    store = SqlStore(database)
    store.migrate()
    course_store = SqlCourseStore.beside(store)
    demo.seed(courses, COURSE, store.engine, course_store, students=6, per_assignment=2)
    yield Course(courses, store, course_store, GradebookCache())
    store.dispose()


def counting_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the students whose lines get computed from now on."""
    computed: list[str] = []
    real = LineMaker.line

    def line(self: LineMaker, student: Student, *args: Any) -> Any:
        computed.append(student.key)
        return real(self, student, *args)

    monkeypatch.setattr(LineMaker, "line", line)
    return computed


def test_the_same_gradebook_while_nothing_changes_and_one_student_recomputed_after_a_push(
    course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = course.view()
    assert first == course.full()
    computed = counting_lines(monkeypatch)
    assert course.view() is first and computed == []

    student = first.students[2]
    assert student.login is not None
    week = "week02-decorators"
    course.grade(course.push(student.login, week, course.due(week) - timedelta(hours=1)), 99.0)
    second = course.view()
    assert second is not first and computed == [student.key]
    assert second == course.full()
    assert second.cells[(week, student.key)].raw == 99.0
    assert first.cells[(week, student.key)].raw != 99.0  # the gradebook handed out is untouched
    assert course.view() is second


def test_the_cache_agrees_with_a_full_build_after_any_sequence_of_changes(
    course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pushes (graded, queued, superseded, late, by unmatched logins), regrades, submissions
    failing, extensions and overrides set and removed, roster imports and matches, in a
    random order: after each, the kept gradebook equals the one built from scratch."""
    rng = random.Random(13)  # noqa: S311 -- reproducible test data
    random.seed(13)  # the pushes' commit hashes
    changes = Changes(course, rng)
    assert course.view() == course.full()
    computed = counting_lines(monkeypatch)
    for step in range(60):
        done = changes.any()
        computed.clear()
        kept = course.view()
        recomputed = list(computed)
        assert kept == course.full(), f"step {step}: {done}"
        assert len(recomputed) <= 2, f"step {step}: {done} recomputed {recomputed}"
    assert changes.done >= set(Changes.KINDS)


@dataclass
class Changes:
    """Random changes to a seeded course, of every kind a gradebook reads."""

    course: Course
    rng: random.Random
    KINDS = ("push", "queued", "regrade", "failed", "extension", "override", "roster")

    def __post_init__(self) -> None:
        self.done: set[str] = set()

    def any(self) -> str:
        kind = self.rng.choice(self.KINDS)
        getattr(self, kind)()
        self.done.add(kind)
        return kind

    def _login(self) -> str:
        logins = [s.login for s in self.course.course_store.students(COURSE) if s.login]
        return self.rng.choice([*logins, "octo-cat", "newcomer"])

    def _week(self) -> str:
        return self.rng.choice(list(WEEKS))

    def _at(self, week: str) -> datetime:
        return self.course.due(week) + timedelta(hours=self.rng.uniform(-48, 80))

    def push(self) -> None:
        week = self._week()
        submission = self.course.push(self._login(), week, self._at(week))
        self.course.grade(submission, round(self.rng.uniform(20, 100), 1))

    def queued(self) -> None:
        week = self._week()
        self.course.push(self._login(), week, self._at(week), pull=self.rng.randint(1, 2))

    def _rows(self, statuses: tuple[str, ...]) -> list[Any]:
        rows = self.course.course_store.course_submissions(list(WEEKS))
        return [row for row in rows if row.status in statuses and row.author_login]

    def regrade(self) -> None:
        graded = self._rows(("graded",))
        row = self.rng.choice(graded)
        again = self.course.store.add_submission(
            NewSubmission(
                repository=row.repository, pull_number=row.pull_number, head_sha=row.head_sha,
                head_repository="fork", head_ref="main", base_sha=None, installation_id=None,
                assignment=row.assignment, rubric_path="rubric.yaml", rubric_sha256="r" * 64,
                regrade=True, author_login=row.author_login,
            )
        ).id  # fmt: skip
        self.course.grade(again, round(self.rng.uniform(0, 100), 1))

    def failed(self) -> None:
        active = self._rows(tuple(ACTIVE))
        if not active:
            self.queued()
            active = self._rows(tuple(ACTIVE))
        row = self.rng.choice(active)
        assert self.course.store.finish(row.id, "failed", reason="the platform gave up")

    def _key(self) -> str:
        return self.rng.choice([s.key for s in self.course.course_store.students(COURSE)])

    def extension(self) -> None:
        store, week, key = self.course.course_store, self._week(), self._key()
        if self.rng.random() < 0.3 and store.remove_extension(COURSE, week, key, "prof"):
            return
        due = self.course.due(week) + timedelta(days=self.rng.randint(1, 3))
        store.set_extension(Extension(COURSE, week, key, due, "ill", "prof", datetime.now(UTC)))

    def override(self) -> None:
        store, week, key = self.course.course_store, self._week(), self._key()
        if self.rng.random() < 0.3 and store.remove_override(COURSE, week, key, "prof"):
            return
        score = round(self.rng.uniform(0, 100), 1)
        store.set_override(Override(COURSE, week, key, score, "by hand", "prof", datetime.now(UTC)))

    def roster(self) -> None:
        """A student joins (the login of a pseudo-student, or a new one), or is renamed."""
        store = self.course.course_store
        login = self.rng.choice(["octo-cat", "newcomer", f"late-{self.rng.randint(0, 99)}"])
        if store.student_by_login(COURSE, login) is None:
            joined = Student(COURSE, f"k-{login}", login, None, f"k-{login}", login.title(), None)
            store.upsert_students(COURSE, [joined], actor="prof")
            return
        someone = self.rng.choice(store.students(COURSE))
        renamed = dataclasses.replace(someone, name=f"Renamed {self.rng.randint(0, 99)}")
        store.upsert_students(COURSE, [renamed], actor="prof")


def test_rows_written_far_from_the_stores_clock_are_found_by_their_count(course: Course) -> None:
    """A bulk-loaded push dated days from now is outside what ``changed_since`` looks at; the
    count of rows differs, so the cache reads everything again."""
    first = course.view()
    week = "week03-file-pipeline"  # the last push counts
    student = first.students[0]
    assert student.login is not None
    insert_finished(
        course.store.engine,
        [
            FinishedPush(
                repository="org/x", pull_number=1, head_sha="c" * 40, assignment=week,
                rubric_path="rubric.yaml", rubric_sha256="r" * 64, author_login=student.login,
                author_id=None, submitted_at=course.due(week) + timedelta(days=30),
                status="graded", score=12.0, raw_score=12.0, max_score=100.0, report=None,
            )
        ],
    )  # fmt: skip
    second = course.view()
    assert second == course.full() and second.cells[(week, student.key)].raw == 12.0


def test_a_new_courses_configuration_rebuilds_everything(course: Course, tmp_path: Path) -> None:
    first = course.view()
    course.courses = load_courses(tmp_path / "courses.yaml")
    second = course.view()
    assert second is not first and second.routes == list(course.courses.course_routes(COURSE))
    assert second == course.full()


def test_a_failed_view_leaves_nothing_half_updated(course: Course) -> None:
    """The store fails while the cache merges a change: the next view builds again."""
    first = course.view()
    student = first.students[1]
    assert student.login is not None
    week = "week03-file-pipeline"
    course.grade(course.push(student.login, week, course.due(week)), 55.5)

    class Failing:
        def __getattr__(self, name: str) -> Any:
            return getattr(course.course_store, name)

        def students(self, course_id: str) -> list[Student]:
            raise RuntimeError("the database went away")

        def changed_since(self, *args: Any) -> SubmissionChanges:
            changes = course.course_store.changed_since(*args)
            return SubmissionChanges(changes.rows, changes.watermark, changes.count, -1)

    with pytest.raises(RuntimeError, match="went away"):
        course.cache.get(course.courses, COURSE, Failing())  # type: ignore[arg-type]
    assert course.view() == course.full()


def test_views_from_many_threads_at_once_agree(course: Course) -> None:
    """Pages run in a threadpool: concurrent views while pushes land never fail, and the last
    view equals a full build."""
    course.view()
    errors: list[BaseException] = []

    def view() -> None:
        try:
            for _ in range(5):
                course.view()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=view) for _ in range(6)]
    for thread in threads:
        thread.start()
    week = "week01-generators"
    for login in ("octo-cat", "mystery-coder", "newcomer"):
        course.grade(course.push(login, week, course.due(week)), 70.0)
    for thread in threads:
        thread.join()
    assert errors == []
    assert course.view() == course.full()


def test_an_unknown_course_is_a_key_error(course: Course) -> None:
    with pytest.raises(KeyError):
        course.cache.get(course.courses, "nope", course.course_store)
