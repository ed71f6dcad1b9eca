"""The partner's API on 127.0.0.1, for the hidden tests (fixtures in conftest.py).

``GET /v1/records`` serves a dataset the test fills (``put``): the records
whose ``updated_at`` is at or after ``since`` (compared as times), sorted by
id, ``limit`` at a time, each page with an opaque ``next_cursor`` that belongs
to its query (a cursor sent with another ``since`` is refused with 400).
Every request must carry ``X-API-Key: API_KEY`` (401 otherwise). A test can
also script the replies of a path (``script``: in order, the last repeats),
or make the next requests fail whatever their path (``inject``: ``None``
answers normally). Every request is recorded: path, query and headers.
It listens on a free port, in a thread, for one test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "k-5d81c0b7e2"
TIMEOUT = 0.2
"""The client's timeout in the tests; a hang lasts longer than this."""
RECORDS = "/v1/records"
MAX_REQUESTS = 400
"""Past this, every request gets 400: a client that loops over the same page fails fast."""
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
"""2026-03-02 06:00 UTC: the tests' clocks start here."""


def stamp(seconds: float, *, millis: bool = False) -> str:
    """The API's ``updated_at`` for ``T0 + seconds``, e.g. ``2026-03-02T06:01:40Z``."""
    moment = datetime.fromtimestamp(T0 + seconds, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(record_id: str, seconds: float, **fields: Any) -> dict[str, Any]:
    """A record updated at ``T0 + seconds``."""
    return {"id": record_id, "updated_at": stamp(seconds), **fields}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    hang: float = 0.0
    drop: bool = False


def ok(body: Any) -> Reply:
    return Reply(200, body)


def status(code: int, **headers: str) -> Reply:
    named = {key.replace("_", "-"): value for key, value in headers.items()}
    return Reply(code, {"error": f"status {code}"}, named)


def hang(seconds: float = 2.0) -> Reply:
    return Reply(hang=seconds)


def drop() -> Reply:
    return Reply(drop=True)


@dataclass(frozen=True)
class Seen:
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """The query's parameters (the last value of each)."""
        pairs = parse_qs(urlsplit(self.target).query, keep_blank_values=True)
        return {name: values[-1] for name, values in pairs.items()}


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cursor(offset: int, since: str | None) -> str:
    raw = json.dumps({"offset": offset, "since": since}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(cursor: str, since: str | None) -> int | None:
    """The offset a cursor stands for, or None when it is not one of ours for ``since``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset = data["offset"]
    except (ValueError, TypeError, KeyError):
        return None
    if data.get("since") != since or not isinstance(offset, int):
        return None
    return offset


class FakeApi:
    def __init__(self) -> None:
        self.dataset: dict[str, dict[str, Any]] = {}
        self.routes: dict[str, list[Reply]] = {}
        self.injected: deque[Reply | None] = deque()
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def put(self, *records: dict[str, Any]) -> None:
        """Add or replace records of the dataset (by id)."""
        with self._lock:
            for item in records:
                self.dataset[item["id"]] = dict(item)

    def script(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def inject(self, *replies: Reply | None) -> None:
        """The next requests, whatever their path, get these replies (None: the normal answer)."""
        self.injected.extend(replies)

    def record_requests(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == RECORDS]

    def answer(self, target: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Seen(target, headers))
            if len(self.requests) > MAX_REQUESTS:
                return Reply(400, {"error": f"over {MAX_REQUESTS} requests in one test"})
            if headers.get("x-api-key") != API_KEY:
                return Reply(401, {"error": "missing or wrong API key"})
            if self.injected and (reply := self.injected.popleft()) is not None:
                return reply
            path = urlsplit(target).path
            queue = self.routes.get(path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
            if path == RECORDS:
                return self._records_page(self.requests[-1].query)
            return Reply(404, {"error": "no such route in this test"})

    def _records_page(self, query: dict[str, str]) -> Reply:
        since = query.get("since")
        try:
            limit = int(query.get("limit", "100"))
            after = None if since is None else _time(since)
        except ValueError:
            return Reply(400, {"error": "limit must be an integer, since a timestamp"})
        if not 1 <= limit <= 1000:
            return Reply(400, {"error": "limit must be between 1 and 1000"})
        offset = 0
        if "cursor" in query:
            found = _offset(query["cursor"], since)
            if found is None:
                return Reply(400, {"error": "the cursor does not belong to this query"})
            offset = found
        matching = [
            item
            for _, item in sorted(self.dataset.items())
            if after is None or _time(item["updated_at"]) >= after
        ]
        end = offset + limit
        next_cursor = _cursor(end, since) if end < len(matching) else None
        return ok({"items": matching[offset:end], "next_cursor": next_cursor})

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            reply = api.answer(self.path, headers)
            if reply.hang:
                api.stopping.wait(reply.hang)
                self.close_connection = True
                return
            if reply.drop:
                self.close_connection = True
                return
            body = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # the client gave up (timeout)
                super().handle()

    return Handler
