"""The webhook receiver over HTTP (FastAPI's test client), a real SQLite store and GitHub's payloads."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import WEEK01

from grader.service.courses import Route, load_courses
from grader.service.store import SqlStore
from grader.settings import ServiceSettings
from webhooks.app import MAX_BODY, Backend, create_app, signature_ok

SHARED = Path(__file__).resolve().parents[2] / "shared" / "github"
SECRET = "webhook-secret"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SHARED / "payloads" / f"{name}.json").read_text())
    return data


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_matches_githubs_documented_vector() -> None:
    vector = json.loads((SHARED / "signature-test-vector.json").read_text())
    secret, body = vector["secret"].encode(), vector["payload"].encode()
    assert signature_ok(secret, body, vector["x_hub_signature_256"])
    assert not signature_ok(secret, body + b" ", vector["x_hub_signature_256"])
    assert not signature_ok(b"another secret", body, vector["x_hub_signature_256"])
    assert not signature_ok(secret, body, vector["x_hub_signature_256"].replace("sha256=", "sha1="))
    assert not signature_ok(secret, body, None)


class Recorder:
    def __init__(self) -> None:
        self.enqueued: list[str] = []
        self.down = False

    def __call__(self, submission_id: str, route: Route) -> None:
        if self.down:
            raise ConnectionError("broker down")
        self.enqueued.append(submission_id)


@pytest.fixture
def courses_file(tmp_path: Path) -> Path:
    path = tmp_path / "courses.yaml"
    path.write_text(
        "assignments:\n"
        f"  - id: week01-generators\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
        '    repositories: ["codertocat/*"]\n'
    )
    return path


@pytest.fixture
def backend(tmp_path: Path, courses_file: Path, monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.delenv("DATABASE_URL", raising=False)  # SQLite in tmp_path, whatever the shell says
    settings = ServiceSettings(
        github_webhook_secret=SECRET, data_dir=tmp_path, courses=courses_file, github_token="t"
    )
    store = SqlStore(settings.sqlalchemy_url)
    store.migrate()
    return Backend(settings, store, load_courses(courses_file), Recorder())


@pytest.fixture
def client(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))


def post(
    client: TestClient,
    event: str,
    body: bytes | dict[str, Any],
    *,
    delivery: str = "d-1",
    signature: str | None = "auto",
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "Content-Type": "application/json",
    }
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/github", content=raw, headers=headers)


def test_pull_request_opened_is_stored_and_queued(client: TestClient, backend: Backend) -> None:
    answer = post(client, "pull_request", payload("pull_request.opened"))
    assert answer.status_code == 202, answer.text
    ids = answer.json()["submission_ids"]
    assert len(ids) == 1 and backend.enqueue.enqueued == ids  # type: ignore[attr-defined]
    sub = backend.store.get(ids[0])
    assert sub is not None
    assert (sub.repository, sub.pull_number, sub.status) == ("Codertocat/Hello-World", 2, "queued")
    assert sub.head_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert sub.installation_id == 1 and sub.enqueued_at is not None
    status = client.get(f"/submissions/{ids[0]}").json()
    assert status["status"] == "queued" and status["report"] is None


def test_redelivery_and_same_commit_are_not_graded_twice(
    client: TestClient, backend: Backend
) -> None:
    first = post(client, "pull_request", payload("pull_request.opened"), delivery="a")
    again = post(client, "pull_request", payload("pull_request.opened"), delivery="a")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["submission_ids"] == first.json()["submission_ids"]
    reopened = payload("pull_request.reopened")
    reopened["pull_request"]["head"]["sha"] = payload("pull_request.opened")["pull_request"][
        "head"
    ]["sha"]
    same_commit = post(client, "pull_request", reopened, delivery="b")
    assert same_commit.json()["status"] == "duplicate"
    assert len(backend.enqueue.enqueued) == 1  # type: ignore[attr-defined]


def test_a_newer_push_supersedes_the_queued_one(client: TestClient, backend: Backend) -> None:
    opened = post(client, "pull_request", payload("pull_request.opened"), delivery="a").json()
    push = payload("pull_request.synchronize")
    push["repository"] = payload("pull_request.opened")["repository"]
    push["pull_request"]["number"] = 2
    push["pull_request"]["head"]["sha"] = "b" * 40
    newer = post(client, "pull_request", push, delivery="b")
    assert newer.status_code == 202
    older = backend.store.get(opened["submission_ids"][0])
    assert older is not None and older.status == "superseded"
    assert older.superseded_by == newer.json()["submission_ids"][0]


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 401), ("sha256=" + "0" * 64, 401), ("sha1=abc", 401), (sign(b"other"), 401)],
)
def test_forged_or_unsigned_deliveries_are_refused(
    client: TestClient, signature: str | None, status: int
) -> None:
    answer = post(client, "pull_request", payload("pull_request.opened"), signature=signature)
    assert answer.status_code == status
    assert "X-Hub-Signature-256" in answer.json()["message"]


def test_bad_bodies_and_headers_get_4xx_naming_the_problem(client: TestClient) -> None:
    not_json = post(client, "pull_request", b"{not json")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["message"]
    array = post(client, "pull_request", b"[1, 2]")
    assert array.status_code == 400 and "list" in array.json()["message"]
    body = json.dumps(payload("pull_request.opened")).encode()
    missing = client.post(
        "/webhooks/github", content=body, headers={"X-Hub-Signature-256": sign(body)}
    )
    assert missing.status_code == 400
    assert (
        "X-GitHub-Event" in missing.json()["message"]
        and "X-GitHub-Delivery" in missing.json()["message"]
    )
    broken = copy.deepcopy(payload("pull_request.opened"))
    del broken["pull_request"]["head"]["sha"]
    answer = post(client, "pull_request", broken, delivery="broken")
    assert answer.status_code == 400 and "pull_request.head.sha" in answer.json()["message"]


def test_oversized_payload_is_413_before_the_signature_is_checked(client: TestClient) -> None:
    answer = client.post(
        "/webhooks/github",
        content=b"x" * (MAX_BODY + 1),
        headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": "big"},
    )
    assert answer.status_code == 413


def test_ping_installation_and_other_events(client: TestClient, backend: Backend) -> None:
    assert post(client, "ping", payload("ping"), delivery="p").json()["status"] == "pong"
    installed = post(client, "installation", payload("installation.created"), delivery="i")
    assert installed.status_code == 200 and installed.json()["status"] == "recorded"
    for event, name in [
        ("push", "push"),
        ("pull_request", "pull_request.closed"),
        ("check_suite", "check_suite.requested"),
    ]:
        answer = post(client, event, payload(name), delivery=f"x-{name}")
        assert answer.status_code == 200 and answer.json()["status"] == "ignored", name
    assert backend.enqueue.enqueued == []  # type: ignore[attr-defined]


def test_unmapped_repository_is_ignored(client: TestClient) -> None:
    other = payload("pull_request.opened")
    other["repository"]["full_name"] = "someone/else"
    answer = post(client, "pull_request", other)
    assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    assert "someone/else" in answer.json()["message"]


def test_rerequested_check_run_regrades_the_same_commit(
    client: TestClient, backend: Backend
) -> None:
    first = post(client, "pull_request", payload("pull_request.opened"), delivery="a").json()
    rerun = payload("check_run.rerequested")
    rerun["repository"] = payload("pull_request.opened")["repository"]
    rerun["check_run"]["external_id"] = first["submission_ids"][0]
    answer = post(client, "check_run", rerun, delivery="r")
    assert answer.status_code == 202, answer.text
    regrade = backend.store.get(answer.json()["submission_ids"][0])
    assert (
        regrade is not None
        and regrade.regrade
        and regrade.head_sha == payload("pull_request.opened")["pull_request"]["head"]["sha"]
    )
    rerun["check_run"]["external_id"] = "not-ours"
    assert post(client, "check_run", rerun, delivery="r2").json()["status"] == "ignored"


def test_broker_down_keeps_the_submission_for_the_sweep(
    client: TestClient, backend: Backend
) -> None:
    backend.enqueue.down = True  # type: ignore[attr-defined]
    answer = post(client, "pull_request", payload("pull_request.opened"))
    assert answer.status_code == 202
    sub = backend.store.get(answer.json()["submission_ids"][0])
    assert sub is not None and sub.enqueued_at is None and sub.status == "queued"


def test_health_readiness_and_metrics(backend: Backend) -> None:
    def down() -> None:
        raise ConnectionError("no answer")

    backend.checks = {"database": backend.store.ping, "redis": down}
    client = TestClient(create_app(backend))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"
    assert "no answer" in ready.json()["checks"]["redis"]
    post(client, "ping", payload("ping"))
    metrics = client.get("/metrics").text
    assert 'grader_webhook_deliveries_total{event="ping",outcome="pong"} 1.0' in metrics
    assert "grader_grading_duration_seconds_count 0.0" in metrics
    assert client.get("/submissions/nope").status_code == 404


def test_the_app_refuses_to_start_without_a_secret(backend: Backend, tmp_path: Path) -> None:
    backend.settings = ServiceSettings(data_dir=tmp_path, courses=backend.courses.path)
    with pytest.raises(ValueError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(backend)
