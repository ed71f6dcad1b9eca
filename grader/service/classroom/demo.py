"""A synthetic course: what a newcomer sees in the console at once, and what its benchmark reads.

Students, their pushes and graded reports are made up, reproducibly (a seeded generator),
from the course's real rubrics: each report has the rubric's criteria, and the ``tests``
criteria list the hidden tests the rubric's files define. Nothing is graded for real; the
reports say so (``tools``: ``{"demo": "synthetic"}``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from grader.checks.junit import test_ids
from grader.report.model import REPORT_SCHEMA
from grader.scoring import apply_late_policy
from grader.service.courses import Courses, Route
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course import CourseStore, Student

FIRST = [
    "ada",
    "alan",
    "grace",
    "linus",
    "guido",
    "barbara",
    "ken",
    "dennis",
    "margaret",
    "edsger",
    "donald",
    "frances",
    "john",
    "radia",
    "shafi",
    "tim",
    "sophie",
    "hedy",
    "katherine",
    "leslie",
]
LAST = [
    "lovelace",
    "turing",
    "hopper",
    "torvalds",
    "rossum",
    "liskov",
    "thompson",
    "ritchie",
    "hamilton",
    "dijkstra",
    "knuth",
    "allen",
    "backus",
    "perlman",
    "goldwasser",
    "peters",
    "wilson",
    "lamarr",
    "johnson",
    "lamport",
]


def demo_courses_yaml(path: Path, rubrics: Path, *, owner: str, tas: tuple[str, ...]) -> Path:
    """Write a courses.yaml with every weekly rubric under ``rubrics`` as one course."""
    weeks = sorted(p.parent for p in rubrics.glob("week*/rubric.yaml"))
    lines = [
        "courses:",
        "  - id: python-de-2026",
        "    title: Python Mastery + Data Engineering 2026",
        "    staff:",
        f"      owners: [{owner}]",
        f"      tas: [{', '.join(tas)}]",
        "    late_days: 3",
        "    assignments:",
    ]
    for week in weeks:
        lines += [
            f"      - id: {week.name}",
            f"        rubric: {(week / 'rubric.yaml').resolve()}",
            '        repositories: ["python-de-2026/*"]',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def roster(course: str, count: int) -> list[Student]:
    """``count`` students with made-up names, ids, emails and GitHub logins."""
    students = []
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
        login = f"{first}-{last}{n}"
        students.append(
            Student(
                course=course,
                key=f"s{n:05d}",
                login=login,
                github_id=10_000 + n,
                student_id=f"s{n:05d}",
                name=f"{first.title()} {last.title()}",
                email=f"{login}@example.edu",
            )
        )
    return students


def pushes(
    courses: Courses,
    course: str,
    logins: list[str],
    *,
    per_assignment: int,
    seed: int = 7,
    exact: bool = False,
) -> Iterator[FinishedPush]:
    """Each student's pushes to each assignment: most improve, a few are late, some never come.

    ``exact``: every student pushes ``per_assignment`` times to every assignment (the
    benchmark's load); else between one and that many, and a few never."""
    # made-up data, not a secret: a seeded generator makes it reproducible
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    routes = courses.course_routes(course)
    tests = {route.id: _test_names(route) for route in routes}
    for login in logins:
        ability = rng.betavariate(5, 2)
        for route in routes:
            if not exact and rng.random() < 0.06:  # never submitted
                continue
            count = per_assignment if exact else rng.randint(1, per_assignment)
            yield from _student_pushes(route, login, ability, count, tests[route.id], rng)


def _student_pushes(
    route: Route,
    login: str,
    ability: float,
    count: int,
    tests: dict[str, list[str]],
    rng: random.Random,
) -> Iterator[FinishedPush]:
    """One student's ``count`` pushes to one assignment, improving; the last one maybe late."""
    due = route.due or datetime(2026, 12, 1, tzinfo=UTC)
    for n in range(count):
        skill = min(1.0, ability + 0.08 * n + rng.uniform(-0.1, 0.1))
        late = rng.random() < 0.07 and n == count - 1
        at = due - timedelta(hours=rng.uniform(2, 240) / (n + 1))
        if late:
            at = due + timedelta(hours=rng.uniform(1, 60))
        sha = f"{rng.getrandbits(160):040x}"
        yield _push(route, login, sha, at, _status(rng), skill, tests, rng)


def _status(rng: random.Random) -> str:
    roll = rng.random()
    return "queued" if roll < 0.005 else "failed" if roll < 0.01 else "graded"


def _push(
    route: Route,
    login: str,
    sha: str,
    at: datetime,
    status: str,
    skill: float,
    tests: dict[str, list[str]],
    rng: random.Random,
) -> FinishedPush:
    """One push as the store will hold it, with a synthetic report when it was graded."""
    report = synthetic_report(route, at, skill, tests, rng) if status == "graded" else None
    raw = round(sum(c["score"] for c in report["criteria"]), 2) if report else None
    return FinishedPush(
        repository=f"python-de-2026/{route.id}-{login}",
        pull_number=1,
        head_sha=sha,
        assignment=route.id,
        rubric_path=str(route.loaded.path),
        rubric_sha256=route.loaded.sha256,
        author_login=login,
        author_id=None,
        submitted_at=at,
        status=status,
        score=report["score"] if report else None,
        raw_score=raw,
        max_score=route.loaded.rubric.max_score,
        report=report,
    )


def synthetic_report(
    route: Route,
    submitted_at: datetime,
    skill: float,
    tests: dict[str, list[str]],
    rng: random.Random,
) -> dict[str, Any]:
    """A ``grader.report/v1`` document for a made-up submission of this skill (0 to 1)."""
    rubric = route.loaded.rubric
    criteria: list[dict[str, Any]] = []
    for criterion in rubric.criteria:
        names = tests.get(criterion.id, [])
        level = getattr(criterion, "visibility", "hidden")
        level = "hidden" if level not in ("visible", "names") else level
        outcomes = ["passed" if rng.random() < skill else "failed" for _ in names]
        results: list[dict[str, Any]] = [
            {
                "name": name,
                "outcome": outcome,
                "message": None,
                "duration": round(rng.uniform(0.001, 0.2), 3),
                "weight": 1.0,
                "hidden": level == "hidden",
                "visibility": level,
            }
            for name, outcome in zip(names, outcomes, strict=True)
        ]
        share = (
            outcomes.count("passed") / len(outcomes)
            if outcomes
            else min(1.0, max(0.0, skill + rng.uniform(-0.2, 0.2)))
        )
        score = round(criterion.points * share, 2)
        criteria.append(
            {
                "id": criterion.id,
                "kind": criterion.kind,
                "title": criterion.heading,
                "score": score,
                "max_score": float(criterion.points),
                "status": "graded",
                "summary": f"{score:g} of {criterion.points:g} (synthetic)",
                "explanation": "",
                "tests": results,
            }
        )
    raw = round(sum(float(c["score"]) for c in criteria), 2)
    return _document(route, submitted_at, raw, criteria)


def _document(
    route: Route, submitted_at: datetime, raw: float, criteria: list[dict[str, Any]]
) -> dict[str, Any]:
    rubric = route.loaded.rubric
    late = None
    score = raw
    if rubric.late is not None and submitted_at > rubric.late.due:
        penalty = apply_late_policy(raw, rubric.late, submitted_at)
        score = penalty.score
        late = {
            "submitted_at": submitted_at.isoformat(),
            "due": rubric.late.due.isoformat(),
            "days_late": penalty.days_late,
            "penalty_percent": penalty.penalty_percent,
            "accepted": penalty.accepted,
        }
    return {
        "schema": REPORT_SCHEMA,
        "score": score,
        "max_score": rubric.max_score,
        "status": "graded",
        "rubric": {"id": rubric.id, "title": rubric.title, "sha256": route.loaded.sha256},
        "submission": {"root": ".", "files": [], "problems": []},
        "criteria": criteria,
        "late": late,
        "tools": {"demo": "synthetic"},
        "sandbox": {},
        "grader_version": "demo",
        "graded_at": (submitted_at + timedelta(seconds=12)).isoformat(),
        "duration": 12.0,
    }


def _test_names(route: Route) -> dict[str, list[str]]:
    """Per ``tests`` criterion, the hidden tests its files define."""
    names: dict[str, list[str]] = {}
    for criterion in route.loaded.rubric.criteria:
        folder = getattr(criterion, "tests", None)
        if criterion.kind != "tests" or not isinstance(folder, str):
            continue
        path = route.loaded.folder / folder
        files = [path] if path.is_file() else sorted(path.rglob("test*.py"))
        names[criterion.id] = [
            f"{file.stem}::{test}"
            for file in files
            for test in test_ids(file.read_text(encoding="utf-8", errors="replace"))
        ][:40]
    return names


@dataclass(frozen=True)
class Seeded:
    """What ``seed`` wrote."""

    students: int
    submissions: int
    unmatched: tuple[str, ...]


def seed(
    courses: Courses,
    course: str,
    engine: Engine,
    store: CourseStore,
    *,
    students: int,
    per_assignment: int,
    seed: int = 7,
    exact: bool = False,
) -> Seeded:
    """Fill ``course`` with a roster of ``students`` and their made-up pushes.

    Two logins that pushed but are not on the roster are added, for the console to match.
    """
    people = roster(course, students)
    store.upsert_students(course, people, actor="demo")
    unmatched = ("octo-cat", "mystery-coder")
    logins = [person.login for person in people if person.login] + list(unmatched)
    ids = {person.login: person.github_id for person in people}
    made = pushes(courses, course, logins, per_assignment=per_assignment, seed=seed, exact=exact)
    written = insert_finished(
        engine, (replace(push, author_id=ids.get(push.author_login)) for push in made)
    )
    return Seeded(len(people), written, unmatched)
