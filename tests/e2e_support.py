"""The whole service with real parts, shared by the end-to-end test modules.

The API under uvicorn (``grader serve``), a real Celery worker process (``grader
worker``), a private ``redis-server`` the tests may restart, a fresh PostgreSQL
database, the Docker sandbox, and a fake GitHub on loopback that checks every request
against GitHub's OpenAPI description and serves the fixture repositories.

A test module loads this file as a plugin (``pytest_plugins = ["e2e_support"]``), so
the session-scoped ``service`` fixture is one service for every module that asks for it:
it is started once, not once per module (CI time). The modules import it before pytest
loads it as a plugin, too late for pytest to rewrite its asserts, so it says so
(PYTEST_DONT_REWRITE); its asserts carry their own messages.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
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

SHARED = Path(__file__).resolve().parents[2] / "shared" / "github"
REPO = "python-de-2026/alice-week01"
"""The repository of ``week01-generators`` (installation 77)."""
REGRADE_REPO = "regrade-2026/bob-week01"
"""The repository of ``week01-regrade`` (installation 78), an assignment of its own so a
regrade of it grades only what its tests opened there, whatever ran before."""
INSTALLATIONS = {REPO: 77, REGRADE_REPO: 78}
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
    env: dict[str, str]
    """The environment the API and the worker run with (``grader`` commands get it too)."""

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

    def get_json(self, path: str) -> Any:
        """``GET`` an API path as the operator; the answer's JSON."""
        answer = httpx.get(
            f"{self.api}{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=5
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def submission(self, submission_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.get_json(f"/submissions/{submission_id}")
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

    def grader(self, *args: str) -> str:
        """Run ``grader ARGS`` as staff on the service's host would; its output (exit 0 asserted)."""
        done = subprocess.run(
            [str(BIN / "grader"), *args],
            env={**self.env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (args, done.returncode, done.stdout, done.stderr)
        return done.stdout


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


def _courses(home: Path) -> Path:
    courses = home / "courses.yaml"
    courses.write_text(
        "assignments:\n"
        f"  - id: week01-generators\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
        '    repositories: ["python-de-2026/*"]\n    paths: ["week01/*"]\n'
        f"  - id: week01-regrade\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
        '    repositories: ["regrade-2026/*"]\n    paths: ["week01/*"]\n'
    )
    return courses


@contextmanager
def running_service(
    home: Path, *, concurrency: int = 1, lease: float = 4, settings: dict[str, str] | None = None
) -> Iterator[Service]:
    """The API, a worker, a private Redis, a fresh PostgreSQL database and a fake GitHub;
    ``settings``: more environment (``GRADER_...``) for both processes."""
    courses = _courses(home)
    redis = RedisServer()
    redis.start()
    api_port = free_port()
    with FakeGitHub() as gh, postgres_database() as database:
        for repo, installation in INSTALLATIONS.items():
            gh.add_repo(repo, installation_id=installation)
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
            # A session's many pushes in a few minutes would otherwise leave out the writes
            # that can be (tests/test_write_budget.py): every test here expects them.
            "GRADER_WRITES_PER_MINUTE": "1000",
            "GRADER_WRITES_PER_HOUR": "10000",
            **(settings or {}),
        }
        logs = home / "logs"
        logs.mkdir(exist_ok=True)
        api = _spawn(["serve", "--port", str(api_port)], env, logs / "api.log")
        worker = _spawn(["worker", "--concurrency", str(concurrency)], env, logs / "worker.log")
        try:
            url = f"http://127.0.0.1:{api_port}"
            wait_for(lambda: _up(url), 60, "the API")
            wait_for(lambda: b"ready" in (logs / "worker.log").read_bytes(), 90, "the worker")
            yield Service(gh, url, redis, logs, worker, _admin_token(database), env)
        finally:
            _stop(api)
            _stop(worker)
            redis.stop()
            _remove_leftover_containers()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One running service for every end-to-end module of the session."""
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


def tree(folder: Path, prefix: str = "week01/") -> dict[str, bytes]:
    """The files under ``folder``, at ``prefix`` in a repository."""
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
    repo: str = REPO,
    author: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A pull request on a fixture repository, and GitHub's payload announcing it."""
    base_files = tree(base) if base is not None else {}
    base_sha = svc.gh.add_commit(repo, {"README.md": b"# Week 1\n", **base_files})
    files = head if isinstance(head, dict) else tree(head)
    readme = f"# Week 1, pull request {number} ({action})\n".encode()  # a commit of its own
    head_sha = svc.gh.add_commit(repo, {"README.md": readme, **files})
    svc.gh.add_pull(
        repo, number, base_sha=base_sha, head_sha=head_sha, head_ref=f"pr-{number}", user=author
    )
    return pull_payload(number, head_sha, base_sha, action, repo=repo, author=author), head_sha


def pull_payload(
    number: int,
    head_sha: str,
    base_sha: str,
    action: str,
    *,
    repo: str = REPO,
    author: str | None = None,
) -> dict[str, Any]:
    """GitHub's example payload, adapted to the pull request (``author``: its user's login)."""
    name = "opened" if action == "opened" else "synchronize"
    body: dict[str, Any] = copy.deepcopy(
        json.loads((SHARED / "payloads" / f"pull_request.{name}.json").read_text())
    )
    owner, short = repo.split("/")
    body["action"] = action
    body["number"] = number
    for where in (
        body["repository"],
        body["pull_request"]["head"]["repo"],
        body["pull_request"]["base"]["repo"],
    ):
        where.update(full_name=repo, name=short)
        where["owner"]["login"] = owner
    body["pull_request"]["number"] = number
    body["pull_request"]["head"].update(sha=head_sha, ref=f"pr-{number}")
    body["pull_request"]["base"]["sha"] = base_sha
    if author is not None:
        body["pull_request"]["user"]["login"] = author
    body["installation"] = {"id": INSTALLATIONS[repo]}
    return body


def accepted(answer: httpx.Response) -> str:
    assert answer.status_code == 202, answer.text
    ids: list[str] = answer.json()["submission_ids"]
    assert len(ids) == 1
    return ids[0]


def runs_for(svc: Service, sha: str, repo: str = REPO) -> list[dict[str, Any]]:
    return [run for run in svc.gh.check_runs(repo) if run["head_sha"] == sha]
