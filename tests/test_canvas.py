"""Canvas grade passback: the real canvasapi against a fake Canvas on 127.0.0.1, the
gradebook from a SQLite course store, and ``grader course canvas`` through typer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
import requests
from click.testing import Result
from fakecanvas import FakeCanvas
from support import ROOT
from typer.testing import CliRunner

from grader.cli import canvas as canvas_cli
from grader.cli import commands as cli
from grader.errors import CanvasRejected, CanvasUnavailable
from grader.service.classroom.canvas import Plan, plan_passback
from grader.service.classroom.canvas_client import CanvasClient, PushResult, push_plan
from grader.service.classroom.gradebook import build_gradebook
from grader.service.courses import CanvasLink, load_courses
from grader.service.store import SqlStore
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course import Override, Student
from grader.service.store.course_sql import SqlCourseStore

TOKEN = "canvas-secret"
COURSE, WEEK1, WEEK2 = 1234, 5678, 5679
ON_TIME = datetime(2026, 12, 1, 12, tzinfo=UTC)  # before both rubrics' due dates


class FakeClock:
    """A monotonic clock that only moves when slept on; the sleeps are kept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Setup:
    """Course ``c1`` (week01 -> Canvas 5678, week02 -> 5679, week02b unlinked) in courses.yaml
    and SQLite; roster s1 (amy), s2 (bob), s3 (cat), s4 (dan, not in Canvas); Canvas users
    11 (s1), 12 (s2), 13 (s3) and 99 (on no roster)."""

    def __init__(self, folder: Path, canvas: FakeCanvas, match: str = "sis_user_id") -> None:
        self.canvas = canvas
        self.url = f"sqlite:///{folder / 'grader.db'}"
        self.courses_file = folder / "courses.yaml"
        week1 = ROOT / "rubrics/week01-generators/rubric.yaml"
        week2 = ROOT / "rubrics/week02-decorators/rubric.yaml"
        self.courses_file.write_text(
            "courses:\n"
            "  - id: c1\n"
            "    title: Course One\n"
            f"    canvas: {{url: '{canvas.url}', course_id: {COURSE}, match: {match}}}\n"
            "    assignments:\n"
            f"      - {{id: week01, rubric: '{week1}', canvas_id: {WEEK1}}}\n"
            f"      - {{id: week02, rubric: '{week2}', canvas_id: {WEEK2}}}\n"
            f"      - {{id: week02b, rubric: '{week2}'}}\n",
            encoding="utf-8",
        )
        self.env = {
            "DATABASE_URL": self.url,
            "GRADER_COURSES": str(self.courses_file),
            "GRADER_DATA_DIR": str(folder),
            "CANVAS_TOKEN": TOKEN,
            "GRADER_CANVAS_REQUESTS_PER_SECOND": "100",
            "COLUMNS": "250",
        }
        self.sql = SqlStore(self.url)
        self.sql.migrate()
        self.store = SqlCourseStore.beside(self.sql)
        roster = [
            Student("c1", "s1", "amy", None, "s1", "Amy [red]Pond[/]", "amy@x.edu"),
            Student("c1", "s2", "bob", None, "s2", "Bob", "bob@x.edu"),
            Student("c1", "s3", "cat", None, "s3", "Cat", "cat@x.edu"),
            Student("c1", "s4", "dan", None, "s4", "Dan", "dan@x.edu"),
        ]
        self.store.upsert_students("c1", roster, "test")
        canvas.add_course(COURSE)
        for user, sis, name in [(11, "s1", "Amy"), (12, "s2", "Bob"), (13, "s3", "Cat")]:
            canvas.add_user(COURSE, user, name, sis_user_id=sis, email=f"{name.lower()}@X.edu")
        canvas.add_user(COURSE, 99, "Zed", sis_user_id="z9", email="zed@x.edu")
        canvas.add_assignment(COURSE, WEEK1, points_possible=100)
        canvas.add_assignment(COURSE, WEEK2, points_possible=100)

    def graded(self, login: str, assignment: str, score: float, status: str = "graded") -> None:
        push = FinishedPush(
            repository=f"org/{login}",
            pull_number=1,
            head_sha=f"{abs(hash((login, assignment, score, status))):040x}"[:40],
            assignment=assignment,
            rubric_path="rubric.yaml",
            rubric_sha256="r" * 64,
            author_login=login,
            author_id=None,
            submitted_at=ON_TIME,
            status=status,
            score=score if status == "graded" else None,
            raw_score=score if status == "graded" else None,
            max_score=100,
            report={"schema": "grader.report/v1", "score": score} if status == "graded" else None,
        )
        insert_finished(self.sql.engine, [push])

    def client(self, clock: FakeClock, *, token: str = TOKEN, **link: object) -> CanvasClient:
        values: dict[str, object] = {"url": self.canvas.url, "course_id": COURSE, **link}
        return CanvasClient(
            CanvasLink.model_validate(values),
            token,
            requests_per_second=2,
            monotonic=clock.monotonic,
            sleep=clock.sleep,
        )

    def plan(self, client: CanvasClient, only: set[str] | None = None) -> Plan:
        courses = load_courses(self.courses_file)
        book = build_gradebook(courses, "c1", self.store)
        snapshot = client.snapshot([WEEK1, WEEK2], with_email=client.link.match == "email")
        return plan_passback(book, client.link, snapshot, only)

    def push(self, client: CanvasClient, only: set[str] | None = None) -> PushResult:
        return push_plan(client, self.plan(client, only), self.store, "test")

    def run(self, *args: str, **env: str) -> Result:
        return CliRunner().invoke(cli.app, ["course", "canvas", *args], env={**self.env, **env})


@pytest.fixture(autouse=True)
def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The command line's client paces and backs off on a fake clock: no test waits."""
    clock = FakeClock()
    client = partial(CanvasClient, monotonic=clock.monotonic, sleep=clock.sleep)
    monkeypatch.setattr(canvas_cli, "CanvasClient", client)
    return clock


@pytest.fixture
def canvas() -> Iterator[FakeCanvas]:
    with FakeCanvas(TOKEN, max_per_page=2) as fake:  # two a page: every list is paginated
        yield fake
        assert fake.violations == []


@pytest.fixture
def setup(tmp_path: Path, canvas: FakeCanvas) -> Iterator[Setup]:
    made = Setup(tmp_path, canvas)
    made.graded("amy", "week01", 81)
    made.graded("bob", "week01", 72.5)
    made.graded("dan", "week01", 90)
    yield made
    made.sql.dispose()


def sent(result: PushResult) -> dict[tuple[str, str], str]:
    return {(c.assignment, c.student): c.posted_grade for c, _ in result.sent}


def test_a_dry_run_lists_the_changes_and_sends_nothing(setup: Setup) -> None:
    """The plan names each grade that differs, with Canvas's score before; no PUT is made."""
    setup.canvas.set_score(WEEK1, 12, 60)
    with setup.client(FakeClock()) as client:
        plan = setup.plan(client)
    changes = {(c.student, c.canvas_user, c.before, c.posted_grade) for c in plan.changes}
    assert changes == {("s1", 11, None, "81"), ("s2", 12, 60, "72.5")}
    assert setup.canvas.writes == 0
    assert plan.matched == 3 and plan.roster == 4


def test_a_push_sends_only_changed_grades_and_a_second_push_sends_nothing(setup: Setup) -> None:
    """Canvas already holding a grade is not sent it again; pushing twice is pushing once."""
    setup.canvas.set_score(WEEK1, 11, 81)  # s1's grade is there already
    with setup.client(FakeClock()) as client:
        first = setup.push(client)
    assert sent(first) == {("week01", "s2"): "72.5"}
    assert first.plan.unchanged == 1
    assert setup.canvas.score(WEEK1, 12) == 72.5 and setup.canvas.writes == 1
    with setup.client(FakeClock()) as client:
        second = setup.push(client)
    assert second.sent == () and second.plan.unchanged == 2
    assert setup.canvas.writes == 1


def test_a_grade_changed_in_the_gradebook_is_sent_again(setup: Setup) -> None:
    """An override after a push changes the grade: the next push sends the override."""
    with setup.client(FakeClock()) as client:
        setup.push(client)
    setup.store.set_override(
        Override("c1", "week01", "s1", 95, "regraded by hand", "prof", datetime.now(UTC))
    )
    with setup.client(FakeClock()) as client:
        again = setup.push(client)
    assert sent(again) == {("week01", "s1"): "95"}
    assert setup.canvas.score(WEEK1, 11) == 95


def test_pending_missing_and_failed_cells_are_never_sent(setup: Setup) -> None:
    """A submission still queued is not a 0 in Canvas, nor is missing or failed work."""
    setup.graded("cat", "week01", 0, status="queued")
    setup.graded("cat", "week02", 0, status="failed")
    setup.canvas.set_score(WEEK2, 12, 40)  # a grade typed in Canvas stays
    with setup.client(FakeClock()) as client:
        result = setup.push(client)
    assert ("week01", "s3") not in sent(result)
    assert result.plan.not_sent == {"pending": 1, "missing": 2, "failed": 1}
    assert setup.canvas.score(WEEK1, 13) is None
    assert setup.canvas.score(WEEK2, 12) == 40


def test_students_and_assignments_that_cannot_be_matched_are_reported(setup: Setup) -> None:
    """A roster student Canvas lacks, a Canvas student on no roster, an assignment without a
    Canvas id, one Canvas does not have, and one out of other points are problems, not sent."""
    setup.canvas.assignments[WEEK2].points_possible = 10
    with setup.client(FakeClock()) as client:
        plan = setup.plan(client)
    problems = {(p.kind, p.subject) for p in plan.problems}
    assert problems == {
        ("not_in_canvas", "s4"),
        ("not_on_roster", "canvas:99"),
        ("points_differ", "week02"),
        ("no_canvas_id", "week02b"),
    }
    assert all(change.student != "s4" for change in plan.changes)
    del setup.canvas.assignments[WEEK1]
    with setup.client(FakeClock()) as client:
        plan = setup.plan(client)
    assert ("assignment_missing", "week01") in {(p.kind, p.subject) for p in plan.problems}
    assert plan.changes == ()


def test_students_match_by_email_without_case(tmp_path: Path, canvas: FakeCanvas) -> None:
    """match: email asks Canvas for the e-mail addresses and compares them without case."""
    made = Setup(tmp_path, canvas, match="email")
    made.graded("amy", "week01", 81)
    with made.client(FakeClock(), match="email") as client:
        plan = made.plan(client)
    made.sql.dispose()
    assert [(c.student, c.canvas_user) for c in plan.changes] == [("s1", 11)]
    users = [r for r in canvas.requests if r.path.endswith("/search_users")]
    assert ("include[]", "email") in users[0].query


def test_an_excused_submission_is_left_excused(setup: Setup) -> None:
    setup.canvas.set_score(WEEK1, 11, None, excused=True)
    with setup.client(FakeClock()) as client:
        result = setup.push(client)
    assert ("week01", "s1") not in sent(result)
    assert ("excused", "s1") in {(p.kind, p.subject) for p in result.plan.problems}


def test_requests_are_paced_by_the_rate(setup: Setup) -> None:
    """At 2 requests a second, every request after the first waits half a second."""
    clock = FakeClock()
    with setup.client(clock) as client:
        setup.push(client)
        requests = client.requests_sent
    assert requests == len(setup.canvas.requests) > 5  # paginated reads and two PUTs
    assert clock.sleeps == [0.5] * (requests - 1)


def test_canvas_throttling_and_server_errors_are_retried(setup: Setup) -> None:
    """A 403 "Rate Limit Exceeded" and a 500 are retried after backing off; the push lands."""
    clock = FakeClock()
    setup.canvas.fail_next(1, 403)
    with setup.client(clock) as client:
        plan = setup.plan(client)
        setup.canvas.fail_next(2, 500)
        result = push_plan(client, plan, setup.store, "test")
    assert result.error is None
    assert sent(result) == {("week01", "s1"): "81", ("week01", "s2"): "72.5"}
    assert [s for s in clock.sleeps if s != 0.5] == [1.0, 1.0, 2.0]
    assert [r.status for r in setup.canvas.requests].count(403) == 1


def test_canvas_failing_past_the_retries_stops_the_push_and_keeps_the_trail(
    setup: Setup,
) -> None:
    """After the retries a push stops with ``CanvasUnavailable``; what was sent is audited."""
    with setup.client(FakeClock()) as client:
        plan = setup.plan(client)
        sends = iter([None, 5])
        original = client.send

        def flaky(change: object) -> float | None:
            if next(sends):
                setup.canvas.fail_next(5, 503)
            return original(change)  # type: ignore[arg-type]

        client.send = flaky  # type: ignore[method-assign]
        result = push_plan(client, plan, setup.store, "test")
    assert isinstance(result.error, CanvasUnavailable)
    assert len(result.sent) == 1
    entry = setup.store.audit("c1")[0]
    assert (entry.action, entry.target) == ("canvas.push", "week01")
    assert entry.after == "s1 81" and "1 of 2 grades" in (entry.reason or "")


def test_a_bad_token_and_a_wrong_course_are_clear_errors(setup: Setup) -> None:
    with (
        setup.client(FakeClock(), token="wrong") as client,
        pytest.raises(CanvasRejected, match=r"refused the token.*CANVAS_TOKEN"),
    ):
        setup.plan(client)
    with (
        setup.client(FakeClock(), course_id=4321) as client,
        pytest.raises(CanvasRejected, match=r"no course 4321 \(404\)"),
    ):
        setup.plan(client)


# --- the command line ----------------------------------------------------------------------


def test_cli_dry_run_prints_the_table_and_sends_nothing(setup: Setup) -> None:
    result = setup.run("push", "--course", "c1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would change" in result.output and "72.5" in result.output
    assert "Amy [red]Pond[/]" in result.output  # a roster name is text, never markup
    assert "nothing sent" in result.output and "not_in_canvas" in result.output
    assert setup.canvas.writes == 0


def test_cli_push_sends_audits_and_is_idempotent(setup: Setup) -> None:
    result = setup.run("push", "--course", "c1", "--assignment", "week01")
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    assert setup.canvas.score(WEEK1, 11) == 81
    entry = setup.store.audit("c1")[0]
    assert (entry.action, entry.target, entry.after) == ("canvas.push", "week01", "s1 81, s2 72.5")
    assert entry.actor.startswith("cli:")
    again = setup.run("push", "--course", "c1")
    assert again.exit_code == 0 and "0 sent; 2 unchanged" in again.output
    assert setup.canvas.writes == 2


def test_cli_status_shows_the_mapping(setup: Setup) -> None:
    result = setup.run("status", "--course", "c1")
    assert result.exit_code == 0, result.output
    assert "5678" in result.output and "3 of 4 roster students matched" in result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--assignment", "nope"], {}, "no assignment 'nope'"),
        (["--assignment", "week02b"], {}, "week02b has no canvas_id"),
        ([], {"CANVAS_TOKEN": ""}, "no Canvas token"),
        ([], {"CANVAS_TOKEN": "wrong"}, "refused the token"),
    ],
)
def test_cli_bad_input_exits_2(
    setup: Setup, args: list[str], env: dict[str, str], message: str
) -> None:
    result = setup.run("push", "--course", "c1", *args, **env)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert setup.canvas.writes == 0


def test_cli_course_without_canvas_exits_2(setup: Setup) -> None:
    text = setup.courses_file.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "canvas: {url" not in line]
    setup.courses_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = setup.run("push", "--course", "c1")
    assert result.exit_code == 2 and "has no canvas: section" in result.output


def test_cli_canvas_failing_exits_3(setup: Setup) -> None:
    setup.canvas.fail_next(50, 500)
    result = setup.run("push", "--course", "c1", "--dry-run")
    assert result.exit_code == 3, result.output
    assert "failed to read the course" in result.output


def test_the_fake_flags_requests_canvas_would_not_take(canvas: FakeCanvas) -> None:
    """The fake's checks are live: a grade as a percentage, a JSON body, an unknown parameter
    and a missing token are answered 400/401 and recorded as violations."""
    canvas.add_course(COURSE)
    canvas.add_user(COURSE, 11, "Amy")
    canvas.add_assignment(COURSE, WEEK1)
    put = f"{canvas.url}/api/v1/courses/{COURSE}/assignments/{WEEK1}/submissions/11"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with requests.Session() as http:
        answers = [
            http.put(put, data={"submission[posted_grade]": "81%"}, headers=auth),
            http.put(put, json={"submission": {"posted_grade": "81"}}, headers=auth),
            http.get(f"{canvas.url}/api/v1/courses/{COURSE}?per_pgae=5", headers=auth),
            http.get(f"{canvas.url}/api/v1/courses/{COURSE}"),
        ]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 401]
    assert len(canvas.violations) == 4 and canvas.writes == 0
    canvas.violations.clear()
