"""A small course for the console's tests: two courses from the real week-1..3 rubrics, a
roster of three, a handful of graded, late, queued and failed submissions on SQLite, the
FastAPI app over them, and ways in (an API token, a signed session cookie).

``py101`` (staff: owner ``prof``, TA ``ta-tim``) has ``week01`` (due 2026-12-07 23:59 UTC,
10% a day late) and ``week02``; its roster is alice (s1), bob (s2) and carol (s3), and
``dave`` submitted without being on it. ``other`` (owner ``otherprof``) has ``week03`` and
one submission by ``eve``.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import itsdangerous
from fastapi.testclient import TestClient
from support import WEEK01

from grader.console.context import ConsoleContext
from grader.console.security import SESSION_COOKIE
from grader.service.courses import load_courses
from grader.service.store import NewSubmission, Result, SqlCourseStore, SqlStore
from grader.service.store.course import Student
from grader.settings import ServiceSettings
from webhooks.app import Backend, create_app

RUBRICS = WEEK01.parent
SESSION_SECRET = "console-tests-session-secret-0123456789abcdef"
COURSE = "py101"
OTHER = "other"
DUE = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
HIDDEN_TEST = "test_generators.py::test_secret_edge_case"
VISIBLE_TEST = "test_generators.py::test_counts_words"


def courses_yaml(path: Path) -> Path:
    """Two courses over the repository's week-1..3 rubrics."""
    path.write_text(
        f"""courses:
  - id: {COURSE}
    title: Python 101 <Fall>
    staff:
      owners: [prof]
      tas: [ta-tim]
    assignments:
      - id: week01
        rubric: {RUBRICS / "week01-generators" / "rubric.yaml"}
        repositories: ["py101/*"]
      - id: week02
        rubric: {RUBRICS / "week02-decorators" / "rubric.yaml"}
        repositories: ["py101/*"]
  - id: {OTHER}
    title: Another course
    staff:
      owners: [otherprof]
    assignments:
      - id: week03
        rubric: {RUBRICS / "week03-file-pipeline" / "rubric.yaml"}
        repositories: ["other/*"]
""",
        encoding="utf-8",
    )
    return path


def report(
    score: float, raw: float, *, late_days: int = 0, max_score: float = 100
) -> dict[str, Any]:
    """A ``grader.report/v1`` document: a tests criterion with a failing hidden test and a
    failing visible one, and a lint criterion at full marks."""
    at = DUE + timedelta(days=late_days) if late_days else DUE - timedelta(days=1)
    late = (
        {
            "submitted_at": at.isoformat(),
            "due": DUE.isoformat(),
            "days_late": late_days,
            "penalty_percent": 10.0 * late_days,
            "accepted": True,
        }
        if late_days
        else None
    )
    tests_points = raw - 10
    return {
        "schema": "grader.report/v1",
        "score": score,
        "max_score": max_score,
        "status": "graded",
        "rubric": {"id": "week01-generators", "title": "Week 1: generators", "sha256": "f" * 64},
        "submission": {"root": "week01", "files": ["words.py"], "problems": []},
        "criteria": [
            {
                "id": "tests",
                "kind": "tests",
                "title": "Hidden tests",
                "score": tests_points,
                "max_score": 90.0,
                "summary": "8 of 10 tests passed",
                "explanation": f"90 x 8 / 10 = {tests_points:g}",
                "tests": [
                    {
                        "name": HIDDEN_TEST,
                        "outcome": "failed",
                        "message": "assert 41 == 42",
                        "hidden": True,
                    },
                    {
                        "name": VISIBLE_TEST,
                        "outcome": "failed",
                        "message": "AssertionError: <b>no</b>",
                    },
                    {"name": "test_generators.py::test_ok", "outcome": "passed"},
                ],
                "hint": "Read about generators.",
                "learn_more": "https://docs.python.org/3/glossary.html#term-generator",
            },
            {
                "id": "lint",
                "kind": "lint",
                "title": "Lint",
                "score": 10.0,
                "max_score": 10.0,
                "summary": "no violations",
                "explanation": "10 - 0 = 10",
            },
        ],
        "late": late,
        "tools": {"pytest": "9.2.0"},
        "sandbox": {"kind": "local"},
        "grader_version": "0.1.0",
        "graded_at": (at + timedelta(minutes=1)).isoformat(),
        "duration": 3.5,
    }


@dataclass
class Course:
    """The seeded course: its app, its stores and the ids of what was written."""

    client: TestClient
    store: SqlStore
    course_store: SqlCourseStore
    ids: dict[str, str] = field(default_factory=dict)
    """Submission ids by name, e.g. ``alice-week01``."""

    def token(self, login: str) -> dict[str, str]:
        """Headers of a script acting for ``login`` with an API token."""
        _token, secret = self.course_store.create_token(login, "tests")
        return {"Authorization": f"Bearer {secret}"}

    def sign_in(self, login: str, roles: dict[str, str] | None = None) -> str:
        """Put a signed session for ``login`` (with these staff roles) on the client, as the
        sign-in would; returns the session's CSRF token."""
        csrf = secrets.token_urlsafe(16)
        data = {
            "login": login,
            "github_id": None,
            "roles": roles or {},
            "signed_in_at": datetime.now(UTC).isoformat(),
            "csrf": csrf,
        }
        payload = base64.b64encode(json.dumps(data).encode())
        cookie = itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode()
        self.client.cookies.set(SESSION_COOKIE, cookie)
        return csrf


def submit(
    store: SqlStore,
    login: str,
    assignment: str,
    sha: str,
    at: datetime,
    *,
    owner: str = "py101",
) -> str:
    """A push by ``login`` to their own pull request of the assignment, stored (queued)."""
    repository = f"{owner}/{login}-{assignment}"
    return store.add_submission(
        NewSubmission(
            repository=repository,
            pull_number=1,
            head_sha=sha * 40 if len(sha) == 1 else sha,
            head_repository=repository,
            head_ref="main",
            base_sha=None,
            installation_id=None,
            assignment=assignment,
            rubric_path="rubric.yaml",
            rubric_sha256="r" * 64,
            submitted_at=at,
            author_login=login,
        )
    ).id


def grade(
    store: SqlStore, submission_id: str, score: float, raw: float, late_days: int = 0
) -> None:
    """Save a result for a stored submission (it becomes graded)."""
    assert store.save_result(
        submission_id,
        Result(
            submission_id=submission_id,
            score=score,
            max_score=100,
            status="graded",
            report=report(score, raw, late_days=late_days),
            rubric_sha256="r" * 64,
            image_digest=None,
            durations={},
            duration=3.5,
            raw_score=raw,
        ),
    )


ROSTER = [
    Student(COURSE, "s1", "alice", 101, "s1", "Alice Archer", "alice@example.edu"),
    Student(COURSE, "s2", "bob", 102, "s2", "Bob <b>Bold</b>", "bob@example.edu"),
    Student(COURSE, "s3", "carol", 103, "s3", "Carol Cole", None),
]


def migrated_database(folder: Path) -> Path:
    """An empty SQLite database at the newest schema, to copy for each test (migrating takes
    a quarter of a second; copying the file, nothing)."""
    path = folder / "migrated.db"
    store = SqlStore(f"sqlite:///{path}")
    store.migrate()
    store.dispose()
    return path


def seeded_course(tmp_path: Path, template: Path | None = None) -> Course:
    """The app over the seeded course, on a SQLite file in ``tmp_path`` (a copy of
    ``template``, a ``migrated_database``, when given)."""
    if template is not None:
        shutil.copyfile(template, tmp_path / "grader.db")
    courses_file = courses_yaml(tmp_path / "courses.yaml")
    settings = ServiceSettings(
        github_webhook_secret="webhook-secret",
        data_dir=tmp_path,
        courses=courses_file,
        github_token="t",
        session_secret=SESSION_SECRET,
        github_client_id="client-id",
        github_client_secret="client-secret",
        database_url=f"sqlite:///{tmp_path / 'grader.db'}",
    )
    store = SqlStore(settings.sqlalchemy_url)
    if template is None:
        store.migrate()
    course_store = SqlCourseStore.beside(store)
    courses = load_courses(courses_file)
    backend = Backend(settings, store, courses, lambda _id, _route: None)
    ctx = ConsoleContext(settings, courses, store, course_store)
    client = TestClient(create_app(backend, ctx), follow_redirects=False)
    seeded = Course(client, store, course_store)
    course_store.upsert_students(COURSE, ROSTER, "cli:setup")
    _pushes(seeded)
    return seeded


def _pushes(course: Course) -> None:
    store, ids = course.store, course.ids
    early = DUE - timedelta(days=1)
    ids["alice-week01"] = submit(store, "alice", "week01", "a", early)
    grade(store, ids["alice-week01"], 80, 80)
    ids["alice-week02"] = submit(store, "alice", "week02", "b", early)
    grade(store, ids["alice-week02"], 90, 90)
    ids["bob-week01"] = submit(store, "bob", "week01", "c", DUE + timedelta(days=1, hours=10))
    grade(store, ids["bob-week01"], 56, 70, late_days=2)
    ids["bob-week02"] = submit(store, "bob", "week02", "d", early)  # still queued
    ids["dave-week01"] = submit(store, "dave", "week01", "e", early)
    grade(store, ids["dave-week01"], 50, 50)
    ids["carol-failed"] = submit(store, "carol", "week02", "f", early)
    store.finish(ids["carol-failed"], "failed", reason="the sandbox could not start")
    ids["eve-week03"] = submit(store, "eve", "week03", "9", early, owner="other")
    grade(store, ids["eve-week03"], 70, 70)
