"""Server time of every console page and export on a synthetic course at class scale.

Seeds a course of ``--students`` (500) students x the 12 weekly rubrics x ``--pushes`` (10)
graded pushes each (``grader.service.classroom.demo``: reports list the rubrics' real hidden
tests), then asks the FastAPI app in-process (starlette's TestClient, no network) for each
page as the course's owner, with an API token. Each page is asked ``--repeat`` times: the
first (cold: nothing cached) and the median of the rest are reported, in milliseconds and
as a ratio against ``/healthz`` measured the same way in the same run.

Then the views that follow a change, which the gradebook cache (``classroom.cache``) updates
student by student: the course page's first view after a new push (stored as the webhook and
a worker store one: ``SqlStore.add_submission``, ``claim``, ``save_result``), after a regrade,
after a submission failing and after an extension (audited); each ``--repeat`` times, the
median and the slowest. And a full rebuild: ``build_gradebook`` (what the CLI's export runs),
and a new cache's first build (what the first view after a restart pays).

    .venv/bin/python bench/console.py [--students 500] [--pushes 10] [--postgres]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fastapi.testclient import TestClient  # noqa: E402

COURSE = "python-de-2026"
OWNER = "prof-ada"


@contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder / 'grader.db'}"
        return
    from service_support import postgres_database

    with postgres_database() as url:
        yield url


def seed(url: str, folder: Path, students: int, pushes: int) -> None:
    from grader.service.classroom import demo
    from grader.service.courses import load_courses
    from grader.service.store import SqlCourseStore, SqlStore

    courses_path = demo.demo_courses_yaml(
        folder / "courses.yaml", ROOT / "rubrics", owner=OWNER, tas=("ta-bob",)
    )
    courses = load_courses(courses_path)
    store = SqlStore(url)
    store.migrate()
    started = time.perf_counter()
    seeded = demo.seed(
        courses,
        COURSE,
        store.engine,
        SqlCourseStore(store.engine),
        students=students,
        per_assignment=pushes,
        exact=True,
    )
    print(
        f"seeded {seeded.students} students, {seeded.submissions} submissions "
        f"in {time.perf_counter() - started:.1f} s"
    )
    store.dispose()


def timed(client: TestClient, path: str, repeat: int, headers: dict[str, str]) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
    return times


def pages(client: TestClient, headers: dict[str, str]) -> list[str]:
    """The pages to time: one of each kind, the busiest where there is a choice."""
    gradebook = client.get(f"/api/courses/{COURSE}/gradebook", headers=headers).json()
    rows = gradebook["students"] if isinstance(gradebook, dict) else gradebook
    student = rows[0]["key"]
    mine = client.get(
        f"/api/courses/{COURSE}/assignments/week01-generators/submissions", headers=headers
    ).json()
    submission = (mine["submissions"] if isinstance(mine, dict) else mine)[-1]["id"]
    base = f"/console/courses/{COURSE}"
    return [
        "/console",
        base,
        f"{base}/assignments/week01-generators",
        f"{base}/assignments/week06-testing-quality",
        f"{base}/students/{student}",
        f"/console/submissions/{submission}",
        f"{base}/roster",
        f"{base}/audit",
        f"/api/courses/{COURSE}/gradebook",
        f"{base}/export/gradebook.csv",
        f"{base}/export/canvas.csv",
    ]


class Changes:
    """Changes to the seeded course, made the way the service makes them."""

    def __init__(self, url: str, folder: Path) -> None:
        from grader.service.courses import load_courses
        from grader.service.store import SqlCourseStore, SqlStore

        self.store = SqlStore(url)
        self.course_store = SqlCourseStore.beside(self.store)
        self.courses = load_courses(folder / "courses.yaml")
        self.students = [s for s in self.course_store.students(COURSE) if s.login]
        self.made = 0

    def _next(self) -> tuple[str, str, str]:
        """A student, an assignment and a commit for the next change."""
        self.made += 1
        student = self.students[self.made * 7 % len(self.students)]
        route = self.courses.course_routes(COURSE)[self.made % 12]
        assert student.login is not None
        return student.login, route.id, f"{self.made:040x}"

    def push(self) -> str:
        """A new push, stored and graded."""
        submitted = self._new_push(pull_number=1)
        self._grade(submitted, 88.0)
        return submitted

    def _new_push(self, pull_number: int) -> str:
        """A new push of the next student and assignment, stored (queued)."""
        from grader.service.store import NewSubmission

        login, assignment, sha = self._next()
        return self.store.add_submission(
            NewSubmission(
                repository=f"{COURSE}/{assignment}-{login}", pull_number=pull_number,
                head_sha=sha, head_repository=f"{login}/{assignment}", head_ref="main",
                base_sha=None, installation_id=None, assignment=assignment,
                rubric_path="rubric.yaml", rubric_sha256="r" * 64, author_login=login,
            )
        ).id  # fmt: skip

    def _grade(self, submission_id: str, score: float) -> None:
        from grader.service.store import Result

        self.store.claim(submission_id, "bench", timedelta(minutes=5))
        self.store.save_result(
            submission_id,
            Result(submission_id, score, 100.0, "graded", {"criteria": []}, "r" * 64, None, {},
                   1.0, raw_score=score),
        )  # fmt: skip

    def regrade(self) -> None:
        """A regrade of a push: a new submission of the same commit, graded again."""
        from grader.service.store import NewSubmission

        row = self.course_store.submission_row(self.push())
        assert row is not None
        again = self.store.add_submission(
            NewSubmission(
                repository=row.repository, pull_number=row.pull_number, head_sha=row.head_sha,
                head_repository="fork", head_ref="main", base_sha=None, installation_id=None,
                assignment=row.assignment, rubric_path="rubric.yaml", rubric_sha256="r" * 64,
                regrade=True, author_login=row.author_login,
            )
        )  # fmt: skip
        self._grade(again.id, 91.0)

    def failure(self) -> None:
        """A push the platform gives up on."""
        submitted = self._new_push(pull_number=2)
        self.store.finish(submitted, "failed", reason="the platform gave up (bench)")

    def extension(self) -> None:
        """An extension granted (audited: the roster, extensions and overrides read again)."""
        from grader.service.store.course import Extension

        _, assignment, _ = self._next()
        student = self.students[self.made % len(self.students)]
        due = datetime(2027, 4, 1, tzinfo=UTC) + timedelta(hours=self.made)
        self.course_store.set_extension(
            Extension(COURSE, assignment, student.key, due, "bench", OWNER, datetime.now(UTC))
        )

    def rebuilds(self, repeat: int) -> dict[str, list[tuple[float, float]]]:
        """``build_gradebook``, and a new cache's first build, timed ``repeat`` times each."""
        from grader.service.classroom.cache import GradebookCache
        from grader.service.classroom.gradebook import build_gradebook

        def clocked(build: Callable[[], Any]) -> list[tuple[float, float]]:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                build()
                took = (time.perf_counter() - started) * 1000
                times.append((took, took))
            return times

        return {
            "full rebuild: build_gradebook": clocked(
                lambda: build_gradebook(self.courses, COURSE, self.course_store)
            ),
            "full rebuild: a new cache's first view": clocked(
                lambda: GradebookCache().get(self.courses, COURSE, self.course_store)
            ),
        }


def after_changes(
    client: TestClient, headers: dict[str, str], changes: Changes, repeat: int
) -> dict[str, list[tuple[float, float]]]:
    """The course page's first view after each kind of change, ``repeat`` times each: the
    page's time and the part of it spent bringing the gradebook up to date."""
    cache = client.app.state.console.gradebooks  # type: ignore[attr-defined]
    spent: list[float] = []
    real = cache.get

    def get(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    cache.get = get
    page = f"/console/courses/{COURSE}"
    timed(client, page, 1, headers)  # the gradebook in the cache, as after any earlier view
    found: dict[str, list[tuple[float, float]]] = {}
    for label, change in (
        ("course page, first view after a new push", changes.push),
        ("course page, first view after a regrade", changes.regrade),
        ("course page, first view after a submission failed", changes.failure),
        ("course page, first view after an extension", changes.extension),
    ):
        found[label] = []
        for _ in range(repeat):
            change()
            spent.clear()
            [took] = timed(client, page, 1, headers)
            found[label].append((took, sum(spent)))
    cache.get = real
    return found


def report(figures: dict[str, list[tuple[float, float]]], baseline: float) -> None:
    print(f"\n{'after a change':<56} {'median':>7} {'slowest':>8} {'cache':>6} {'x healthz':>10}")
    for label, times in figures.items():
        median = statistics.median(took for took, _ in times)
        slowest = max(took for took, _ in times)
        cache = statistics.median(part for _, part in times)
        print(
            f"{label:<56} {median:>7.0f} {slowest:>8.0f} {cache:>6.0f} {median / baseline:>10.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--pushes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=6)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.postgres, Path(tmp)) as url:
        folder = Path(tmp)
        seed(url, folder, args.students, args.pushes)
        os.environ.update(
            {
                "DATABASE_URL": url,
                "GRADER_COURSES": str(folder / "courses.yaml"),
                "GRADER_DATA_DIR": str(folder),
                "GITHUB_WEBHOOK_SECRET": "bench",
                "GRADER_SESSION_SECRET": "bench-session-secret-0123456789abcdef",
                "GRADER_ADMINS": OWNER,
                "GRADER_LOG_LEVEL": "warning",
            }
        )
        from grader.service.store import SqlCourseStore, SqlStore
        from webhooks.service import app_from_env

        store = SqlStore(url)
        _, secret = SqlCourseStore(store.engine).create_token(OWNER, "bench")
        headers = {"Authorization": f"Bearer {secret}"}
        with TestClient(app_from_env()) as client:
            deadline = time.monotonic() + 120  # the API's start-up warm-up (it ends in gc.freeze)
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            baseline = statistics.median(timed(client, "/healthz", 20, {}))
            print(f"\n/healthz baseline: {baseline:.2f} ms (median of 20)\n")
            print(f"{'page':<62} {'cold ms':>8} {'warm ms':>8} {'x healthz':>10}")
            for path in pages(client, headers):
                times = timed(client, path, args.repeat, headers)
                warm = statistics.median(times[1:])
                print(f"{path:<62} {times[0]:>8.0f} {warm:>8.0f} {warm / baseline:>10.0f}")
            changes = Changes(url, folder)
            figures = after_changes(client, headers, changes, args.repeat)
            figures.update(changes.rebuilds(args.repeat))
            report(figures, baseline)
            changes.store.dispose()
        store.dispose()


if __name__ == "__main__":
    main()
