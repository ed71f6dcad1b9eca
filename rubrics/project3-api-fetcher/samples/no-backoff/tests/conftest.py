"""A small JSON API on 127.0.0.1 for the tests: script its replies, see what it got.

``local_api.reply(status, body, headers)`` queues one reply; requests get the
queued replies in order and the last one repeats. ``local_api.requests``
holds each request's path (with its query) and headers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


class LocalApi:
    def __init__(self) -> None:
        self.replies: list[tuple[int, bytes, dict[str, str]]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reply(
        self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """Queue a JSON reply (``body`` may be ``bytes`` to send as it is)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies.append((status, raw, headers or {}))

    def query(self, index: int) -> dict[str, str]:
        """The query parameters of request ``index``."""
        pairs = parse_qs(urlsplit(self.requests[index][0]).query)
        return {name: values[-1] for name, values in pairs.items()}

    def next_reply(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.requests.append((path, headers))
            if not self.replies:
                return 404, b'{"error": "nothing scripted"}', {}
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def _handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, body, extra = api.next_reply(self.path, headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def local_api() -> Iterator[LocalApi]:
    api = LocalApi()
    api.thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()
