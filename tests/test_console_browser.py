"""The console in a real browser: Debian's headless Chromium, driven by Selenium through
chromedriver, against the app served by uvicorn on loopback, a SQLite store and the fake
GitHub's OAuth web flow. Screenshots of each page go to ``$GRADER_SCREENSHOTS`` when set.

Journeys: sign-in with GitHub, a roster import, an extension lifting a late penalty, an
override (audited), a gradebook export, and a student who cannot open another's pages.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fakegithub import FakeGitHub
from support import ROOT, WEEK01

from grader.console.context import ConsoleContext
from grader.service.classroom.demo import synthetic_report
from grader.service.courses import Courses, load_courses
from grader.service.store import NewSubmission, Result, SqlStore
from grader.service.store.course_sql import SqlCourseStore
from grader.settings import ServiceSettings
from webhooks.app import Backend, create_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
COURSE = "python-de-2026"
WEEK02 = ROOT / "rubrics" / "week02-decorators"

if not (shutil.which(CHROMIUM) and shutil.which(DRIVER)):  # .ci/run installs both
    pytest.fail(f"{CHROMIUM} and {DRIVER} are needed: apt-get install chromium chromium-driver")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Site:
    url: str
    gh: FakeGitHub
    store: SqlStore
    course_store: SqlCourseStore
    courses: Courses
    browser: WebDriver
    shots: Path | None
    alice_submission: str

    def open(self, path: str) -> None:
        self.browser.get(self.url + path)

    def text(self) -> str:
        return str(self.browser.find_element(By.TAG_NAME, "body").text)

    def click(self, element: WebElement) -> None:
        """Click and wait for the next page to replace this one."""
        self.browser.execute_script("window.__before_click = true")
        element.click()
        WebDriverWait(self.browser, 20, ignored_exceptions=(WebDriverException,)).until(
            lambda browser: browser.execute_script(
                "return window.__before_click === undefined && document.readyState === 'complete'"
            )
        )

    def shot(self, name: str) -> None:
        if self.shots is not None:
            self.browser.save_screenshot(str(self.shots / f"{name}.png"))

    def sign_in(self, login: str, github_id: int) -> None:
        self.gh.sign_in_as(login, id=github_id)
        self.open("/console")
        assert "/console/signin" in self.browser.current_url  # signed out: sent to sign in
        self.click(self.browser.find_element(By.CSS_SELECTOR, "button.signin"))
        assert self.browser.current_url.rstrip("/").endswith("/console"), self.browser.current_url

    def sign_out(self) -> None:
        self.click(self.browser.find_element(By.XPATH, "//button[text()='Sign out']"))

    def submit_form(self, action: str, fields: dict[str, str]) -> None:
        """Fill the form posting to ``action`` (values set as a user would type them) and send it."""
        form = self.browser.find_element(By.CSS_SELECTOR, f"form[action='{action}']")
        for name, value in fields.items():
            field = form.find_element(By.NAME, name)
            self.browser.execute_script("arguments[0].value = arguments[1]", field, value)
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def _courses(folder: Path) -> Courses:
    path = folder / "courses.yaml"
    path.write_text(
        "courses:\n"
        f"  - id: {COURSE}\n    title: Python DE 2026\n"
        "    staff:\n      owners: [prof-ada]\n"
        "    assignments:\n"
        f"      - id: week01-generators\n        rubric: {WEEK01 / 'rubric.yaml'}\n"
        f'        repositories: ["{COURSE}/*"]\n'
        f"      - id: week02-decorators\n        rubric: {WEEK02 / 'rubric.yaml'}\n"
        f'        repositories: ["{COURSE}/*"]\n'
    )
    return load_courses(path)


def _graded_push(store: SqlStore, courses: Courses, login: str, github_id: int, late: int) -> str:
    """A graded push of week 1 by ``login``, ``late`` days after the rubric's due date."""
    route = courses.get("week01-generators")
    assert route is not None and route.due is not None
    at = route.due + timedelta(days=late, hours=-1 if late == 0 else 1)
    stored = store.add_submission(
        NewSubmission(
            repository=f"{COURSE}/week01-{login}", pull_number=1, head_sha=f"{github_id:040x}",
            head_repository=f"{COURSE}/week01-{login}", head_ref="main", base_sha=None,
            installation_id=1, assignment=route.id, rubric_path=str(route.loaded.path),
            rubric_sha256=route.loaded.sha256, author_login=login, author_id=github_id,
            submitted_at=at,
        )
    )  # fmt: skip
    store.claim(stored.id, "worker", timedelta(seconds=30))
    secret = {"correctness": [f"test_records::test_{login}_secret_case"]}
    report = synthetic_report(route, at, 1.0, secret, random.Random(github_id))  # noqa: S311
    for criterion in report["criteria"]:  # a test at visibility `hidden`: its outcome only
        for test in criterion["tests"]:
            test.update(hidden=True, visibility="hidden", outcome="failed", message="assert 1 == 2")
    raw = round(sum(criterion["score"] for criterion in report["criteria"]), 2)
    result = Result(
        stored.id, report["score"], report["max_score"], "graded", report, route.loaded.sha256,
        None, {}, 1.0, raw_score=raw,
    )  # fmt: skip
    assert store.save_result(stored.id, result)
    return stored.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("console-browser")
    shots = Path(os.environ["GRADER_SCREENSHOTS"]) if os.environ.get("GRADER_SCREENSHOTS") else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    courses = _courses(folder)
    port = _free_port()
    with FakeGitHub() as gh:
        settings = ServiceSettings(
            _env_file=None,  # type: ignore[call-arg]
            github_webhook_secret="webhook-secret",
            data_dir=folder,
            courses=courses.path,
            github_api_url=gh.api_url,
            github_web_url=gh.base_url,
            github_client_id=gh.client_id,
            github_client_secret=gh.client_secret,
            session_secret="a-session-secret-of-forty-characters-xx",
            public_url=f"http://127.0.0.1:{port}",
        )
        store = SqlStore(settings.sqlalchemy_url)
        store.migrate()
        course_store = SqlCourseStore(store.engine)
        alice = _graded_push(store, courses, "alice", 101, late=2)  # 2 days and an hour
        _graded_push(store, courses, "bob", 102, late=0)
        ctx = ConsoleContext(settings, courses, store, course_store)
        app = create_app(Backend(settings, store, courses, lambda *_: None), ctx)
        server = uvicorn.Server(
            # log_config=None and no log_level: uvicorn leaves the process's logging alone
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        options = Options()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000"):  # fmt: skip
            options.add_argument(argument)
        browser = webdriver.Chrome(service=Service(DRIVER), options=options)
        try:
            yield Site(
                f"http://127.0.0.1:{port}", gh, store, course_store, courses, browser, shots, alice
            )
        finally:
            browser.quit()
            server.should_exit = True
            thread.join(10)
            store.dispose()


def _cell(site: Site, key: str, assignment: str) -> str:
    """The gradebook CSV's value for one student and assignment, fetched by the page's link."""
    link = site.browser.find_element(By.LINK_TEXT, "Gradebook CSV").get_attribute("href")
    body: Any = site.browser.execute_script("return fetch(arguments[0]).then(r => r.text())", link)
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(str(body)))}
    return str(rows[key][assignment])


def test_an_instructor_runs_the_course_in_a_browser(site: Site) -> None:
    site.sign_in("prof-ada", 1)
    assert "Python DE 2026" in site.text()
    site.shot("home")

    # The roster: GitHub Classroom's export, uploaded through the page.
    roster = site.store.engine.url.database
    assert roster is not None
    upload = Path(roster).parent / "classroom_roster.csv"
    upload.write_text(
        "identifier,github_username,github_id,name\n"
        "s001,alice,101,Alice Liddell\n"
        "s002,bob,102,Bob Builder\n"
    )
    site.open(f"/console/courses/{COURSE}/roster")
    site.browser.find_element(By.NAME, "roster").send_keys(str(upload))
    site.click(site.browser.find_element(By.XPATH, "//button[text()='Import']"))
    assert "Alice Liddell" in site.text() and "Bob Builder" in site.text()
    site.shot("roster")

    # Three started days late cost alice 30 %; an extension past her push lifts it.
    site.open(f"/console/courses/{COURSE}")
    site.shot("course")
    late = float(_cell(site, "s001", "week01-generators"))
    route = site.courses.get("week01-generators")
    assert route is not None and route.due is not None
    site.open(f"/console/courses/{COURSE}/students/s001")
    action = f"/console/courses/{COURSE}/extensions"
    due = (route.due + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    site.submit_form(action, {"assignment": "week01-generators", "due": due, "reason": "illness"})
    assert "illness" in site.text()
    site.shot("student")
    site.open(f"/console/courses/{COURSE}")
    extended = float(_cell(site, "s001", "week01-generators"))
    saved = site.store.result(site.alice_submission)
    assert saved is not None and saved.raw_score is not None
    assert late == pytest.approx(saved.raw_score * 0.7, abs=0.01)  # 3 started days late
    assert extended == saved.raw_score

    # An override replaces the grade and lands in the audit trail with who, before and after.
    site.open(f"/console/courses/{COURSE}/students/s002")
    action = f"/console/courses/{COURSE}/overrides"
    site.submit_form(
        action, {"assignment": "week01-generators", "score": "91.5", "reason": "hand-graded"}
    )
    site.open(f"/console/courses/{COURSE}")
    assert _cell(site, "s002", "week01-generators") == "91.5"
    site.open(f"/console/courses/{COURSE}/audit")
    audit = site.text()
    assert "hand-graded" in audit and "prof-ada" in audit and "91.5" in audit
    site.shot("audit")

    site.open(f"/console/submissions/{site.alice_submission}")
    assert "test_alice_secret_case" in site.browser.page_source  # staff read hidden names
    site.shot("submission-staff")
    site.open(f"/console/courses/{COURSE}/assignments/week01-generators")
    assert "<svg" in site.browser.page_source
    site.shot("assignment")
    site.sign_out()


def test_a_student_sees_only_their_own_work(site: Site) -> None:
    site.sign_in("bob", 102)
    assert "Week 1: stream millions" in site.text()  # bob's own submission is listed
    site.shot("home-student")
    site.click(site.browser.find_element(By.CSS_SELECTOR, "a[href*='/console/submissions/']"))
    source = site.browser.page_source  # not even in a collapsed part of the page
    assert "hidden test 1" in source and "test_bob_secret_case" not in source
    for path in (
        f"/console/submissions/{site.alice_submission}",
        f"/console/courses/{COURSE}",
        f"/console/courses/{COURSE}/students/s001",
        f"/console/courses/{COURSE}/export/gradebook.csv",
    ):
        site.open(path)
        text = site.text()
        assert "alice" not in text.lower() and "Alice" not in text, path
        assert any(word in text for word in ("Not found", "not found", "Not allowed")), (
            path,
            text[:300],
        )
    site.shot("student-refused")
    site.open("/console")
    site.sign_out()
