"""Screenshots of the console's regrade and similarity pages, for docs/console/ (a developer
tool: run it after changing those pages' templates or the stylesheet, then look at the PNGs).

Builds the console tests' small course (``tests/console_support.py``: ``py101``, a roster of
three, graded pushes of week 1 on SQLite in a temporary folder) and adds what those pages
show: a discarded regrade of week 1 under the same rubric whose hidden test changed its mind
(a flaky test), a previewed regrade under the current rubric with its held members graded
(scores up, unchanged, and one the platform failed), and the files kept for four students'
counted submissions: alice's is the ``good`` sample, carol's is alice's with every name
changed (the planted copy), bob's the ``partial`` sample, dave's the reference. It serves
the app with uvicorn on loopback, signs Debian's headless Chromium in as the owner ``prof``
with a signed session cookie (as ``Course.sign_in`` does), records a verdict on the planted
pair through the page's form, and saves full-height, 1280 px wide screenshots of the
regrades list, the preview, the similarity report and the pair (``regrades.png``,
``regrade-preview.png``, ``similarity.png``, ``similarity-pair.png``), and of the assignment
page with its links to both when asked (``--only assignment``: docs/console's
``assignment.png`` is the browser test's, over a class of 59, and is not replaced by default).

    .venv/bin/python bench/console_screens.py [--out docs/console] [--only regrades,...]

Needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium
chromium-driver) and the selenium package (the browser tests' extra).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import itsdangerous  # noqa: E402
import uvicorn  # noqa: E402
from console_support import (  # noqa: E402
    COURSE,
    DUE,
    HIDDEN_TEST,
    SESSION_SECRET,
    VISIBLE_TEST,
    report,
    seeded_course,
    submit,
)
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

from grader.console.context import ConsoleContext  # noqa: E402
from grader.console.security import SESSION_COOKIE  # noqa: E402
from grader.service.courses import Courses, load_courses  # noqa: E402
from grader.service.store import Result, SqlCourseStore, SqlStore, regrade_of  # noqa: E402
from grader.service.store.batches_sql import SqlBatchStore  # noqa: E402
from grader.service.store.sources import SqlSourceStore  # noqa: E402
from grader.settings import ServiceSettings  # noqa: E402
from webhooks.app import Backend, create_app  # noqa: E402

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WIDTH = 1280
ASSIGNMENT = "week01"
WEEK01 = ROOT / "rubrics" / "week01-generators"
SHOTS = ("assignment", "regrades", "regrade-preview", "similarity", "similarity-pair")
DEFAULT_SHOTS = SHOTS[1:]
"""What is saved unless ``--only`` says otherwise (not the browser test's assignment.png)."""
RENAMES = {
    "records": "rows",
    "record": "row",
    "lines": "raw_lines",
    "line": "raw",
    "minimum": "floor",
    "amount": "value",
    "country": "nation",
    "user_id": "who",
    "totals": "sums",
    "counts": "tally",
}
"""What the planted copy renames, as whole words (copydetect's tokenizer does not see names:
the copy is found all the same)."""


def renamed(text: str) -> str:
    """``text`` with each of ``RENAMES`` replaced as a whole word."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, RENAMES)) + r")\b")
    return pattern.sub(lambda match: RENAMES[match.group(1)], text)


# --- the course --------------------------------------------------------------------------


@dataclass
class Seeded:
    """The course's stores, the ids the pages are opened at, and the app's context."""

    store: SqlStore
    course_store: SqlCourseStore
    ctx: ConsoleContext
    preview_batch: str


def _result(submission_id: str, score: float, raw: float, data: dict[str, Any]) -> Result:
    return Result(
        submission_id=submission_id, score=score, max_score=100, status="graded", report=data,
        rubric_sha256="r" * 64, image_digest=None, durations={}, duration=3.5, raw_score=raw,
    )  # fmt: skip


def _regraded(score: float, *, hidden: str = "failed", visible: str = "failed") -> dict[str, Any]:
    """A week-1 report like ``console_support.report`` with these two tests' outcomes."""
    data = report(score, score)
    for test in data["criteria"][0]["tests"]:
        if test["name"] == HIDDEN_TEST:
            test["outcome"] = hidden
        elif test["name"] == VISIBLE_TEST:
            test["outcome"] = visible
    return data


def seed(folder: Path, port: int) -> Seeded:
    """The console tests' course, carol's week 1, two regrade batches and kept sources."""
    course = seeded_course(folder)
    store, course_store = course.store, course.course_store
    course.client.close()
    carol = submit(store, "carol", ASSIGNMENT, "7", DUE - timedelta(hours=3))
    assert store.save_result(carol, _result(carol, 72, 72, report(72, 72)))
    ids = {
        "alice": course.ids["alice-week01"],
        "bob": course.ids["bob-week01"],
        "carol": carol,
        "dave": course.ids["dave-week01"],
    }
    courses = load_courses(folder / "courses.yaml")
    batches = SqlBatchStore(store.engine, store.clock)
    _discarded_regrade(store, batches, ids["alice"])
    preview = _previewed_regrade(store, batches, courses, ids)
    _keep_sources(SqlSourceStore(store.engine), ids)
    settings = ServiceSettings(
        _env_file=None,
        github_webhook_secret="webhook-secret",
        data_dir=folder,
        courses=folder / "courses.yaml",
        github_token="t",
        session_secret=SESSION_SECRET,
        github_client_id="client-id",
        github_client_secret="client-secret",
        database_url=f"sqlite:///{folder / 'grader.db'}",
        public_url=f"http://127.0.0.1:{port}",
    )
    queued: list[str] = []  # the console hands work to no worker here
    ctx = ConsoleContext(
        settings, courses, store, course_store,
        batches=batches, sources=SqlSourceStore(store.engine), enqueue=queued.append,
    )  # fmt: skip
    return Seeded(store, course_store, ctx, preview)


def _discarded_regrade(store: SqlStore, batches: SqlBatchStore, original_id: str) -> None:
    """A regrade under the same rubric, discarded: the hidden test passed this time (flaky)."""
    batch = batches.create(
        COURSE, ASSIGNMENT, "regrade", preview=True, rubric_sha256="r" * 64, actor="prof",
        note="checking the new sandbox image",
    )  # fmt: skip
    original = store.get(original_id)
    assert original is not None
    member = store.add_submission(regrade_of(original, "r" * 64, batch_id=batch.id, held=True))
    assert store.save_result(member.id, _result(member.id, 89, 89, _regraded(89, hidden="passed")))
    assert batches.discard(batch.id, "prof")


def _previewed_regrade(
    store: SqlStore, batches: SqlBatchStore, courses: Courses, ids: dict[str, str]
) -> str:
    """A previewed regrade under the current rubric, every member done, awaiting a decision."""
    route = courses.get(ASSIGNMENT)
    assert route is not None
    digest = route.loaded.sha256
    batch = batches.create(
        COURSE, ASSIGNMENT, "regrade", preview=True, rubric_sha256=digest, actor="prof",
        note="hidden test fixed: the <lazy> check read the whole file",
    )  # fmt: skip
    new = {
        "alice": (89.0, _regraded(89, hidden="passed")),
        "bob": (63.0, _regraded(70, visible="passed")),  # late: 10 % off for two days
        "carol": (72.0, _regraded(72)),
    }
    for login, original_id in ids.items():
        original = store.get(original_id)
        assert original is not None
        member = store.add_submission(regrade_of(original, digest, batch_id=batch.id, held=True))
        if login in new:
            score, data = new[login]
            raw = float(data["score"])
            assert store.save_result(member.id, _result(member.id, score, raw, data))
        else:
            store.finish(member.id, "failed", reason="the sandbox could not start")
    return batch.id


def _keep_sources(sources: SqlSourceStore, ids: dict[str, str]) -> None:
    """Files kept for each counted submission: a planted copy (alice, carol) among them."""
    good = (WEEK01 / "samples" / "good" / "records.py").read_text(encoding="utf-8")
    files = {
        "alice": good,
        "carol": renamed(good),
        "bob": (WEEK01 / "samples" / "partial" / "records.py").read_text(encoding="utf-8"),
        "dave": (WEEK01 / "reference" / "records.py").read_text(encoding="utf-8"),
    }
    for login, text in files.items():
        sources.save_sources(ids[login], {"records.py": text})


# --- the server and the browser -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(seeded: Seeded, port: int) -> Iterator[str]:
    """The app over ``seeded`` on 127.0.0.1:``port`` in a thread, until the block ends."""
    backend = Backend(seeded.ctx.settings, seeded.store, seeded.ctx.courses, lambda *_: None)
    app = create_app(backend, seeded.ctx)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise SystemExit(f"uvicorn did not start on 127.0.0.1:{port}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={WIDTH},900"):  # fmt: skip
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def session_cookie(login: str, roles: dict[str, str]) -> str:
    """A signed session as the console's sign-in writes it (``console_support.Course.sign_in``)."""
    data = {
        "login": login,
        "github_id": None,
        "roles": roles,
        "signed_in_at": datetime.now(UTC).isoformat(),
        "csrf": secrets.token_urlsafe(16),
    }
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode()


@dataclass
class Camera:
    browser: WebDriver
    url: str
    out: Path
    only: set[str]

    def open(self, path: str) -> None:
        self.browser.get(self.url + path)
        self._loaded()

    def _loaded(self) -> None:
        WebDriverWait(self.browser, 20).until(
            lambda b: b.execute_script("return document.readyState") == "complete"
        )

    def shot(self, name: str) -> None:
        """The whole page, ``WIDTH`` wide, as ``<out>/<name>.png``."""
        if name not in self.only:
            return
        height = int(
            self.browser.execute_script("return document.documentElement.scrollHeight") or 900
        )
        metrics = {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        try:
            self.browser.save_screenshot(str(self.out / f"{name}.png"))
        finally:
            self.browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        print(f"{self.out / name}.png  {WIDTH}x{height}")

    def submit(self, form_action: str, fields: dict[str, str]) -> None:
        form = self.browser.find_element(By.CSS_SELECTOR, f"form[action='{form_action}']")
        for name, value in fields.items():
            field = form.find_element(By.NAME, name)
            self.browser.execute_script("arguments[0].value = arguments[1]", field, value)
        self.browser.execute_script("window.__before = true")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(self.browser, 20).until(
            lambda b: b.execute_script(
                "return window.__before === undefined && document.readyState === 'complete'"
            )
        )


def take(camera: Camera, preview_batch: str) -> None:
    """Sign in as the owner and photograph the five pages (a verdict recorded on the way)."""
    camera.open("/console/static/console.css")  # the cookie needs a page of the origin
    cookie = session_cookie("prof", {COURSE: "owner"})
    camera.browser.add_cookie({"name": SESSION_COOKIE, "value": cookie, "path": "/"})
    assignment = f"/console/courses/{COURSE}/assignments/{ASSIGNMENT}"
    camera.open(assignment)
    camera.shot("assignment")
    camera.open(f"{assignment}/regrades")
    camera.shot("regrades")
    camera.open(f"{assignment}/regrades/{preview_batch}")
    camera.shot("regrade-preview")
    camera.open(f"{assignment}/similarity")
    link = camera.browser.find_element(By.LINK_TEXT, "side by side").get_attribute("href")
    camera.browser.get(str(link))
    camera._loaded()
    action = camera.browser.find_element(By.CSS_SELECTOR, "form.stack").get_attribute("action")
    camera.submit(
        str(action).removeprefix(camera.url),
        {"verdict": "confirmed", "reason": "Same structure & helpers; names changed <all>."},
    )
    camera.shot("similarity-pair")
    camera.open(f"{assignment}/similarity")
    camera.shot("similarity")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    parser.add_argument(
        "--only", default=",".join(DEFAULT_SHOTS), help=f"some of {', '.join(SHOTS)}"
    )
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if unknown := only - set(SHOTS):
        parser.error(f"--only: no page named {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="console-screens-") as folder:
        port = _free_port()
        seeded = seed(Path(folder), port)
        try:
            with serving(seeded, port) as url, chromium() as browser:
                take(Camera(browser, url, args.out, only), seeded.preview_batch)
        finally:
            seeded.store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
