"""The whole service end to end, with real parts.

The API under uvicorn (``grader serve``), a real Celery worker process
(``grader worker``), a private ``redis-server`` the tests may restart,
PostgreSQL, the Docker sandbox, and a fake GitHub on loopback that checks every
request against GitHub's OpenAPI description and serves the fixture
repositories. GitHub's own example payloads are adapted to the fixture
repository, signed, and posted; the tests assert what arrives on GitHub.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakegithub import FakeGitHub
from service_support import postgres_database
from support import WEEK01

from grader.service.store import SqlStore
from grader.service.store.course_sql import SqlCourseStore

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.postgres]

SHARED = Path(__file__).resolve().parents[2] / "shared" / "github"
REPO = "python-de-2026/alice-week01"
SECRET = "e2e-webhook-secret"
BIN = Path(sys.executable).parent
ADMIN = "e2e-admin"
"""An operator (``GRADER_ADMINS``), whose API token reads every submission."""
FINAL = {"graded", "superseded", "rejected", "failed", "ignored"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A redis-server of the tests' own, on a free port, that a test may restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@dataclass
class Service:
    gh: FakeGitHub
    api: str
    redis: RedisServer
    logs: Path
    worker: subprocess.Popen[bytes]
    token: str
    """The operator's API token: ``/submissions/{id}`` is behind sign-in."""

    def post(self, event: str, body: dict[str, Any], delivery: str | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        return httpx.post(
            f"{self.api}/webhooks/github",
            content=raw,
            headers={
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                "X-Hub-Signature-256": signature,
                "Content-Type": "application/json",
                "User-Agent": "GitHub-Hookshot/e2e",
            },
            timeout=10,
        )

    def submission(self, submission_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(
            f"{self.api}/submissions/{submission_id}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=5,
        ).json()
        return answer

    def finished(self, submission_id: str, timeout: float = 180) -> dict[str, Any]:
        def final() -> dict[str, Any] | None:
            state = self.submission(submission_id)
            return state if state["status"] in FINAL else None

        state: dict[str, Any] = wait_for(final, timeout, f"submission {submission_id} to finish")
        return state

    def worker_children(self) -> list[int]:
        path = Path(f"/proc/{self.worker.pid}/task/{self.worker.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / "grader"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextmanager
def running_service(home: Path, *, concurrency: int = 1, lease: float = 4) -> Iterator[Service]:
    """The API, a worker, a private Redis, a fresh PostgreSQL database and a fake GitHub."""
    courses = home / "courses.yaml"
    courses.write_text(
        "assignments:\n"
        f"  - id: week01-generators\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
        '    repositories: ["python-de-2026/*"]\n    paths: ["week01/*"]\n'
    )
    redis = RedisServer()
    redis.start()
    api_port = free_port()
    with FakeGitHub() as gh, postgres_database() as database:
        gh.add_repo(REPO, installation_id=77)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GRADER_"))},
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": gh.api_url,
            "GITHUB_APP_ID": str(gh.app_id),
            "GITHUB_APP_PRIVATE_KEY": gh.private_key_pem,
            "REDIS_URL": redis.url,
            "DATABASE_URL": database,
            "GRADER_COURSES": str(courses),
            "GRADER_DATA_DIR": str(home / "data"),
            "GRADER_PUBLIC_URL": f"http://127.0.0.1:{api_port}",
            "GRADER_LEASE": str(lease),
            "GRADER_SWEEP_INTERVAL": "2",
            "GRADER_WORKERS": "2",
            "GRADER_ADMINS": ADMIN,
        }
        logs = home / "logs"
        logs.mkdir(exist_ok=True)
        api = _spawn(["serve", "--port", str(api_port)], env, logs / "api.log")
        worker = _spawn(["worker", "--concurrency", str(concurrency)], env, logs / "worker.log")
        try:
            url = f"http://127.0.0.1:{api_port}"
            wait_for(lambda: _up(url), 60, "the API")
            wait_for(lambda: b"ready" in (logs / "worker.log").read_bytes(), 90, "the worker")
            yield Service(gh, url, redis, logs, worker, _admin_token(database))
        finally:
            _stop(api)
            _stop(worker)
            redis.stop()
            _remove_leftover_containers()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("service")) as running:
        yield running
        assert running.gh.violations == [], running.gh.violations


def _admin_token(database: str) -> str:
    """An API token for the operator, made in the service's database (migrated by the API)."""
    store = SqlStore(database)
    try:
        _, secret = SqlCourseStore(store.engine).create_token(ADMIN, "e2e")
    finally:
        store.dispose()
    return secret


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _remove_leftover_containers() -> None:
    """Containers of a worker process killed on purpose: the reaper takes them at once."""
    from grader.sandbox.docker import connect, reap

    client = connect()
    reap(client)
    client.close()


def _tree(folder: Path, prefix: str = "week01/") -> dict[str, bytes]:
    return {
        prefix + file.relative_to(folder).as_posix(): file.read_bytes()
        for file in folder.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts
    }


def open_pull(
    svc: Service,
    number: int,
    head: Path | dict[str, bytes],
    *,
    action: str = "opened",
    base: Path | None = WEEK01 / "starter",
) -> tuple[dict[str, Any], str]:
    """A pull request on the fixture repository, and GitHub's payload announcing it."""
    base_files = _tree(base) if base is not None else {}
    base_sha = svc.gh.add_commit(REPO, {"README.md": b"# Week 1\n", **base_files})
    files = head if isinstance(head, dict) else _tree(head)
    readme = f"# Week 1, pull request {number} ({action})\n".encode()  # a commit of its own
    head_sha = svc.gh.add_commit(REPO, {"README.md": readme, **files})
    svc.gh.add_pull(REPO, number, base_sha=base_sha, head_sha=head_sha, head_ref=f"pr-{number}")
    return pull_payload(number, head_sha, base_sha, action), head_sha


def pull_payload(number: int, head_sha: str, base_sha: str, action: str) -> dict[str, Any]:
    name = "opened" if action == "opened" else "synchronize"
    body: dict[str, Any] = copy.deepcopy(
        json.loads((SHARED / "payloads" / f"pull_request.{name}.json").read_text())
    )
    owner, repo = REPO.split("/")
    body["action"] = action
    body["number"] = number
    for where in (
        body["repository"],
        body["pull_request"]["head"]["repo"],
        body["pull_request"]["base"]["repo"],
    ):
        where.update(full_name=REPO, name=repo)
        where["owner"]["login"] = owner
    body["pull_request"]["number"] = number
    body["pull_request"]["head"].update(sha=head_sha, ref=f"pr-{number}")
    body["pull_request"]["base"]["sha"] = base_sha
    body["installation"] = {"id": 77}
    return body


def accepted(answer: httpx.Response) -> str:
    assert answer.status_code == 202, answer.text
    ids: list[str] = answer.json()["submission_ids"]
    assert len(ids) == 1
    return ids[0]


def runs_for(svc: Service, sha: str) -> list[dict[str, Any]]:
    return [run for run in svc.gh.check_runs(REPO) if run["head_sha"] == sha]


# --- the happy path --------------------------------------------------------------------------


def test_a_pull_request_gets_a_check_run_a_status_and_a_review(service: Service) -> None:
    payload, sha = open_pull(service, 1, WEEK01 / "samples" / "sloppy")
    submission_id = accepted(service.post("pull_request", payload))
    state = service.finished(submission_id)
    assert state["status"] == "graded", state
    score = state["report"]["score"]
    assert 0 < score < 100

    wait_for(lambda: service.gh.reviews(REPO, 1), 30, "the review")
    [run] = runs_for(service, sha)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["external_id"] == submission_id
    assert run["details_url"] == f"{service.api}/console/submissions/{submission_id}"
    assert f"{score:g} / 100" in run["output"]["title"]
    annotated = {(a["path"], a["start_line"]) for a in run["annotations"]}
    assert annotated and all(path.startswith("week01/") for path, _ in annotated)

    [status] = service.gh.statuses(REPO, sha)
    assert status["state"] == "failure" and len(status["description"]) <= 140
    assert status["context"] == "grader / week01-generators"
    assert status["target_url"] == run["details_url"]
    anonymous = httpx.get(f"{service.api}/submissions/{submission_id}", timeout=5)
    assert anonymous.status_code == 401  # the report is not public

    [review] = service.gh.reviews(REPO, 1)
    assert f"{score:g} / 100" in review["body"] and review["event"] == "COMMENT"
    assert f"grader:submission={submission_id}" in review["body"]
    inline = review["comments"]
    assert inline, "sloppy code on changed lines gets inline comments"
    assert {(c["path"], c["line"]) for c in inline} <= annotated
    assert service.gh.comments(REPO, 1) == []
    assert state["durations"]["grade"] > 0


def test_the_reference_solution_gets_full_marks_and_success(service: Service) -> None:
    payload, sha = open_pull(service, 2, WEEK01 / "reference")
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["score"] == 100
    wait_for(lambda: service.gh.reviews(REPO, 2), 30, "the review")
    [run] = runs_for(service, sha)
    assert run["conclusion"] == "success"
    assert service.gh.statuses(REPO, sha)[-1]["state"] == "success"


def test_a_redelivery_is_answered_without_grading_again(service: Service) -> None:
    payload, sha = open_pull(service, 3, WEEK01 / "samples" / "partial")
    delivery = str(uuid.uuid4())
    submission_id = accepted(service.post("pull_request", payload, delivery))
    again = service.post("pull_request", payload, delivery)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["submission_ids"] == [submission_id]
    reopened = service.post("pull_request", {**payload, "action": "reopened"})
    assert reopened.json()["status"] == "duplicate"  # same commit, same rubric
    service.finished(submission_id)
    wait_for(lambda: service.gh.reviews(REPO, 3), 30, "the review")
    time.sleep(1)
    assert len(service.gh.reviews(REPO, 3)) == 1 and len(runs_for(service, sha)) == 1


def test_a_newer_push_supersedes_the_older_one(service: Service) -> None:
    first, first_sha = open_pull(service, 4, WEEK01 / "samples" / "partial")
    older = accepted(service.post("pull_request", first))
    second, second_sha = open_pull(service, 4, WEEK01 / "samples" / "good", action="synchronize")
    newer = accepted(service.post("pull_request", second))
    assert service.finished(older)["status"] in ("superseded", "graded")
    assert service.finished(newer)["status"] == "graded"
    wait_for(
        lambda: any(r["commit_id"] == second_sha for r in service.gh.reviews(REPO, 4)), 30, "review"
    )
    if service.submission(older)["status"] == "superseded":
        closed = wait_for(
            lambda: [r for r in runs_for(service, first_sha) if r["status"] == "completed"],
            30,
            "closed run",
        )
        assert closed[0]["conclusion"] in ("skipped", "cancelled")
        assert not any(r["commit_id"] == first_sha for r in service.gh.reviews(REPO, 4))


def test_a_pull_request_outside_the_assignments_paths_is_ignored(service: Service) -> None:
    files = {**_tree(WEEK01 / "starter"), "notes/todo.md": b"nothing to grade\n"}
    payload, sha = open_pull(service, 5, files)
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "ignored" and "week01/*" in state["reason"]
    assert runs_for(service, sha) == [] and service.gh.reviews(REPO, 5) == []


def test_a_pull_request_from_a_fork_is_graded(service: Service) -> None:
    base_sha = service.gh.add_commit(
        REPO, {"README.md": b"# Week 1\n", **_tree(WEEK01 / "starter")}
    )
    head_sha = service.gh.add_commit(
        REPO, {"README.md": b"# Week 1 from a fork\n", **_tree(WEEK01 / "samples" / "good")}
    )
    service.gh.add_pull(
        REPO, 13, base_sha=base_sha, head_sha=head_sha, head_repo="alice/week01-fork"
    )
    payload = pull_payload(13, head_sha, base_sha, "opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "alice/week01-fork"
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "graded" and state["score"] > 0
    wait_for(lambda: service.gh.reviews(REPO, 13), 30, "the review")
    fetched = [r.path for r in service.gh.requests if "/tarball/" in r.path and head_sha in r.path]
    assert fetched[0].startswith("/repos/alice/week01-fork/")  # the head repository first


# --- faults ----------------------------------------------------------------------------------


def test_a_worker_killed_while_grading_is_redelivered_and_posts_once(service: Service) -> None:
    payload, sha = open_pull(service, 6, WEEK01 / "samples" / "good")
    submission_id = accepted(service.post("pull_request", payload))
    wait_for(
        lambda: any(r["status"] == "in_progress" for r in runs_for(service, sha)), 60, "in progress"
    )
    children = service.worker_children()
    assert children, "the worker has a pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    state = service.finished(submission_id)
    assert state["status"] == "graded" and state["attempts"] >= 2
    wait_for(lambda: service.gh.reviews(REPO, 6), 30, "the review")
    time.sleep(1)
    assert len(service.gh.reviews(REPO, 6)) == 1
    assert len(runs_for(service, sha)) == 1


def test_github_502s_never_post_the_feedback_twice(service: Service) -> None:
    service.gh.fail_next("POST", f"/repos/{REPO}/pulls/7/reviews", 502)
    service.gh.fail_next("POST", f"/repos/{REPO}/issues/7/comments", 502)
    payload, _ = open_pull(service, 7, WEEK01 / "samples" / "partial")
    submission_id = accepted(service.post("pull_request", payload))
    service.finished(submission_id)
    comments = wait_for(lambda: service.gh.comments(REPO, 7), 60, "the comment")
    time.sleep(1)
    # The review's fate was unknown, so the report came as one comment, found again on retry.
    assert service.gh.reviews(REPO, 7) == []
    assert len(service.gh.comments(REPO, 7)) == 1
    assert f"grader:submission={submission_id}" in comments[0]["body"]


def test_a_502_after_the_comment_was_made_edits_it_instead_of_posting_again(
    service: Service,
) -> None:
    service.gh.fail_next("POST", f"/repos/{REPO}/pulls/8/reviews", 502)
    service.gh.fail_after("POST", f"/repos/{REPO}/issues/8/comments", 502)
    payload, _ = open_pull(service, 8, WEEK01 / "samples" / "partial")
    service.finished(accepted(service.post("pull_request", payload)))
    wait_for(
        lambda: any(
            r.method == "PATCH" and "/issues/comments/" in r.path for r in service.gh.requests
        ),
        60,
        "the comment to be edited",
    )
    assert len(service.gh.comments(REPO, 8)) == 1


def test_a_secondary_rate_limit_pauses_writes_for_retry_after(service: Service) -> None:
    service.gh.rate_limit_next("POST", f"/repos/{REPO}/statuses/*", retry_after=3)
    payload, sha = open_pull(service, 9, WEEK01 / "reference")
    service.finished(accepted(service.post("pull_request", payload)))
    wait_for(lambda: service.gh.statuses(REPO, sha), 60, "the status")
    writes = [r for r in service.gh.requests if r.method in ("POST", "PATCH")]
    limited = next(i for i, r in enumerate(writes) if r.status == 403)
    after = writes[limited + 1]
    assert after.time - writes[limited].time >= 2.9
    assert len(service.gh.statuses(REPO, sha)) == 1
    wait_for(lambda: service.gh.reviews(REPO, 9), 30, "the review")


def test_an_archive_with_escaping_paths_is_rejected_with_why(service: Service) -> None:
    payload, sha = open_pull(service, 10, WEEK01 / "reference")
    hostile = io.BytesIO()
    with tarfile.open(fileobj=hostile, mode="w:gz") as archive:
        for name, data in [("top/week01/records.py", b"x = 1\n"), ("top/../../evil.py", b"boom\n")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("top/week01/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    service.gh.set_tarball(sha, hostile.getvalue())
    state = service.finished(accepted(service.post("pull_request", payload)))
    assert state["status"] == "rejected" and ".." in state["reason"]
    run = wait_for(
        lambda: [r for r in runs_for(service, sha) if r["status"] == "completed"], 30, "the run"
    )[0]
    assert run["conclusion"] == "failure" and ".." in run["output"]["summary"]
    assert service.gh.reviews(REPO, 10) == []


def test_redis_restarted_loses_no_accepted_delivery(service: Service) -> None:
    service.redis.stop()
    service.redis.start()  # restarted while idle: the API and the worker reconnect
    payload, _ = open_pull(service, 11, WEEK01 / "reference")
    after_restart = accepted(service.post("pull_request", payload))
    assert service.finished(after_restart)["status"] == "graded"

    service.redis.stop()  # down when a delivery arrives: stored, then swept
    payload, _ = open_pull(service, 12, WEEK01 / "samples" / "partial")
    while_down = accepted(service.post("pull_request", payload))
    service.redis.start()
    assert service.finished(while_down)["status"] == "graded"


def test_logs_are_json_lines_with_the_ids(service: Service) -> None:
    lines = [
        json.loads(line)
        for line in (service.logs / "worker.log").read_text().splitlines()
        if line.startswith("{")
    ]
    graded = [line for line in lines if line.get("event") == "graded"]
    assert graded and all("submission_id" in line for line in graded)
    api = [
        json.loads(line)
        for line in (service.logs / "api.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(line.get("event") == "delivery" and "delivery_id" in line for line in api)
    everything = (service.logs / "worker.log").read_text() + (service.logs / "api.log").read_text()
    assert SECRET not in everything and "PRIVATE KEY" not in everything
