"""Fuzzing the webhook with correctly signed mutations of GitHub's real payloads.

Each example takes one of the payloads in ``shared/github/payloads``, replaces one to
three values (or deletes a key) with generated JSON - odd types, long and unstorable
strings (lone surrogates, NUL), integers past int64 or thousands of digits long,
nesting thousands deep, NaN - signs the body with the webhook secret and posts it,
sometimes under another event's name. Whatever comes in, the answer is not a 5xx
(the test client re-raises any exception the app lets out), no delivery is left
``received``, and ``/healthz`` still answers. ``make test`` runs the bounded default
profile; ``make fuzz`` the long one. Set ``FUZZ_REPORT=path.json`` to write the
outcomes by status class.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import WEEK01

from grader.service.courses import load_courses
from grader.service.store import SqlStore
from grader.service.store.tables import DeliveryRow
from grader.settings import ServiceSettings
from webhooks.app import Backend, create_app

pytestmark = pytest.mark.fuzz

SHARED = Path(__file__).resolve().parents[2] / "shared" / "github"
SECRET = "webhook-secret"


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


PAYLOADS = {
    path.stem: json.loads(path.read_text()) for path in sorted((SHARED / "payloads").glob("*.json"))
}
EVENTS = sorted({name.split(".")[0] for name in PAYLOADS})
READ_BY_THE_SERVICE = (
    ("action",),
    ("pull_request", "number"),
    ("pull_request", "updated_at"),
    ("pull_request", "head", "sha"),
    ("pull_request", "head", "ref"),
    ("pull_request", "head", "repo"),
    ("pull_request", "head", "repo", "full_name"),
    ("pull_request", "base", "sha"),
    ("repository", "full_name"),
    ("installation", "id"),
    ("installation", "account", "login"),
    ("check_run", "external_id"),
    ("check_run", "id"),
    ("hook_id",),
    ("zen",),
    ("repositories",),
)
SENTINEL = "\u2603fuzz-raw-{}\u2603"

Path_ = tuple[str | int, ...]


def _paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path to a value inside a JSON document."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


PATHS = {name: list(_paths(body)) for name, body in PAYLOADS.items()}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud800", "a\udfffb", "nul\x00", "", " ", "../..", "a/b/c", "💯"]),
    st.integers(min_value=60, max_value=5000).map(lambda n: "x" * n),
)
hostile_int = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), hostile_int, st.floats(allow_nan=False), hostile_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)
raw_json = st.one_of(
    st.integers(min_value=500, max_value=100_000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=500, max_value=20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=21, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=21, max_value=6000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "1.5e-400"]),
)
DELETE = object()


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, bytes]:
    """An event name and a signed-to-be body: a real payload with one to three values replaced."""
    name = draw(st.sampled_from(sorted(PAYLOADS)))
    body = json.loads(json.dumps(PAYLOADS[name]))
    read: list[Path_] = [path for path in READ_BY_THE_SERVICE if path in PATHS[name]]
    raw: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        service_reads = bool(read) and draw(st.booleans())
        path = draw(st.sampled_from(read if service_reads else PATHS[name]))
        value: Any = draw(
            st.one_of(json_values, raw_json.map(lambda text: ("raw", text)), st.just(DELETE))
        )
        if isinstance(value, tuple):
            raw.append(value[1])
            value = SENTINEL.format(len(raw) - 1)
        _replace(body, path, value)
    text = json.dumps(body)
    for n, token in enumerate(raw):
        text = text.replace(json.dumps(SENTINEL.format(n)), token)
    event = draw(st.sampled_from([name.split(".")[0]] * 3 + EVENTS))
    return event, text.encode("utf-8", "surrogatepass")


def _replace(body: Any, path: Path_, value: Any) -> None:
    node = body
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return  # an earlier mutation replaced a parent: nothing left to change here
    try:
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        return


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, SqlStore]]:
    """One app over one SQLite store for the whole run (Hypothesis repeats the test body)."""
    folder = tmp_path_factory.mktemp("fuzz")
    courses = folder / "courses.yaml"
    courses.write_text(
        "assignments:\n"
        f"  - id: week01-generators\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
        '    repositories: ["*/*"]\n'
    )
    settings = ServiceSettings(
        github_webhook_secret=SECRET,
        data_dir=folder,
        courses=courses,
        github_token="t",
    )
    store = SqlStore(f"sqlite:///{folder / 'fuzz.db'}")  # whatever DATABASE_URL says
    store.migrate()
    backend = Backend(settings, store, load_courses(courses), lambda submission_id, route: None)
    yield TestClient(create_app(backend)), store
    store.dispose()


@pytest.fixture(scope="module")
def outcomes() -> Iterator[Counter[str]]:
    """Answers by status class, written to ``$FUZZ_REPORT`` when it is set."""
    seen: Counter[str] = Counter()
    yield seen
    report = os.environ.get("FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps({"inputs": sum(seen.values()), **seen}, indent=2))


@given(delivery=deliveries(), number=st.integers(min_value=0, max_value=2**32))
def test_signed_mutations_of_real_payloads_never_get_a_5xx(
    service: tuple[TestClient, SqlStore],
    outcomes: Counter[str],
    delivery: tuple[str, bytes],
    number: int,
) -> None:
    """Any signed body: a 2xx or a 4xx naming the problem, the delivery finished, the app alive."""
    client, store = service
    event, body = delivery
    answer = client.post(
        "/webhooks/github",
        content=body,
        headers={
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": f"fuzz-{number}",
            "X-Hub-Signature-256": sign(body),
            "Content-Type": "application/json",
        },
    )
    outcomes[f"{answer.status_code // 100}xx"] += 1
    assert answer.status_code < 500, answer.text
    assert "message" in answer.json()
    with store.session() as session:
        stuck = session.scalar(
            select(func.count()).select_from(DeliveryRow).where(DeliveryRow.outcome == "received")
        )
    assert stuck == 0
    assert client.get("/healthz").status_code == 200
