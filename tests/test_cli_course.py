"""`grader course`: roster, extensions, overrides, exports and API tokens from the command line,
against a SQLite database in a temporary folder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from support import ROOT
from typer.testing import CliRunner

from grader.cli import commands as cli
from grader.service.store import SqlStore
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course_sql import SqlCourseStore

DUE = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)  # week 1's rubric: 10% a day, 3 days at most
CLASSROOM = (
    b"identifier,github_username,github_id,name\ns1,amy,101,Amy [red]Pond[/]\ns2,,,Bob :100:\n"
)


class Course:
    """A course `c1` (weeks 1 and 2) in courses.yaml and a SQLite database, both in tmp_path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = f"sqlite:///{folder / 'grader.db'}"
        (folder / "courses.yaml").write_text(
            "courses:\n"
            "  - id: c1\n"
            "    title: Course One\n"
            "    assignments:\n"
            f"      - id: week01\n        rubric: {ROOT}/rubrics/week01-generators/rubric.yaml\n"
            f"      - id: week02\n        rubric: {ROOT}/rubrics/week02-decorators/rubric.yaml\n",
            encoding="utf-8",
        )
        self.env = {
            "DATABASE_URL": self.url,
            "GRADER_COURSES": str(folder / "courses.yaml"),
            "GRADER_DATA_DIR": str(folder),
            "COLUMNS": "200",
        }

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli.app, ["course", *args], env=self.env)

    def roster(self, data: bytes = CLASSROOM) -> Path:
        path = self.folder / "roster.csv"
        path.write_bytes(data)
        return path

    def push(self, login: str, assignment: str, at: datetime, raw: float) -> None:
        """A graded push of ``login`` (its stored score penalised as the rubric's due says)."""
        store = SqlStore(self.url)
        store.migrate()
        days = max(0, -(-(at - DUE) // timedelta(days=1)))
        push = FinishedPush(
            repository=f"org/{login}",
            pull_number=1,
            head_sha=f"{abs(hash((login, assignment, at))):040x}"[:40],
            assignment=assignment,
            rubric_path="rubric.yaml",
            rubric_sha256="r" * 64,
            author_login=login,
            author_id=None,
            submitted_at=at,
            status="graded",
            score=raw * (1 - 0.1 * days),
            raw_score=raw,
            max_score=100,
            report={"schema": "grader.report/v1", "score": raw},
        )
        insert_finished(store.engine, [push])
        store.dispose()

    def course_store(self) -> tuple[SqlStore, SqlCourseStore]:
        store = SqlStore(self.url)
        return store, SqlCourseStore.beside(store)


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path)


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_roster_import_adds_then_updates_and_lists_text_as_written(course: Course) -> None:
    """Importing twice adds once; the list prints names with brackets and colons literally."""
    first = course.run("roster", "import", str(course.roster()), "--course", "c1")
    assert first.exit_code == 0, first.output
    assert "c1: 2 students read, 2 added, 0 updated" in first.stdout
    again = course.run("roster", "import", str(course.roster()), "--course", "c1")
    assert "0 added, 0 updated" in again.stdout
    listed = course.run("roster", "list", "--course", "c1")
    assert listed.exit_code == 0, listed.output
    assert "Amy [red]Pond[/]" in listed.stdout
    assert "Bob :100:" in listed.stdout
    assert "2 students; 0 unmatched logins" in listed.stdout


def test_roster_import_refuses_a_bad_file_naming_each_problem(course: Course) -> None:
    bad = course.roster(b"identifier,github_username,github_id\ns1,-x,abc\n")
    result = course.run("roster", "import", str(bad), "--course", "c1")
    assert result.exit_code == 2
    assert "the roster was not imported" in result.stderr
    assert "roster.csv line 2, column github_username: '-x' is not a GitHub login" in result.stderr
    assert "roster.csv line 2, column github_id: 'abc' is not a number" in result.stderr
    _, store = course.course_store()
    assert store.students("c1") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("roster", "import", "missing.csv", "--course", "c1"), "cannot read missing.csv"),
        (("roster", "import", "{roster}", "--course", "nope"), "no course 'nope'"),
        (("roster", "match", "s9", "zed", "--course", "c1"), "no student 's9'"),
        (("roster", "match", "s1", "not a login", "--course", "c1"), "is not a GitHub login"),
        (
            ("extend", "-c", "c1", "-a", "week09", "-s", "s1", "--due", "2026-12-09T00:00Z"),
            "no assignment 'week09' in course c1; assignments: week01, week02",
        ),
        (
            ("extend", "-c", "c1", "-a", "week01", "-s", "s1", "--due", "2026-12-09T00:00"),
            "has no time zone",
        ),
        (
            ("extend", "-c", "c1", "-a", "week01", "-s", "s1", "--due", "soon", "--reason", "x"),
            "is not an ISO 8601 time",
        ),
        (
            ("extend", "-c", "c1", "-a", "week01", "-s", "s1", "--due", "2026-12-09T00:00Z"),
            "--reason is required",
        ),
        (
            ("extend", "-c", "c1", "-a", "week01", "-s", "zz", "--due", "2026-12-09T00:00Z"),
            "no student 'zz'",
        ),
        (
            ("extend", "-c", "c1", "-a", "week01", "-s", "s1", "--remove"),
            "s1 has no extension for week01",
        ),
        (
            ("override", "-c", "c1", "-a", "week01", "-s", "s1", "--score", "101", "--reason", "x"),
            "from 0 to 100",
        ),
        (
            ("override", "-c", "c1", "-a", "week01", "-s", "s1", "--score", "nan", "--reason", "x"),
            "from 0 to 100",
        ),
        (("token", "create", "--login", "-bad", "--name", "ci"), "'-bad' is not a GitHub login"),
        (("token", "revoke", "99", "--login", "amy"), "amy has no live token 99"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    course: Course, args: tuple[str, ...], message: str
) -> None:
    course.run("roster", "import", str(course.roster()), "--course", "c1")
    result = course.run(*(arg.replace("{roster}", str(course.roster())) for arg in args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_match_gives_a_login_and_the_gradebook_follows(course: Course) -> None:
    """Bob (no login) submitted as bobby: unmatched until matched by hand, then his row."""
    course.run("roster", "import", str(course.roster()), "--course", "c1")
    course.push("bobby", "week01", DUE - timedelta(hours=1), 70)
    listed = course.run("roster", "list", "--course", "c1")
    assert "unmatched: bobby" in listed.stdout
    matched = course.run("roster", "match", "s2", "Bobby", "--course", "c1")
    assert matched.exit_code == 0, matched.output
    assert "c1: s2 is now bobby" in matched.stdout
    exported = course.run("export", "--course", "c1")
    rows = {row[0]: row for row in _csv(exported.stdout)}
    assert rows["s2"][5] == "70"
    assert "gh:bobby" not in rows


def test_an_extension_lifts_the_late_penalty_in_the_export(course: Course, tmp_path: Path) -> None:
    """Amy's week-1 push a day late scores 81 of 90; her extension to two days later makes it
    90; removing it makes it 81 again. Each change is audited as cli:<user>."""
    course.run("roster", "import", str(course.roster()), "--course", "c1")
    course.push("amy", "week01", DUE + timedelta(hours=2), 90)

    def amy() -> str:
        out = tmp_path / "book.csv"
        done = course.run("export", "--course", "c1", "--format", "gradebook", "--out", str(out))
        assert done.exit_code == 0, done.output
        [header, *rows] = _csv(out.read_text(encoding="utf-8"))
        assert header == [
            "key",
            "student_id",
            "name",
            "email",
            "login",
            "week01",
            "week02",
            "total",
        ]
        return {row[0]: row for row in rows}["s1"][5]

    assert amy() == "81"
    extended = course.run(
        "extend", "-c", "c1", "-a", "week01", "-s", "s1",
        "--due", "2026-12-09T23:59:00+01:00", "--reason", "ill [bold]",
    )  # fmt: skip
    assert extended.exit_code == 0, extended.output
    assert "c1: s1 is due 2026-12-09T22:59:00+00:00 for week01" in extended.stdout
    assert amy() == "90"
    removed = course.run("extend", "-c", "c1", "-a", "week01", "-s", "s1", "--remove")
    assert removed.exit_code == 0, removed.output
    assert amy() == "81"
    store, course_store = course.course_store()
    actions = [(entry.action, entry.actor) for entry in course_store.audit("c1")]
    store.dispose()
    assert actions[0][0] == "extension.remove"
    assert actions[1][0] == "extension.set"
    assert all(actor.startswith("cli:") for _, actor in actions)


def test_a_login_not_on_the_roster_can_be_given_an_extension(course: Course) -> None:
    """gh:<login> names a pseudo-student: its late push is on time with the extension."""
    course.push("zed", "week01", DUE + timedelta(hours=2), 60)
    done = course.run(
        "extend", "-c", "c1", "-a", "week01", "-s", "gh:Zed", "--due", "2026-12-10T00:00Z",
        "--reason", "flood",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert {r[0]: r for r in _csv(course.run("export", "-c", "c1").stdout)}["gh:zed"][5] == "60"


def test_an_override_replaces_the_grade_until_removed(course: Course) -> None:
    course.run("roster", "import", str(course.roster()), "--course", "c1")
    course.push("amy", "week01", DUE - timedelta(days=1), 40)
    done = course.run(
        "override", "-c", "c1", "-a", "week01", "-s", "s1", "--score", "95.5", "--reason", "oral"
    )
    assert done.exit_code == 0, done.output
    assert {r[0]: r for r in _csv(course.run("export", "-c", "c1").stdout)}["s1"][5] == "95.5"
    assert course.run("override", "-c", "c1", "-a", "week01", "-s", "s1", "--remove").exit_code == 0
    assert {r[0]: r for r in _csv(course.run("export", "-c", "c1").stdout)}["s1"][5] == "40"


def test_canvas_export_has_the_points_row(course: Course) -> None:
    course.run("roster", "import", str(course.roster()), "--course", "c1")
    course.push("amy", "week02", DUE, 77)
    result = course.run("export", "-c", "c1", "--format", "canvas")
    assert result.exit_code == 0, result.output
    header, points, amy, bob = _csv(result.stdout)
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5].endswith("(week01)")
    assert points[0].strip() == "Points Possible"
    assert amy[:3] == ["Amy [red]Pond[/]", "", "s1"]
    assert amy[6] == "77"
    assert bob[2] == "s2"


def test_tokens_are_created_once_listed_and_revoked(course: Course) -> None:
    created = course.run("token", "create", "--login", "Amy", "--name", "ci [x]")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret and "\n" not in secret
    _, store = course.course_store()
    assert store.token_login(secret) == "amy"
    listed = course.run("token", "list", "--login", "amy")
    assert "ci [x]" in listed.stdout
    assert secret not in listed.stdout
    token_id = store.tokens("amy")[0].id
    revoked = course.run("token", "revoke", str(token_id), "--login", "amy")
    assert revoked.exit_code == 0, revoked.output
    assert store.token_login(secret) is None


def test_a_bad_courses_file_exits_2(course: Course) -> None:
    (course.folder / "courses.yaml").write_text("courses: [{id: c1}]\n", encoding="utf-8")
    result = course.run("roster", "list", "--course", "c1")
    assert result.exit_code == 2
    assert "bad configuration" in result.stderr


def test_a_database_that_cannot_be_opened_exits_3(course: Course) -> None:
    """A SQLite path under a plain file, and a PostgreSQL server that is not there: one line."""
    (course.folder / "plain").write_text("", encoding="utf-8")
    for url in (
        f"sqlite:///{course.folder}/plain/grader.db",
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    ):
        course.env["DATABASE_URL"] = url
        result = course.run("roster", "list", "--course", "c1")
        assert result.exit_code == 3, result.output
        assert "the store at DATABASE_URL" in result.stderr
        assert "Traceback" not in result.output


def test_results_json_is_gradescopes_format_without_hidden_names_unless_asked(
    course: Course, tmp_path: Path
) -> None:
    import json
    import random

    from grader.service.classroom.demo import synthetic_report
    from grader.service.courses import load_courses

    route = load_courses(course.folder / "courses.yaml").get("week01")
    assert route is not None and route.due is not None
    report = synthetic_report(
        route, route.due, 0.5, {"correctness": ["test_records::test_secret_edge"]},
        random.Random(3),  # noqa: S311
    )  # fmt: skip
    for criterion in report["criteria"]:  # a test at visibility `hidden`: its outcome only
        for test in criterion["tests"]:
            test.update(hidden=True, visibility="hidden")
    store = SqlStore(course.url)
    store.migrate()
    push = FinishedPush(
        repository="org/alice", pull_number=1, head_sha="a" * 40, assignment="week01",
        rubric_path="rubric.yaml", rubric_sha256="r" * 64, author_login="alice", author_id=None,
        submitted_at=route.due, status="graded", score=report["score"],
        raw_score=report["score"], max_score=100, report=report,
    )  # fmt: skip
    insert_finished(store.engine, [push])
    [row] = SqlCourseStore.beside(store).course_submissions(["week01"])
    store.dispose()
    student = course.run("results-json", row.id)
    assert student.exit_code == 0, student.output
    answer = json.loads(student.stdout)
    assert answer["score"] == report["score"] and answer["tests"]
    assert "test_secret_edge" not in student.stdout and "hidden test 1" in student.stdout
    staff = course.run("results-json", row.id, "--show-hidden", "--out", str(tmp_path / "r.json"))
    assert staff.exit_code == 0, staff.output
    assert "test_secret_edge" in (tmp_path / "r.json").read_text()
    missing = course.run("results-json", "f" * 32)
    assert missing.exit_code == 2 and "no graded submission" in missing.output
