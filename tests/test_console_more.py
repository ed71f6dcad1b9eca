"""The console beyond the pages of test_console_pages: API tokens made in the browser, the bound
on request bodies, and a student's own grades on their home page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from console_support import COURSE, Course, seeded_course


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return seeded_course(tmp_path)


def test_a_token_made_on_the_page_is_shown_once_works_and_can_be_revoked(course: Course) -> None:
    csrf = course.sign_in("prof", {COURSE: "owner"})
    made = course.client.post(
        "/console/tokens", data={"name": "nightly export", "csrf_token": csrf}
    )
    assert made.status_code == 201
    secret = re.search(r"<code>(grader_[^<]+)</code>", made.text)
    assert secret is not None
    listed = course.client.get("/console/tokens")
    assert "nightly export" in listed.text and secret.group(1) not in listed.text
    course.client.cookies.clear()
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert course.client.get("/api/courses", headers=headers).status_code == 200
    refused = course.client.post("/console/tokens", headers=headers, data={"name": "another"})
    assert refused.status_code == 403  # a token never mints another
    [token] = course.course_store.tokens("prof")
    csrf = course.sign_in("prof", {COURSE: "owner"})
    gone = course.client.post(
        f"/console/tokens/{token.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303
    course.client.cookies.clear()
    assert course.client.get("/api/courses", headers=headers).status_code == 401


def test_token_forms_need_a_name_and_the_csrf_token_and_touch_only_ones_own(
    course: Course,
) -> None:
    _, _secret = course.course_store.create_token("alice", "alice's script")
    [alices] = course.course_store.tokens("alice")
    csrf = course.sign_in("bob")
    assert course.client.post("/console/tokens", data={"name": "x"}).status_code == 403
    unnamed = course.client.post("/console/tokens", data={"name": "  ", "csrf_token": csrf})
    assert unnamed.status_code == 400 and "name:" in unnamed.text
    course.client.post(f"/console/tokens/{alices.id}/revoke", data={"csrf_token": csrf})
    assert course.course_store.tokens("alice")[0].revoked_at is None  # not bob's to revoke
    assert "alice" not in course.client.get("/console/tokens").text


def test_a_console_body_over_the_bound_or_of_no_declared_length_is_refused_unread(
    course: Course,
) -> None:
    """Any signed-in user could otherwise post gigabytes to any form (Starlette spools file
    parts to disk unbounded): 413 over 4 MiB, 411 for a chunked body, before a byte is read."""
    from grader.console.limits import MAX_BODY

    csrf = course.sign_in("bob")
    huge = course.client.post(
        "/console/tokens",
        files={"junk": ("junk.bin", b"x" * (MAX_BODY + 1))},
        data={"csrf_token": csrf, "name": "x"},
    )
    assert huge.status_code == 413 and "over" in huge.json()["message"]

    def chunks() -> Any:
        yield b"name=x&csrf_token=" + csrf.encode()

    chunked = course.client.post(
        "/console/tokens",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 411
    fine = course.client.post("/console/tokens", data={"csrf_token": csrf, "name": "ok"})
    assert fine.status_code == 201
    assert course.client.post("/webhooks/github", content=b"{}").status_code != 413


def test_a_student_home_shows_their_own_grades_after_policy_and_no_one_elses(
    course: Course,
) -> None:
    """The student reads the grades the gradebook computes for them (own due date, penalty,
    override), course by course, and nothing of another student."""
    from datetime import UTC, datetime

    from grader.service.store.course import Override

    course.course_store.set_override(
        Override(COURSE, "week02", "s1", 77.5, "hand-graded", "prof", datetime.now(UTC))
    )
    staff = course.client.get(f"/api/courses/{COURSE}/gradebook", headers=course.token("prof"))
    alice = next(row for row in staff.json()["students"] if row["login"] == "alice")
    finals = [grade["final"] for grade in alice["grades"].values()]
    assert 77.5 in finals
    course.sign_in("alice")
    home = course.client.get("/console")
    assert home.status_code == 200 and "Your grades" in home.text
    for final in finals:
        assert f"{final:g} / 100" in home.text
    assert "bob" not in home.text.lower()


def test_the_start_up_warm_up_builds_every_gradebook_then_freezes_what_it_built(
    course: Course,
) -> None:
    """``webhooks.service._warm``: each course's gradebook is built before anyone asks (a
    failing course is logged, not fatal), then start-up's objects leave the collector's way."""
    import gc

    from grader.console.context import ConsoleContext
    from webhooks.service import _warm

    ctx: ConsoleContext = course.client.app.state.console  # type: ignore[attr-defined]
    built: list[str] = []
    real = ctx.gradebooks.get

    def get(courses: Any, course_id: str, store: Any) -> Any:
        built.append(course_id)
        if course_id != COURSE:
            raise RuntimeError("this course's store is down")
        return real(courses, course_id, store)

    ctx.gradebooks.get = get  # type: ignore[method-assign]
    try:
        _warm(ctx)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert built == [c.id for c in ctx.courses.courses] and COURSE in built
