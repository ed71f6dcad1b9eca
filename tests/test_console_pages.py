"""The console's pages, exports and JSON API over a small seeded course (``console_support``):
each page renders what it should for staff, students see only their own, staff of another
course see nothing of this one, and the forms change what they say they change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import cast

import pytest
from console_support import (
    COURSE,
    HIDDEN_TEST,
    OTHER,
    RUBRICS,
    VISIBLE_TEST,
    Course,
    migrated_database,
    seeded_course,
)
from markupsafe import Markup

from grader.console import plots
from grader.console.pages.student import OneStudent
from grader.service.classroom.demo import demo_courses_yaml, seed
from grader.service.classroom.gradebook import build_gradebook
from grader.service.courses import load_courses
from grader.service.store import SqlCourseStore, SqlStore
from grader.service.store.course import CourseStore

BASE = f"/console/courses/{COURSE}"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("console"))


@pytest.fixture
def course(tmp_path: Path, migrated: Path) -> Course:
    return seeded_course(tmp_path, migrated)


def gradebook_rows(course: Course, headers: dict[str, str]) -> dict[str, dict[str, str]]:
    """The gradebook CSV export, by student key."""
    answer = course.client.get(f"{BASE}/export/gradebook.csv", headers=headers)
    assert answer.status_code == 200
    return {row["key"]: row for row in csv.DictReader(io.StringIO(answer.text))}


# --- pages render for staff ------------------------------------------------------------------


def test_home_lists_the_courses_a_viewer_teaches_and_their_own_submissions(course: Course) -> None:
    staff = course.client.get("/console", headers=course.token("prof"))
    assert staff.status_code == 200
    assert f'href="{BASE}"' in staff.text
    assert "Python 101 &lt;Fall&gt;" in staff.text  # the title is text, escaped
    assert f'href="/console/courses/{OTHER}"' not in staff.text
    student = course.client.get("/console", headers=course.token("alice"))
    assert student.status_code == 200
    assert f'href="{BASE}"' not in student.text
    assert course.ids["alice-week01"] in student.text
    assert course.ids["bob-week01"] not in student.text


def test_the_course_overview_colours_each_cell_by_its_state_and_counts_each_assignment(
    course: Course,
) -> None:
    page = course.client.get(BASE, headers=course.token("ta-tim"))
    assert page.status_code == 200
    text = page.text
    assert "Bob &lt;b&gt;Bold&lt;/b&gt;" in text and "<b>Bold</b>" not in text
    assert 'class="cell state-late" title="late · raw 70 · 2 day(s) late, -20%' in text
    assert f'<a href="/console/submissions/{course.ids["bob-week01"]}">56</a>' in text
    assert 'class="cell state-pending"' in text  # bob's week02 is queued
    assert 'class="cell state-failed"' in text  # carol's week02 failed on the platform
    assert 'class="cell state-missing"' in text  # carol never pushed week01
    assert "1 unmatched login(s)" in text  # dave
    assert "56 / 100" in text  # week01's median of 80, 56, 50


def test_the_assignment_page_plots_the_scores_and_lists_failures_late_work_and_missing(
    course: Course,
) -> None:
    page = course.client.get(f"{BASE}/assignments/week01", headers=course.token("prof"))
    assert page.status_code == 200
    text = page.text
    assert text.count('<svg class="plot"') == 2
    assert "Hidden tests" in text and "Lint" in text  # the criterion averages
    assert HIDDEN_TEST in text and 'class="badge hidden"' in text  # staff see hidden names
    late = text.split("Late work")[1].split("No submission")[0]
    assert "Bob &lt;b&gt;Bold&lt;/b&gt;" in late and "20%" in late
    missing = text.split("No submission")[1]
    assert "Carol Cole" in missing and "Alice" not in missing
    assert 'hx-trigger="every 5s"' in text


def test_the_queue_part_lists_submissions_in_flight_and_failed_for_htmx(course: Course) -> None:
    part = course.client.get(f"{BASE}/assignments/week02/queue", headers=course.token("prof"))
    assert part.status_code == 200
    assert not part.text.lstrip().startswith("<!doctype")  # a fragment, not a page
    assert course.ids["bob-week02"] not in part.text or "queued" in part.text
    assert "queued" in part.text and "failed" in part.text
    assert "the sandbox could not start" in part.text


def test_the_student_page_shows_every_submission_a_plot_and_the_forms(course: Course) -> None:
    page = course.client.get(f"{BASE}/students/s1", headers=course.token("prof"))
    assert page.status_code == 200
    text = page.text
    assert course.ids["alice-week01"] in text and course.ids["alice-week02"] in text
    assert text.count('<svg class="plot"') == 2  # one line per graded assignment
    assert f'action="{BASE}/extensions"' in text and f'action="{BASE}/overrides"' in text


def test_an_unmatched_login_has_a_page_of_its_own(course: Course) -> None:
    page = course.client.get(f"{BASE}/students/gh:dave", headers=course.token("prof"))
    assert page.status_code == 200
    assert course.ids["dave-week01"] in page.text


def test_staff_see_hidden_tests_in_the_report_and_the_student_only_their_outcome(
    course: Course,
) -> None:
    address = f"/console/submissions/{course.ids['bob-week01']}"
    staff = course.client.get(address, headers=course.token("prof"))
    assert staff.status_code == 200
    assert HIDDEN_TEST in staff.text and "assert 41 == 42" in staff.text
    assert "Late by 2 day(s): 20% deducted" in staff.text
    student = course.client.get(address, headers=course.token("bob"))
    assert student.status_code == 200
    assert HIDDEN_TEST not in student.text and "assert 41 == 42" not in student.text
    assert "hidden test 1" in student.text
    assert VISIBLE_TEST in student.text
    assert "AssertionError: &lt;b&gt;no&lt;/b&gt;" in student.text  # messages are text
    assert "Ask for a regrade" in student.text


def test_the_roster_page_lists_students_and_the_logins_to_match(course: Course) -> None:
    page = course.client.get(f"{BASE}/roster", headers=course.token("prof"))
    assert page.status_code == 200
    assert "Alice Archer" in page.text and "Carol Cole" in page.text
    unmatched = page.text.split('id="unmatched"')[1].split("<h2>")[0]
    assert "dave" in unmatched and "alice" not in unmatched.split("<select")[0]


# --- who may see what ----------------------------------------------------------------------


STAFF_ONLY = [
    BASE,
    f"{BASE}/assignments/week01",
    f"{BASE}/assignments/week01/queue",
    f"{BASE}/students/s1",
    f"{BASE}/roster",
    f"{BASE}/audit",
    f"{BASE}/export/gradebook.csv",
    f"{BASE}/export/canvas.csv",
    f"/api/courses/{COURSE}/gradebook",
    f"/api/courses/{COURSE}/assignments/week01/submissions",
]


@pytest.mark.parametrize("login", ["alice", "otherprof"])
def test_a_student_and_the_staff_of_another_course_reach_no_course_page(
    course: Course, login: str
) -> None:
    headers = course.token(login)
    for address in STAFF_ONLY:
        answer = course.client.get(address, headers=headers)
        assert answer.status_code in (403, 404), address
        assert "Alice Archer" not in answer.text, address


def test_a_student_gets_404_for_another_students_submission_and_its_export(course: Course) -> None:
    headers = course.token("alice")
    for sid in (course.ids["bob-week01"], course.ids["eve-week03"]):
        assert course.client.get(f"/console/submissions/{sid}", headers=headers).status_code == 404
        answer = course.client.get(f"/console/submissions/{sid}/results.json", headers=headers)
        assert answer.status_code == 404
    own = course.client.get(
        f"/console/submissions/{course.ids['alice-week01']}/results.json", headers=headers
    )
    assert own.status_code == 403  # their own, but the export is for staff


def test_staff_of_another_course_get_404_for_its_submissions(course: Course) -> None:
    answer = course.client.get(
        f"/console/submissions/{course.ids['bob-week01']}", headers=course.token("otherprof")
    )
    assert answer.status_code == 404
    theirs = course.client.get(
        f"/console/submissions/{course.ids['eve-week03']}", headers=course.token("otherprof")
    )
    assert theirs.status_code == 200


@pytest.mark.parametrize(
    "address",
    [
        "/console/submissions/not-an-id",
        "/console/submissions/" + "a" * 300,
        f"{BASE}/students/" + "x" * 300,
        f"{BASE}/students/nobody",
        f"{BASE}/assignments/week03",  # another course's assignment
        f"{BASE}/assignments/{'w' * 200}",
        "/console/courses/NoSuchCourse",
    ],
)
def test_malformed_or_unknown_ids_are_404_pages(course: Course, address: str) -> None:
    answer = course.client.get(address, headers=course.token("prof"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_a_signed_out_browser_is_sent_to_sign_in(course: Course) -> None:
    answer = course.client.get(BASE, headers={"accept": "text/html"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/signin?next=")


# --- forms ----------------------------------------------------------------------------------


def test_an_extension_removes_the_late_penalty_and_removing_it_brings_it_back(
    course: Course,
) -> None:
    headers = course.token("prof")
    assert gradebook_rows(course, headers)["s2"]["week01"] == "56"
    answer = course.client.post(
        f"{BASE}/extensions",
        headers=headers,
        data={"student": "s2", "assignment": "week01", "due": "2026-12-10T00:00", "reason": "ill"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{BASE}/students/s2?done=extension.set"
    assert gradebook_rows(course, headers)["s2"]["week01"] == "70"
    page = course.client.get(answer.headers["location"], headers=headers)
    assert "Extension saved." in page.text and "2026-12-10 00:00 UTC" in page.text
    assert "extension.set" in page.text  # the audit entry about the student
    removed = course.client.post(
        f"{BASE}/extensions/remove", headers=headers, data={"student": "s2", "assignment": "week01"}
    )
    assert removed.status_code == 303
    assert gradebook_rows(course, headers)["s2"]["week01"] == "56"


def test_an_override_sets_the_final_grade_and_is_audited(course: Course) -> None:
    headers = course.token("prof")
    answer = course.client.post(
        f"{BASE}/overrides",
        headers=headers,
        data={"student": "s3", "assignment": "week01", "score": "42.5", "reason": "paper exam"},
    )
    assert answer.status_code == 303
    assert gradebook_rows(course, headers)["s3"]["week01"] == "42.5"
    overview = course.client.get(BASE, headers=headers)
    assert 'class="cell state-overridden"' in overview.text
    audit = course.client.get(f"{BASE}/audit", headers=headers)
    assert "override.set" in audit.text and "paper exam" in audit.text and "prof" in audit.text


@pytest.mark.parametrize(
    ("form", "named"),
    [
        ({"score": "101"}, "score: 101 is not between 0 and 100"),
        ({"score": "ten"}, "score: not a number"),
        ({"score": "nan"}, "score: not a number"),
        ({"reason": "  "}, "reason: say why"),
        ({"assignment": "week03"}, "assignment: &#39;week03&#39; is not an assignment"),
    ],
)
def test_a_bad_override_form_is_the_page_again_naming_the_field(
    course: Course, form: dict[str, str], named: str
) -> None:
    data = {"student": "s1", "assignment": "week01", "score": "50", "reason": "why", **form}
    answer = course.client.post(f"{BASE}/overrides", headers=course.token("prof"), data=data)
    assert answer.status_code == 400
    assert named in answer.text
    assert course.course_store.overrides(COURSE) == []


def test_a_bad_extension_due_date_is_named(course: Course) -> None:
    data = {"student": "s1", "assignment": "week01", "due": "next tuesday", "reason": "why"}
    answer = course.client.post(f"{BASE}/extensions", headers=course.token("prof"), data=data)
    assert answer.status_code == 400
    assert "due: &#39;next tuesday&#39; is not a date and time" in answer.text


def test_a_form_for_an_unknown_student_is_a_400_page(course: Course) -> None:
    data = {"student": "s9", "assignment": "week01", "score": "50", "reason": "why"}
    answer = course.client.post(f"{BASE}/overrides", headers=course.token("prof"), data=data)
    assert answer.status_code == 400
    assert "student:" in answer.text


def test_a_student_cannot_post_an_override(course: Course) -> None:
    data = {"student": "s1", "assignment": "week01", "score": "100", "reason": "me"}
    answer = course.client.post(f"{BASE}/overrides", headers=course.token("alice"), data=data)
    assert answer.status_code == 403
    assert course.course_store.overrides(COURSE) == []


def test_a_form_from_a_session_needs_its_csrf_token(course: Course) -> None:
    csrf = course.sign_in("prof", {COURSE: "owner"})
    data = {"student": "s1", "assignment": "week01", "score": "77", "reason": "x"}
    forged = course.client.post(f"{BASE}/overrides", data=data)
    assert forged.status_code == 403
    assert course.course_store.overrides(COURSE) == []
    sent = course.client.post(f"{BASE}/overrides", data={**data, "csrf_token": csrf})
    assert sent.status_code == 303
    assert [o.score for o in course.course_store.overrides(COURSE)] == [77]


def test_a_signed_in_page_carries_the_sign_out_form_with_the_token(course: Course) -> None:
    csrf = course.sign_in("prof", {COURSE: "owner"})
    page = course.client.get(BASE)
    assert page.status_code == 200
    assert 'action="/console/signout"' in page.text and f'value="{csrf}"' in page.text
    assert "Signed in as <strong>prof</strong>" in page.text


CLASSROOM_CSV = (
    "identifier,github_username,github_id,name\ns1,alice,101,Alice Archer\ns4,dave,104,Dave Doe\n"
)


def test_a_roster_upload_adds_students_and_matches_their_logins(course: Course) -> None:
    headers = course.token("prof")
    answer = course.client.post(
        f"{BASE}/roster",
        headers=headers,
        files={"roster": ("classroom.csv", CLASSROOM_CSV.encode(), "text/csv")},
    )
    assert answer.status_code == 303
    page = course.client.get(answer.headers["location"], headers=headers)
    assert "Roster imported: 1 student(s) added" in page.text
    assert "Dave Doe" in page.text
    assert "Every login that submitted is on the roster." in page.text
    assert gradebook_rows(course, headers)["s4"]["week01"] == "50"  # dave's push is now s4's


def test_a_bad_roster_is_the_page_again_with_every_problem_and_nothing_imported(
    course: Course,
) -> None:
    bad = "identifier,github_username,github_id,name\ns5,eve,abc,Eve\ns6,not a login!,6,Sam\n"
    answer = course.client.post(
        f"{BASE}/roster",
        headers=course.token("prof"),
        files={"roster": ("bad.csv", bad.encode(), "text/csv")},
    )
    assert answer.status_code == 400
    assert "Nothing was imported:" in answer.text
    assert "bad.csv line 2" in answer.text and "bad.csv line 3" in answer.text
    assert [s.key for s in course.course_store.students(COURSE)] == ["s1", "s2", "s3"]


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ({}, 400),
        ({"roster": ("big.csv", b"x" * (3 * 1024 * 1024), "text/csv")}, 413),
        ({"roster": ("bin.csv", b"\xff\xfe\x00garbage", "text/csv")}, 400),
    ],
)
def test_an_upload_without_a_file_too_big_or_not_text_is_refused_plainly(
    course: Course, files: dict[str, tuple[str, bytes, str]], status: int
) -> None:
    answer = course.client.post(
        f"{BASE}/roster", headers=course.token("prof"), files=files or None, data={"x": "1"}
    )
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")


def test_an_unmatched_login_is_matched_to_a_roster_student_by_hand(course: Course) -> None:
    headers = course.token("prof")
    answer = course.client.post(
        f"{BASE}/roster/match", headers=headers, data={"login": "dave", "student": "s3"}
    )
    assert answer.status_code == 303
    student = course.course_store.student(COURSE, "s3")
    assert student is not None and student.login == "dave"
    taken = course.client.post(
        f"{BASE}/roster/match", headers=headers, data={"login": "alice", "student": "s2"}
    )
    assert taken.status_code == 400
    assert "login:" in taken.text


def test_a_regrade_request_is_opened_by_the_student_and_answered_by_staff(course: Course) -> None:
    sid = course.ids["alice-week01"]
    student = course.token("alice")
    opened = course.client.post(
        f"/console/submissions/{sid}/regrades",
        headers=student,
        data={"message": "test 3 <is> wrong"},
    )
    assert opened.status_code == 303
    page = course.client.get(f"/console/submissions/{sid}", headers=student)
    assert "test 3 &lt;is&gt; wrong" in page.text and "Ask for a regrade" not in page.text
    again = course.client.post(
        f"/console/submissions/{sid}/regrades", headers=student, data={"message": "again"}
    )
    assert again.status_code == 400
    (request,) = course.course_store.regrade_requests(COURSE, submission_id=sid)
    staff = course.token("prof")
    answered = course.client.post(
        f"/console/submissions/{sid}/regrades/{request.id}",
        headers=staff,
        data={"status": "accepted", "response": "fixed the test"},
    )
    assert answered.status_code == 303
    (request,) = course.course_store.regrade_requests(COURSE, submission_id=sid)
    assert (request.status, request.response, request.answered_by) == (
        "accepted",
        "fixed the test",
        "prof",
    )
    audit = course.client.get(f"{BASE}/audit", headers=staff)
    assert "regrade.open" in audit.text and "regrade.answer" in audit.text


def test_only_the_author_asks_and_only_staff_answer_a_regrade(course: Course) -> None:
    sid = course.ids["bob-week01"]
    by_staff = course.client.post(
        f"/console/submissions/{sid}/regrades", headers=course.token("prof"), data={"message": "x"}
    )
    assert by_staff.status_code == 403
    request = course.course_store.open_regrade_request(COURSE, sid, "bob", "please")
    by_student = course.client.post(
        f"/console/submissions/{sid}/regrades/{request.id}",
        headers=course.token("bob"),
        data={"status": "accepted", "response": "granted by me"},
    )
    assert by_student.status_code == 403
    elsewhere = course.client.post(
        f"/console/submissions/{course.ids['alice-week01']}/regrades/{request.id}",
        headers=course.token("prof"),
        data={"status": "accepted", "response": "wrong submission"},
    )
    assert elsewhere.status_code == 404


# --- exports ----------------------------------------------------------------------------------


def test_the_gradebook_csv_is_an_attachment_with_one_row_per_student(course: Course) -> None:
    answer = course.client.get(f"{BASE}/export/gradebook.csv", headers=course.token("prof"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="py101-gradebook.csv"'
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["key", "student_id", "name", "email", "login", "week01", "week02", "total"]
    assert rows[1][:1] + rows[1][5:] == ["s1", "80", "90", "170"]
    assert [row[0] for row in rows[1:]] == ["s1", "s2", "s3", "gh:dave"]


def test_the_canvas_csv_has_the_points_possible_row(course: Course) -> None:
    answer = course.client.get(f"{BASE}/export/canvas.csv", headers=course.token("prof"))
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["100", "100"]


def test_the_gradescope_results_name_hidden_tests_for_staff(course: Course) -> None:
    sid = course.ids["bob-week01"]
    answer = course.client.get(
        f"/console/submissions/{sid}/results.json", headers=course.token("prof")
    )
    assert answer.status_code == 200
    results = json.loads(answer.text)
    assert results["score"] == 56
    hidden = [test for test in results["tests"] if test.get("visibility") == "hidden"]
    assert any(HIDDEN_TEST in test["name"] for test in hidden)


# --- the JSON API -----------------------------------------------------------------------------


def test_the_api_lists_courses_gradebook_and_submissions_for_staff(course: Course) -> None:
    headers = course.token("prof")
    courses = course.client.get("/api/courses", headers=headers).json()
    assert courses == [
        {
            "id": COURSE,
            "title": "Python 101 <Fall>",
            "role": "owner",
            "assignments": ["week01", "week02"],
        }
    ]
    book = course.client.get(f"/api/courses/{COURSE}/gradebook", headers=headers).json()
    bob = next(s for s in book["students"] if s["key"] == "s2")
    assert bob["grades"]["week01"]["final"] == 56 and bob["grades"]["week01"]["state"] == "late"
    assert book["unmatched"] == ["dave"]
    rows = course.client.get(
        f"/api/courses/{COURSE}/assignments/week01/submissions", headers=headers
    ).json()
    assert {row["author_login"] for row in rows} == {"alice", "bob", "dave"}


def test_the_api_gives_a_student_their_own_submissions_only(course: Course) -> None:
    headers = course.token("bob")
    mine = course.client.get("/api/students/me/submissions", headers=headers).json()
    assert {row["id"] for row in mine} == {course.ids["bob-week01"], course.ids["bob-week02"]}
    assert course.client.get("/api/courses", headers=headers).json() == []
    refused = course.client.get(f"/api/courses/{COURSE}/gradebook", headers=headers)
    assert refused.status_code == 403


def test_the_api_sets_an_extension_and_an_override(course: Course) -> None:
    headers = course.token("prof")
    extension = course.client.post(
        f"/api/courses/{COURSE}/extensions",
        headers=headers,
        json={
            "student": "s2",
            "assignment": "week01",
            "due": "2026-12-10T00:00:00Z",
            "reason": "ill",
        },
    )
    assert extension.status_code == 201
    override = course.client.post(
        f"/api/courses/{COURSE}/overrides",
        headers=headers,
        json={"student": "s1", "assignment": "week02", "score": 95, "reason": "regraded by hand"},
    )
    assert override.status_code == 201
    rows = gradebook_rows(course, headers)
    assert (rows["s2"]["week01"], rows["s1"]["week02"]) == ("70", "95")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 500}, "score"),
        ({"score": "lots"}, "score"),
        ({"assignment": "week03"}, "assignment"),
        ({"student": "nobody"}, "student"),
        ({"reason": ""}, "reason"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_api_body_is_a_422_naming_the_field(
    course: Course, body: dict[str, object], field: str
) -> None:
    sent = {"student": "s1", "assignment": "week01", "score": 50, "reason": "why", **body}
    answer = course.client.post(
        f"/api/courses/{COURSE}/overrides", headers=course.token("prof"), json=sent
    )
    assert answer.status_code == 422
    assert ["body", field] in [error["loc"] for error in answer.json()["detail"]]
    assert course.course_store.overrides(COURSE) == []


def test_an_api_due_date_needs_its_offset(course: Course) -> None:
    answer = course.client.post(
        f"/api/courses/{COURSE}/extensions",
        headers=course.token("prof"),
        json={"student": "s1", "assignment": "week01", "due": "2026-12-10T00:00", "reason": "x"},
    )
    assert answer.status_code == 422
    assert ["body", "due"] in [error["loc"] for error in answer.json()["detail"]]


# --- plots ------------------------------------------------------------------------------------


def test_plots_escape_their_labels_and_carry_tooltips() -> None:
    hostile = "<script>alert(1)</script>"
    for svg in (
        plots.histogram([plots.Bar(hostile, 3)], title=hostile),
        plots.horizontal_bars([plots.Bar(hostile, 2)], maximum=[4], title="t"),
        plots.line([plots.Point(hostile, 5), plots.Point("b", 7)], maximum=10, title="t"),
    ):
        assert isinstance(svg, Markup)
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert svg.count("<title>") >= 2


def test_a_plot_draws_bars_to_scale_and_says_when_there_is_nothing() -> None:
    svg = plots.histogram([plots.Bar("a", 1), plots.Bar("b", 2)], title="t", height=220)
    heights = [float(part.split('"')[0]) for part in svg.split('height="')[2:]]
    assert heights == [80.0, 160.0]  # the tallest fills the 160 px plot area
    assert "no data yet" in plots.line([], maximum=10, title="empty")


# --- the student page's gradebook -------------------------------------------------------------


def test_a_gradebook_of_one_student_equals_their_row_of_the_whole_course(tmp_path: Path) -> None:
    """The student page builds the gradebook over ``OneStudent`` (their reads only): every
    student's cells and late days are the course gradebook's, late-day budget included."""
    courses_file = demo_courses_yaml(tmp_path / "courses.yaml", RUBRICS, owner="prof", tas=())
    courses = load_courses(courses_file)
    store = SqlStore(f"sqlite:///{tmp_path / 'demo.db'}")
    store.migrate()
    course_store = SqlCourseStore.beside(store)
    course_id = courses.courses[0].id
    seed(courses, course_id, store.engine, course_store, students=12, per_assignment=3)
    whole = build_gradebook(courses, course_id, course_store)
    assert whole.late_days_left and any(cell.due.late_days_used for cell in whole.cells.values())
    for student in whole.students:
        scope = OneStudent(course_store, course_id, student.key)
        alone = build_gradebook(courses, course_id, cast(CourseStore, scope))
        assert alone.students == [student]
        for route in whole.routes:
            assert alone.cells[(route.id, student.key)] == whole.cells[(route.id, student.key)]
        assert alone.late_days_left == {student.key: whole.late_days_left[student.key]}
    nobody = OneStudent(course_store, course_id, f"gh:{whole.students[0].login}")
    assert build_gradebook(courses, course_id, cast(CourseStore, nobody)).students == []
