"""The webhook receiver over HTTP (FastAPI's test client), a real SQLite store and GitHub's payloads."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from support import WEEK01

from grader.service.courses import Route, load_courses
from grader.service.store import SqlStore
from grader.service.store.tables import DeliveryRow
from grader.settings import ServiceSettings
from webhooks.app import MAX_BODY, Backend, Limits, create_app, signature_ok

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
    assert backend.store.result(ids[0]) is None
    # Without a console nobody can sign in, so the submission is not served at all.
    assert client.get(f"/submissions/{ids[0]}").status_code == 404


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


def test_the_pull_requests_author_is_stored_as_the_student(
    client: TestClient, backend: Backend
) -> None:
    """A pull request by Alice stores author ``alice`` (lowercased) and her id; its regrade too."""
    opened = payload("pull_request.opened")
    opened["pull_request"]["user"] = {"login": "Alice", "id": 4242, "type": "User"}
    answer = post(client, "pull_request", opened, delivery="a")
    assert answer.status_code == 202, answer.text
    sub = backend.store.get(answer.json()["submission_ids"][0])
    assert sub is not None and (sub.author_login, sub.author_id) == ("alice", 4242)
    rerun = payload("check_run.rerequested")
    rerun["repository"] = opened["repository"]
    rerun["check_run"]["external_id"] = sub.id
    regrade = backend.store.get(
        post(client, "check_run", rerun, delivery="r").json()["submission_ids"][0]
    )
    assert regrade is not None and regrade.regrade and regrade.author_login == "alice"


def test_a_pull_request_opened_by_a_bot_belongs_to_the_sender(
    client: TestClient, backend: Backend
) -> None:
    """GitHub Classroom's bot opens the feedback pull request; the student is who pushed."""
    opened = payload("pull_request.opened")
    opened["pull_request"]["user"] = {"login": "github-classroom[bot]", "id": 1, "type": "Bot"}
    opened["sender"] = {"login": "Bob", "id": 77, "type": "User"}
    answer = post(client, "pull_request", opened, delivery="a")
    sub = backend.store.get(answer.json()["submission_ids"][0])
    assert sub is not None and (sub.author_login, sub.author_id) == ("bob", 77)


def test_broker_down_keeps_the_submission_for_the_sweep(
    client: TestClient, backend: Backend
) -> None:
    backend.enqueue.down = True  # type: ignore[attr-defined]
    answer = post(client, "pull_request", payload("pull_request.opened"))
    assert answer.status_code == 202
    sub = backend.store.get(answer.json()["submission_ids"][0])
    assert sub is not None and sub.enqueued_at is None and sub.status == "queued"


def test_a_store_that_does_not_answer_gets_a_503_and_nothing_is_queued(
    backend: Backend,
) -> None:
    """GitHub shows a 503 as a failed delivery, to redeliver once the database is back."""
    with socket.socket() as probe:  # a port nothing listens on: the database is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend.store = SqlStore(f"postgresql+psycopg://grader@127.0.0.1:{port}/gone")
    client = TestClient(create_app(backend))
    for event, name in [("pull_request", "pull_request.opened"), ("ping", "ping")]:
        answer = post(client, event, payload(name), delivery=f"down-{name}")
        assert answer.status_code == 503, answer.text
        assert answer.json()["status"] == "unavailable"
    assert backend.enqueue.enqueued == []  # type: ignore[attr-defined]


def test_a_delivery_is_recorded_with_its_outcome_and_a_redelivery_answered_from_it(
    client: TestClient, backend: Backend
) -> None:
    """Ping, rejected and accepted deliveries leave no row ``received``; a redelivery of
    each is a duplicate naming the first outcome."""
    first = post(client, "pull_request", payload("pull_request.opened"), delivery="one")
    post(client, "ping", payload("ping"), delivery="two")
    post(client, "pull_request", _set("pull_request.number", "2"), delivery="three")
    assert _received(backend) == []
    for delivery, outcome in [("one", "accepted"), ("two", "pong"), ("three", "rejected")]:
        again = post(client, "pull_request", payload("pull_request.opened"), delivery=delivery)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        assert f"({outcome})" in again.json()["message"]
    assert again.json()["submission_ids"] == []
    assert len(backend.enqueue.enqueued) == 1  # type: ignore[attr-defined]
    assert first.json()["submission_ids"] == backend.enqueue.enqueued  # type: ignore[attr-defined]


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
    assert client.get("/submissions/nope").status_code == 404  # no console: not served


def test_the_app_refuses_to_start_without_a_secret(backend: Backend, tmp_path: Path) -> None:
    backend.settings = ServiceSettings(data_dir=tmp_path, courses=backend.courses.path)
    with pytest.raises(ValueError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(backend)


# --- hostile but correctly signed bodies (issue 12): a 400 naming the field, never a 500 -----


def _received(backend: Backend) -> list[str]:
    """Deliveries left ``received``: handling that neither finished nor gave the row back."""
    store = backend.store
    assert isinstance(store, SqlStore)
    with store.session() as session:
        return list(
            session.scalars(select(DeliveryRow.id).where(DeliveryRow.outcome == "received"))
        )


def _set(path: str, value: Any) -> dict[str, Any]:
    """The opened pull request's payload with the value at a dotted path replaced."""
    body = payload("pull_request.opened")
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    node[last] = value
    return body


def _deep(levels: int) -> Any:
    return json.loads("[" * levels + "]" * levels)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (
            json.dumps(_set("pull_request.title", "x")).replace('"x"', "[" * 1000 + "]" * 1000),
            "deep",
        ),
        (
            json.dumps(_set("pull_request.title", "x")).replace(
                '"x"', "[" * 100_000 + "]" * 100_000
            ),
            "deep",
        ),
        (json.dumps(_set("pull_request.title", "x")).replace('"x"', "1" * 5000), "digits"),
        (json.dumps(_set("pull_request.title", "x")).replace('"x"', "NaN"), "NaN"),
        (json.dumps(_set("action", [])), "action"),
        (json.dumps(_set("action", {})), "action"),
        (json.dumps(_set("action", "\ud800")), "action"),
        (json.dumps(_set("pull_request.head.ref", "\ud800")), "pull_request.head.ref"),
        (json.dumps(_set("pull_request.head.ref", "nul\x00")), "pull_request.head.ref"),
        (json.dumps(_set("pull_request.number", 2**63)), "pull_request.number"),
        (json.dumps(_set("pull_request.number", -(2**63) - 1)), "pull_request.number"),
        (json.dumps(_set("pull_request.number", "2")), "pull_request.number"),
        (json.dumps(_set("pull_request.number", True)), "pull_request.number"),
        (json.dumps(_set("installation.id", 2**64)), "installation.id"),
        (json.dumps(_set("pull_request.head.ref", "r" * 256)), "pull_request.head.ref"),
        (json.dumps(_set("pull_request.user.login", "u" * 256)), "pull_request.user.login"),
        (json.dumps(_set("sender.id", "77")), "sender.id"),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else None,
)
def test_hostile_signed_pull_requests_get_a_400_naming_the_problem(
    client: TestClient, backend: Backend, raw: str, named: str
) -> None:
    """Deep nesting, huge integers, odd types, lone surrogates, out-of-range ids: 400, no row left."""
    answer = post(client, "pull_request", raw.encode(), delivery="hostile")
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["message"]
    assert _received(backend) == []
    assert backend.enqueue.enqueued == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("event", "name", "path"),
    [
        ("check_run", "check_run.rerequested", "check_run.external_id"),
        ("installation", "installation.created", "installation.account.login"),
        ("installation", "installation.created", "installation.id"),
    ],
)
def test_hostile_values_in_other_events_get_a_400(
    client: TestClient, backend: Backend, event: str, name: str, path: str
) -> None:
    """A lone surrogate or an id past int64 where the store would keep it is refused at the door."""
    body = payload(name)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    node[last] = 2**63 if last == "id" else "\ud800"
    answer = post(client, event, json.dumps(body).encode(), delivery=f"hostile-{path}")
    assert answer.status_code == 400, answer.text
    assert path in answer.json()["message"]
    assert _received(backend) == []


def test_a_huge_action_is_refused_not_stored(client: TestClient, backend: Backend) -> None:
    """A 1 MB action (the issue used 24 MB) is a 400; the delivery row keeps no action."""
    answer = post(client, "pull_request", _set("action", "a" * 2**20), delivery="huge")
    assert answer.status_code == 400 and "action" in answer.json()["message"]
    assert len(answer.text) < 2000
    store = backend.store
    assert isinstance(store, SqlStore)
    with store.session() as session:
        row = session.get(DeliveryRow, "huge")
        assert row is not None and row.action is None and row.outcome == "rejected"
        assert len(row.detail or "") < 2000


def test_an_older_head_delivered_late_does_not_supersede_the_newer(
    client: TestClient, backend: Backend
) -> None:
    """``opened`` for the old head arriving after ``synchronize`` for the new one is not graded."""
    push = payload("pull_request.synchronize")
    push["repository"] = payload("pull_request.opened")["repository"]
    push["pull_request"]["number"] = 2
    push["pull_request"]["head"]["sha"] = "b" * 40
    push["pull_request"]["updated_at"] = "2019-05-15T15:30:00Z"
    newer = post(client, "pull_request", push, delivery="sync")
    assert newer.status_code == 202
    late = post(client, "pull_request", payload("pull_request.opened"), delivery="late-open")
    assert late.status_code == 200 and late.json()["status"] == "duplicate", late.text
    kept = backend.store.get(newer.json()["submission_ids"][0])
    assert kept is not None and kept.status == "queued"
    old = backend.store.get(late.json()["submission_ids"][0])
    assert old is not None and old.status == "superseded"
    assert old.superseded_by == kept.id
    assert backend.enqueue.enqueued == newer.json()["submission_ids"]  # type: ignore[attr-defined]


# --- hostile clients without a signature -------------------------------------------------


def test_unknown_event_names_share_one_metrics_label(client: TestClient) -> None:
    """Any client sets X-GitHub-Event: 200 made-up names make one series, not 200."""
    for n in range(200):
        client.post("/webhooks/github", content=b"{}", headers={"X-GitHub-Event": f"e{n}" * 50})
    post(client, "ping", payload("ping"), delivery="p")
    series = [
        line
        for line in client.get("/metrics").text.splitlines()
        if line.startswith("grader_webhook_deliveries_total{")
    ]
    assert sorted(series) == [
        'grader_webhook_deliveries_total{event="other",outcome="rejected"} 200.0',
        'grader_webhook_deliveries_total{event="ping",outcome="pong"} 1.0',
    ]


class _Client:
    """A raw ASGI client whose body arrives when the test says, or never."""

    def __init__(self, app: Any, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.reading = asyncio.Event()
        self.release = asyncio.Event()
        self.disconnect = False
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.reading.set()
        if self.disconnect:
            return {"type": "http.disconnect"}
        await self.release.wait()
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def post(self) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/webhooks/github",
            "raw_path": b"/webhooks/github",
            "query_string": b"",
            "root_path": "",
            "headers": self.headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8000),
        }
        await self.app(scope, self.receive, self.send)
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))


SIGNED_HEADERS = {
    "X-GitHub-Event": "ping",
    "X-GitHub-Delivery": "slow",
    "X-Hub-Signature-256": sign(b"{}"),
}


def test_an_unsigned_body_is_refused_before_it_is_read(backend: Backend) -> None:
    """Without X-Hub-Signature-256 the body is never read, so it costs no memory."""
    app = create_app(backend)
    client = _Client(app, {"X-GitHub-Event": "push", "Content-Length": str(MAX_BODY)})
    assert asyncio.run(client.post()) == 401
    assert not client.reading.is_set()


def test_bodies_read_at_once_are_bounded(backend: Backend) -> None:
    """Past ``Limits.bodies`` bodies in flight, the next is a 503 with Retry-After, unread."""
    backend.limits = Limits(bodies=1, body_seconds=30)
    app = create_app(backend)

    async def scenario() -> tuple[int, int, bool]:
        first = _Client(app, SIGNED_HEADERS)
        second = _Client(app, {**SIGNED_HEADERS, "X-GitHub-Delivery": "second"})
        pending = asyncio.create_task(first.post())
        await first.reading.wait()
        busy = await second.post()
        first.release.set()
        return busy, await pending, second.reading.is_set()

    busy, first_status, second_read = asyncio.run(scenario())
    assert (busy, first_status, second_read) == (503, 200, False)


def test_a_body_that_does_not_arrive_in_time_is_cut_off_with_408(backend: Backend) -> None:
    """A client trickling its body (1 byte per 2 s in the issue) meets the body deadline."""
    backend.limits = Limits(bodies=1, body_seconds=0.05)
    client = _Client(create_app(backend), SIGNED_HEADERS)
    assert asyncio.run(client.post()) == 408


def test_a_client_leaving_mid_body_is_answered_not_raised(backend: Backend) -> None:
    """A disconnect mid-body ends the request quietly: no exception reaches the server's log."""
    client = _Client(create_app(backend), SIGNED_HEADERS)
    client.disconnect = True
    assert asyncio.run(client.post()) == 400
