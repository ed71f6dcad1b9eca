"""Signing in to the console and who may read what: the real app (FastAPI's test client), a
real SQLite store, and the fake GitHub's OAuth web flow on loopback."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fakegithub import FakeGitHub
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from support import ROOT, WEEK01

from grader.console.auth import Viewer, current_viewer, student_report
from grader.console.context import ConsoleContext
from grader.console.security import csrf_token, safe_next, verify_csrf
from grader.service.courses import Courses, load_courses
from grader.service.store import NewSubmission, Result, SqlStore, utcnow
from grader.service.store.course_sql import SqlCourseStore
from grader.settings import ServiceSettings
from webhooks.app import Backend, create_app

SESSION_SECRET = "a-session-secret-of-forty-characters-xx"
COURSE, OTHER = "python-de-2026", "other-course"
PROBE = "/console/probe"


@pytest.fixture(scope="module")
def courses(tmp_path_factory: pytest.TempPathFactory) -> Courses:
    path = tmp_path_factory.mktemp("courses") / "courses.yaml"
    path.write_text(
        "courses:\n"
        f"  - id: {COURSE}\n    title: Python DE 2026\n"
        "    staff:\n      owners: [prof-ada]\n      tas: [ta-bob]\n"
        f'      teams: ["{COURSE}/staff"]\n'
        "    assignments:\n"
        f"      - id: week01-generators\n        rubric: {WEEK01 / 'rubric.yaml'}\n"
        f'        repositories: ["{COURSE}/*"]\n'
        f"  - id: {OTHER}\n    title: Another course\n"
        "    staff:\n      owners: [prof-zed]\n"
        "    assignments:\n"
        "      - id: week02-decorators\n"
        f"        rubric: {ROOT / 'rubrics' / 'week02-decorators' / 'rubric.yaml'}\n"
        '        repositories: ["other/*"]\n'
    )
    return load_courses(path)


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@dataclass
class Console:
    client: TestClient
    gh: FakeGitHub
    ctx: ConsoleContext
    store: SqlStore
    course_store: SqlCourseStore

    def sign_in(
        self, login: str | None, *, id: int | None = None, next: str = PROBE
    ) -> httpx.Response:
        """The whole web flow: the console sends the browser to GitHub, GitHub sends it back."""
        self.gh.sign_in_as(login, id=id)
        start = self.client.get("/auth/github", params={"next": next}, follow_redirects=False)
        assert start.status_code == 303, start.text
        approved = httpx.get(start.headers["location"], follow_redirects=False)
        assert approved.status_code == 302, approved.text
        back = urlsplit(approved.headers["location"])
        assert back.path == "/auth/github/callback"
        return self.client.get(f"{back.path}?{back.query}", follow_redirects=False)

    def probe(self, **headers: str) -> httpx.Response:
        return self.client.get(PROBE, headers={"accept": "application/json", **headers})

    def submit(self, author: str, author_id: int, *, assignment: str = "week01-generators") -> str:
        """A graded submission by ``author``, whose report holds a hidden test with its message."""
        stored = self.store.add_submission(
            NewSubmission(
                repository=f"{COURSE}/{author}", pull_number=1, head_sha=f"{author_id:040x}",
                head_repository=f"{author}/fork", head_ref="main", base_sha="b" * 40,
                installation_id=1, assignment=assignment, rubric_path="rubric.yaml",
                rubric_sha256="r" * 64, author_login=author, author_id=author_id,
            )
        )  # fmt: skip
        self.store.claim(stored.id, "worker", timedelta(seconds=30))
        report = {
            "criteria": [
                {
                    "id": "tests",
                    "tests": [
                        {"name": "test_shown", "outcome": "passed", "hidden": False},
                        {"name": "test_secret_edge", "outcome": "failed", "hidden": True,
                         "message": "assert parse('') == []"},
                    ],
                }
            ]
        }  # fmt: skip
        result = Result(stored.id, 5.0, 10.0, "graded", report, "r" * 64, None, {}, 1.0)
        assert self.store.save_result(stored.id, result)
        return stored.id


def _settings(tmp_path: Path, courses: Courses, gh: FakeGitHub, **extra: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "github_webhook_secret": "webhook-secret",
        "data_dir": tmp_path,
        "courses": courses.path,
        "github_api_url": gh.api_url,
        "github_web_url": gh.base_url,
        "github_client_id": gh.client_id,
        "github_client_secret": gh.client_secret,
        "session_secret": SESSION_SECRET,
        "admins": "root-op",
        "public_url": None,
    }
    return ServiceSettings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


def _probe_routes(app: Any) -> None:
    """A page and a form that only need a viewer, first in the routing table."""

    @app.get(PROBE)
    def probe(request: Request, viewer: Annotated[Viewer, Depends(current_viewer)]) -> Any:
        return {
            "login": viewer.login,
            "github_id": viewer.github_id,
            "roles": dict(viewer.roles),
            "admin": viewer.admin,
            "via_token": viewer.via_token,
            "csrf": csrf_token(request),
        }

    @app.post(PROBE, dependencies=[Depends(verify_csrf)])
    def probe_form(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Any:
        return {"done_by": viewer.login}

    probes = [r for r in app.router.routes if isinstance(r, APIRoute) and r.path == PROBE]
    for route in probes:
        app.router.routes.remove(route)
    app.router.routes[0:0] = probes


def make_console(
    tmp_path: Path,
    courses: Courses,
    gh: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    *,
    base_url: str = "http://testserver",
    **extra: Any,
) -> Console:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = _settings(tmp_path, courses, gh, **extra)
    store = SqlStore(settings.sqlalchemy_url)
    store.migrate()
    course_store = SqlCourseStore(store.engine)
    ctx = ConsoleContext(settings, courses, store, course_store, github_timeout=1.0)
    app = create_app(Backend(settings, store, courses, lambda *_: None), ctx)
    _probe_routes(app)
    return Console(TestClient(app, base_url=base_url), gh, ctx, store, course_store)


@pytest.fixture
def console(
    tmp_path: Path, courses: Courses, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> Console:
    return make_console(tmp_path, courses, gh, monkeypatch)


def _cookie(response: httpx.Response) -> str:
    [cookie] = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    return cookie


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_round_trip_sets_a_signed_httponly_samesite_cookie(console: Console) -> None:
    """GitHub's web flow ends on the page asked for, with a session cookie that keeps only who
    signed in (never GitHub's token) and that scripts and other sites cannot use."""
    back = console.sign_in("Alice", id=4242, next="/console/probe?tab=all")
    assert back.status_code == 303 and back.headers["location"] == "/console/probe?tab=all"
    cookie = _cookie(back)
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert flags[0].startswith("grader_session=")
    assert "httponly" in flags and "samesite=lax" in flags and "max-age=28800" in flags
    assert "secure" not in flags  # the public address is not https
    value = cookie.split(";")[0].split("=", 1)[1]
    payload = json.loads(base64.b64decode(value.split(".")[0]))
    assert set(payload) == {"login", "github_id", "roles", "signed_in_at", "csrf"}
    [token_request] = console.gh.requests_to("POST", "/login/oauth/access_token")
    assert token_request.headers["accept"] == "application/json"
    [user_request] = console.gh.requests_to("GET", "/user")
    token = user_request.headers["authorization"].split()[1]
    assert token not in cookie
    me = console.probe().json()
    assert (me["login"], me["github_id"], me["roles"], me["admin"]) == ("alice", 4242, {}, False)
    assert console.gh.violations == []


def test_the_cookie_is_secure_when_the_public_address_is_https(
    tmp_path: Path, courses: Courses, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = make_console(
        tmp_path, courses, gh, monkeypatch,
        base_url="https://testserver", public_url="https://grader.example/",
    )  # fmt: skip
    start = console.client.get("/auth/github", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["redirect_uri"] == ["https://grader.example/auth/github/callback"]
    assert query["client_id"] == [gh.client_id] and len(query["state"][0]) >= 32
    assert "secure" in [part.strip().lower() for part in _cookie(start).split(";")]
    assert console.sign_in("alice").status_code == 303


def test_a_callback_whose_state_does_not_match_is_refused(console: Console) -> None:
    """A forged or replayed callback (wrong state, none kept, used twice) signs nobody in."""
    console.gh.sign_in_as("mallory")
    start = console.client.get("/auth/github", follow_redirects=False)
    back = urlsplit(
        httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    )
    code = parse_qs(back.query)["code"][0]
    forged = console.client.get(f"/auth/github/callback?code={code}&state=guessed")
    assert forged.status_code == 400 and "state does not match" in forged.text
    assert console.probe().status_code == 401
    fresh = TestClient(console.client.app)
    replayed = fresh.get(f"{back.path}?{back.query}")
    assert replayed.status_code == 400 and "state does not match" in replayed.text
    assert console.gh.requests_to("POST", "/login/oauth/access_token") == []
    console.gh.sign_in_as("alice")
    start = console.client.get("/auth/github", follow_redirects=False)
    back = urlsplit(
        httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    )
    assert (
        console.client.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 303
    )
    again = console.client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert again.status_code == 400  # the state was used up by the first


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/console", "//evil.example/console", "/\\evil.example", "/other",
     "javascript:alert(1)", "/console//evil.example", "/consolex", "/console/\x00x"],
)  # fmt: skip
def test_next_never_leads_off_the_console(console: Console, target: str) -> None:
    """No open redirect: anything but a path of the console ends on /console."""
    assert safe_next(target) == "/console"
    assert console.sign_in("alice", next=target).headers["location"] == "/console"


def test_next_keeps_a_console_path() -> None:
    assert safe_next("/console/courses/x?tab=1") == "/console/courses/x?tab=1"
    assert safe_next(None) == safe_next("") == "/console"


def test_githubs_refusals_end_on_the_sign_in_page_not_a_5xx(console: Console) -> None:
    """Declined on GitHub, a wrong code, GitHub silent or failing: a page saying so, no session."""
    declined = console.sign_in(None)
    assert declined.status_code == 401 and "declined" in declined.text
    console.gh.sign_in_as("alice")
    start = console.client.get("/auth/github", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    wrong = console.client.get(f"/auth/github/callback?code=nope&state={state}")
    assert wrong.status_code == 401 and "wrong or expired" in wrong.text
    console.gh.stall_next("POST", "/login/oauth/access_token")
    silent = console.sign_in("alice")
    assert silent.status_code == 401 and "did not answer within 1 s" in silent.text
    console.gh.fail_next("GET", "/user", status=502)
    failing = console.sign_in("alice")
    assert failing.status_code == 401 and "GitHub answered 502" in failing.text
    assert console.probe().status_code == 401


def test_wrong_client_credentials_are_named(
    tmp_path: Path, courses: Courses, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = make_console(tmp_path, courses, gh, monkeypatch, github_client_secret="stale")
    refused = console.sign_in("alice")
    assert refused.status_code == 401 and "GITHUB_CLIENT_ID/SECRET" in refused.text


def test_without_a_session_secret_sign_in_says_what_to_set(
    tmp_path: Path, courses: Courses, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No GRADER_SESSION_SECRET: the sign-in page names it; API tokens still work."""
    console = make_console(tmp_path, courses, gh, monkeypatch, session_secret=None)
    for path in ("/console/signin", "/auth/github"):
        page = console.client.get(path, follow_redirects=False)
        assert page.status_code == 503
        assert "sign-in is not configured: set GRADER_SESSION_SECRET" in page.text
    _, secret = console.course_store.create_token("prof-ada", "script")
    assert console.probe(authorization=f"Bearer {secret}").json()["login"] == "prof-ada"


# --- signed out, expired, signing out --------------------------------------------------------------


def test_a_signed_out_browser_is_sent_to_sign_in_and_a_script_gets_401(console: Console) -> None:
    page = console.client.get(
        "/console/probe?tab=1", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"] == "/console/signin?next=%2Fconsole%2Fprobe%3Ftab%3D1"
    assert console.probe().status_code == 401
    assert console.probe().json() == {"message": "sign in to see this page"}
    assert console.client.post(PROBE, headers={"accept": "text/html"}).status_code == 401
    assert console.client.get("/submissions/abc").status_code == 401
    fragment = console.client.get(
        "/console/probe",
        headers={"hx-request": "true", "hx-current-url": "http://testserver/console/x"},
    )
    assert fragment.status_code == 401  # htmx loads the sign-in page instead of swapping it in
    assert fragment.headers["hx-redirect"] == "/console/signin?next=%2Fconsole%2Fx"
    signin = console.client.get(page.headers["location"])
    assert signin.status_code == 200 and "Sign in with GitHub" in signin.text
    assert 'name="next" value="/console/probe?tab=1"' in signin.text


def test_a_session_ends_after_its_lifetime(console: Console) -> None:
    console.sign_in("alice")
    assert console.probe().status_code == 200
    later = utcnow() + timedelta(hours=8, minutes=1)
    console.ctx.clock = lambda: later
    expired = console.probe()
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_sign_out_needs_the_forms_token_and_ends_the_session(console: Console) -> None:
    console.sign_in("alice")
    token = console.probe().json()["csrf"]
    assert console.client.post("/auth/signout", follow_redirects=False).status_code == 403
    assert console.probe().status_code == 200  # a foreign page cannot sign anyone out
    out = console.client.post("/auth/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/console/signin")
    assert console.probe().status_code == 401
    assert "You are signed out." in console.client.get(out.headers["location"]).text
    again = console.client.post("/auth/signout", follow_redirects=False)
    assert again.status_code == 303  # nothing left to end, nothing to forge


# --- CSRF -------------------------------------------------------------------------------------------


def test_a_form_without_the_sessions_token_is_refused(console: Console) -> None:
    console.sign_in("alice")
    token = console.probe().json()["csrf"]
    missing = console.client.post(PROBE, data={"x": "1"}, headers={"accept": "application/json"})
    assert missing.status_code == 403
    assert missing.json() == {"message": "the form is stale or forged: reload the page"}
    wrong = console.client.post(
        PROBE, data={"csrf_token": token[:-2] + "xx"}, headers={"accept": "text/html"}
    )
    assert wrong.status_code == 403 and "the form is stale or forged" in wrong.text
    assert console.client.post(PROBE, data={"csrf_token": token}).json() == {"done_by": "alice"}
    assert console.client.post(PROBE, headers={"x-csrf-token": token}).status_code == 200


def test_another_sessions_token_is_refused(
    console: Console, tmp_path: Path, courses: Courses, gh: FakeGitHub
) -> None:
    console.sign_in("alice")
    alices = console.probe().json()["csrf"]
    other = Console(
        TestClient(console.client.app), gh, console.ctx, console.store, console.course_store
    )
    other.sign_in("bob")
    assert other.client.post(PROBE, data={"csrf_token": alices}).status_code == 403


def test_a_bearer_request_needs_no_csrf_token_and_never_uses_the_cookie(console: Console) -> None:
    console.sign_in("alice")
    _, secret = console.course_store.create_token("prof-ada", "script")
    posted = console.client.post(PROBE, headers={"authorization": f"Bearer {secret}"})
    assert posted.json() == {"done_by": "prof-ada"}
    refused = console.client.post(PROBE, headers={"authorization": "Bearer grader_forged-token"})
    assert refused.status_code == 401  # the signed-in cookie beside it does not count


# --- roles --------------------------------------------------------------------------------------------


def test_roles_come_from_courses_yaml_teams_and_the_operators(console: Console) -> None:
    """By name (owner, TA), as an active member of the course's team (TA), as an operator
    (owner of every course); an invited team member and a team GitHub fails on are nothing."""
    console.gh.add_team_member(COURSE, "staff", "carol")
    console.gh.add_team_member(COURSE, "staff", "dave", state="pending")
    expected = {
        "prof-ada": {COURSE: "owner"},
        "ta-bob": {COURSE: "ta"},
        "carol": {COURSE: "ta"},
        "dave": {},
        "root-op": {COURSE: "owner", OTHER: "owner"},
    }
    for login, roles in expected.items():
        console.client.cookies.clear()
        assert console.sign_in(login).status_code == 303
        assert console.probe().json()["roles"] == roles, login
    assert console.probe().json()["admin"] is True
    [asked] = [r for r in console.gh.requests_to("GET", "/orgs/*/teams/*/memberships/carol")]
    assert asked.headers["authorization"].startswith("Bearer ghu_")
    console.gh.add_team_member(COURSE, "staff", "erin")
    console.gh.fail_next("GET", "/orgs/*/teams/*/memberships/erin", status=502)
    console.client.cookies.clear()
    assert console.sign_in("erin").status_code == 303  # signed in, as a student
    assert console.probe().json()["roles"] == {}
    assert console.gh.violations == []


def test_viewer_roles() -> None:
    viewer = Viewer("ta-bob", 7, {COURSE: "ta"})
    assert viewer.role_in(COURSE) == "ta" and viewer.is_staff(COURSE)
    assert viewer.role_in(OTHER) is None and not viewer.is_staff(OTHER)
    admin = Viewer("root-op", 1, {}, admin=True)
    assert admin.role_in("any-course") == "owner"


# --- /submissions/{id} -------------------------------------------------------------------------------


def test_staff_read_a_submission_whole_through_an_api_token(console: Console) -> None:
    sub_id = console.submit("alice", 4242)
    token, secret = console.course_store.create_token("prof-ada", "gradebook script")
    headers = {"authorization": f"Bearer {secret}"}
    answer = console.client.get(f"/submissions/{sub_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["view"], body["course"], body["author_login"]) == ("staff", COURSE, "alice")
    hidden = body["report"]["criteria"][0]["tests"][1]
    assert hidden["name"] == "test_secret_edge" and hidden["message"]
    assert console.course_store.revoke_token("prof-ada", token.id)
    revoked = console.client.get(f"/submissions/{sub_id}", headers=headers)
    assert revoked.status_code == 401 and revoked.json()["message"].endswith("revoked")
    for bad in ("Bearer", "Bearer  ", "Basic abc", "Bearer " + "x" * 300):
        assert (
            console.client.get(f"/submissions/{sub_id}", headers={"authorization": bad}).status_code
            == 401
        )


def test_staff_of_another_course_cannot_read_it(console: Console) -> None:
    sub_id = console.submit("alice", 4242)
    _, secret = console.course_store.create_token("prof-zed", "other course")
    answer = console.client.get(
        f"/submissions/{sub_id}", headers={"authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 404


def test_a_student_reads_their_own_submission_without_the_hidden_tests(console: Console) -> None:
    sub_id = console.submit("alice", 4242)
    console.sign_in("alice", id=4242)
    body = console.client.get(f"/submissions/{sub_id}").json()
    assert body["view"] == "student" and body["score"] == 5.0
    shown, hidden = body["report"]["criteria"][0]["tests"]
    assert shown["name"] == "test_shown"
    assert (hidden["name"], hidden["message"], hidden["outcome"]) == (
        "hidden test 1",
        None,
        "failed",
    )
    assert "test_secret_edge" not in json.dumps(body)


def test_a_student_cannot_read_another_students_submission(console: Console) -> None:
    """Another's submission answers exactly like an id that does not exist."""
    alices = console.submit("alice", 4242)
    console.sign_in("bob", id=5151)
    theirs = console.client.get(f"/submissions/{alices}")
    nothing = console.client.get("/submissions/" + "0" * 32)
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json() == nothing.json() == {"message": "no such submission"}
    assert console.client.get("/submissions/" + "a" * 500).status_code == 404


def test_a_login_taken_over_after_a_rename_is_not_the_author(console: Console) -> None:
    """GitHub ids decide when both are known: a new holder of the login 'alice' is not her."""
    sub_id = console.submit("alice", 4242)
    console.sign_in("alice", id=9999)
    assert console.client.get(f"/submissions/{sub_id}").status_code == 404


def test_an_operator_reads_any_submission(console: Console) -> None:
    sub_id = console.submit("alice", 4242)
    console.sign_in("root-op")
    assert console.client.get(f"/submissions/{sub_id}").json()["view"] == "staff"


def test_student_report_withholds_every_hidden_test() -> None:
    report = {
        "criteria": [
            {"tests": [
                {"name": "a", "hidden": True, "message": "m1"},
                {"name": "b", "hidden": False, "message": "m2"},
                {"name": "c", "hidden": True, "message": None},
            ]},
            {"findings": []},
        ]
    }  # fmt: skip
    public = student_report(report)
    assert [t["name"] for t in public["criteria"][0]["tests"]] == [
        "hidden test 1",
        "b",
        "hidden test 2",
    ]
    assert [t["message"] for t in public["criteria"][0]["tests"]] == [None, "m2", None]
    assert report["criteria"][0]["tests"][0]["name"] == "a"  # the stored report is untouched


def test_an_empty_or_short_session_secret_never_signs_sessions(tmp_path: Path) -> None:
    """`GRADER_SESSION_SECRET=` from an env file is unset (no sign-in), not an empty key anyone
    could sign a session with; a short one is refused at start, naming the setting."""
    from pydantic import ValidationError

    empty = ServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        session_secret="", github_client_id=" ", github_client_secret="", data_dir=tmp_path,
    )  # fmt: skip
    assert (empty.session_secret, empty.github_client_id, empty.github_client_secret) == (
        None,
        None,
        None,
    )
    with pytest.raises(ValidationError, match="session_secret"):
        ServiceSettings(_env_file=None, session_secret="guessable", data_dir=tmp_path)  # type: ignore[call-arg]
