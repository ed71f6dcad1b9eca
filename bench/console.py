"""Server time of every console page and export on a synthetic course at class scale.

Seeds a course of ``--students`` (500) students x the 12 weekly rubrics x ``--pushes`` (10)
graded pushes each (``grader.service.classroom.demo``: reports list the rubrics' real hidden
tests), then asks the FastAPI app in-process (starlette's TestClient, no network) for each
page as the course's owner, with an API token. Each page is asked ``--repeat`` times: the
first (cold: nothing cached) and the median of the rest are reported, in milliseconds and
as a ratio against ``/healthz`` measured the same way in the same run.

    .venv/bin/python bench/console.py [--students 500] [--pushes 10] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
            baseline = statistics.median(timed(client, "/healthz", 20, {}))
            print(f"\n/healthz baseline: {baseline:.2f} ms (median of 20)\n")
            print(f"{'page':<62} {'cold ms':>8} {'warm ms':>8} {'x healthz':>10}")
            for path in pages(client, headers):
                times = timed(client, path, args.repeat, headers)
                warm = statistics.median(times[1:])
                print(f"{path:<62} {times[0]:>8.0f} {warm:>8.0f} {warm / baseline:>10.0f}")
        store.dispose()


if __name__ == "__main__":
    main()
