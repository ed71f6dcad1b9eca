"""The regrade pages of the console and ``grader course regrade``, over the seeded course of
``console_support`` (SQLite): who may see and do what, CSRF, and the preview as shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_support import COURSE, HIDDEN_TEST, Course, grade, migrated_database, seeded_course
from typer.testing import CliRunner

from grader.cli import regrades as cli
from grader.console.context import ConsoleContext
from grader.service.store.batches_sql import SqlBatchStore

BASE = f"/console/courses/{COURSE}/assignments/week01/regrades"
OWNER = {COURSE: "owner"}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("regrades"))


@pytest.fixture
def course(tmp_path: Path, migrated: Path) -> Course:
    seeded = seeded_course(tmp_path, migrated)
    ctx = context(seeded)
    ctx.batches = SqlBatchStore(seeded.store.engine, seeded.store.clock)
    ctx.enqueue = QUEUE.append
    QUEUE.clear()
    return seeded


QUEUE: list[str] = []
"""What the console handed the workers in the current test."""


def context(course: Course) -> ConsoleContext:
    ctx = course.client.app.state.console  # type: ignore[attr-defined]
    assert isinstance(ctx, ConsoleContext)
    return ctx


def started(course: Course) -> str:
    """Start a preview as the owner; returns the batch page's address."""
    csrf = course.sign_in("prof", OWNER)
    answer = course.client.post(BASE, data={"csrf_token": csrf, "preview": "1"})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).split("?")[0]


def test_staff_see_the_page_and_only_deciders_get_the_forms(course: Course) -> None:
    """Owners see the forms; a TA sees the page without them; a student is refused."""
    course.sign_in("prof", OWNER)
    page = course.client.get(BASE)
    assert page.status_code == 200 and "Start the regrade" in page.text
    course.sign_in("ta-tim", {COURSE: "ta"})
    page = course.client.get(BASE)
    assert page.status_code == 200 and "Start the regrade" not in page.text
    course.sign_in("alice")
    assert course.client.get(BASE).status_code == 403


def test_a_regrade_needs_the_csrf_token_and_an_instructor(course: Course) -> None:
    """A post without the session's token, or by a TA, starts nothing."""
    course.sign_in("prof", OWNER)
    assert course.client.post(BASE, data={"preview": "1"}).status_code == 403
    csrf = course.sign_in("ta-tim", {COURSE: "ta"})
    assert course.client.post(BASE, data={"csrf_token": csrf}).status_code == 403
    assert QUEUE == []


def test_the_preview_shows_old_new_and_changed_tests_then_applies(course: Course) -> None:
    """Started from the page, graded by the workers, the preview lists each student with the
    old and new score and the hidden test that changed; apply hands them out to publish."""
    batch_page = started(course)
    assert len(QUEUE) == 3  # alice, bob, dave: their counted week01 submissions
    page = course.client.get(batch_page)
    assert page.status_code == 200 and "3</strong>still grading" in page.text
    assert 'hx-trigger="every 5s"' in page.text
    csrf = course.sign_in("prof", OWNER)
    refused = course.client.post(f"{batch_page}/apply", data={"csrf_token": csrf})
    assert refused.status_code == 400 and "3 of 3 submissions are still grading" in refused.text
    for sub_id in QUEUE:
        grade(course.store, sub_id, 90, 90)
    page = course.client.get(batch_page)
    assert "+10" in page.text and HIDDEN_TEST not in page.text  # same tests: nothing changed
    handed = list(QUEUE)
    applied = course.client.post(f"{batch_page}/apply", data={"csrf_token": csrf})
    assert applied.status_code == 303
    assert QUEUE[len(handed) :] and set(QUEUE[len(handed) :]) == set(handed)
    page = course.client.get(f"{batch_page}?done=apply")
    assert "Regrade applied" in page.text and "Revert to the earlier results" in page.text


def test_without_workers_the_page_says_so(course: Course) -> None:
    """A console with no way to the workers refuses to start, naming the command line."""
    context(course).enqueue = None
    csrf = course.sign_in("prof", OWNER)
    answer = course.client.post(BASE, data={"csrf_token": csrf, "preview": "1"})
    assert answer.status_code == 400 and "not connected to the grading workers" in answer.text


def test_unknown_batches_and_actions_are_404(course: Course) -> None:
    batch_page = started(course)
    csrf = course.sign_in("prof", OWNER)
    assert course.client.get(f"{BASE}/{'0' * 32}").status_code == 404
    assert course.client.get(f"{BASE}/not-an-id").status_code == 404
    other = f"/console/courses/{COURSE}/assignments/week02/regrades/{batch_page.rsplit('/')[-1]}"
    assert course.client.get(other).status_code == 404
    assert course.client.post(f"{batch_page}/explode", data={"csrf_token": csrf}).status_code == 404


def test_rerun_from_the_page_grades_the_platform_failures(course: Course) -> None:
    """carol's week02 push failed on the platform: the rerun queues it alone."""
    csrf = course.sign_in("prof", OWNER)
    rerun = f"/console/courses/{COURSE}/assignments/week02/rerun"
    answer = course.client.post(rerun, data={"csrf_token": csrf})
    assert answer.status_code == 303 and len(QUEUE) == 1
    again = course.client.post(rerun, data={"csrf_token": csrf})
    assert again.headers["location"].endswith("?done=nothing")


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def env(course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(cli, "enqueuer", lambda _settings: QUEUE.append)
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'grader.db'}",
        "GRADER_COURSES": str(tmp_path / "courses.yaml"),
        "GRADER_DATA_DIR": str(tmp_path),
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.regrade_app, list(args), env=env)
    return result.exit_code, result.output


def test_the_cli_starts_shows_applies_and_reverts(course: Course, env: dict[str, str]) -> None:
    """start, show, apply, revert and list, each saying what it did."""
    code, text = run(env, "start", "--course", COURSE, "--assignment", "week01")
    assert code == 0 and "3 counted submissions" in text
    batch_id = text.split()[0]
    for sub_id in QUEUE:
        grade(course.store, sub_id, 40, 40)
    code, text = run(env, "show", batch_id)
    assert code == 0 and "-40" in text and "3 graded, 0 still grading" in text
    assert run(env, "apply", batch_id) == (
        0,
        "applied: 3 results handed to the workers to publish\n",
    )
    code, text = run(env, "list", "--course", COURSE)
    assert code == 0 and f"{batch_id}  regrade (preview)  applied" in text
    assert run(env, "revert", batch_id)[0] == 0
    assert "reverted" in run(env, "list", "--course", COURSE, "-a", "week01")[1]


def test_the_cli_refuses_bad_input_with_exit_2(course: Course, env: dict[str, str]) -> None:
    code, text = run(env, "start", "--course", COURSE, "--assignment", "nope")
    assert code == 2 and "'nope' is not an assignment of course 'py101'" in text
    assert run(env, "apply", "0" * 32)[0] == 2
    assert run(env, "list", "--course", "nope")[0] == 2
    code, text = run(env, "discard", "0" * 32)
    assert code == 2 and "no batch" in text


def test_the_cli_reruns_and_lists_flaky_tests(course: Course, env: dict[str, str]) -> None:
    code, text = run(env, "rerun-failed", "--course", COURSE, "--assignment", "week02")
    assert code == 0 and "rerun" in text and len(QUEUE) == 1
    assert run(env, "rerun-failed", "-c", COURSE, "-a", "week02")[1] == "nothing to rerun\n"
    assert run(env, "flaky", "-c", COURSE, "-a", "week01") == (0, "no flaky hidden test seen\n")
