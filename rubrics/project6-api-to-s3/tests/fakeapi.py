"""A scripted, paginated JSON API on 127.0.0.1 for the hidden tests (fixtures in conftest.py).

Each test scripts, per path, the replies the server gives in order (the last one repeats):
a JSON body with a status, or a dropped connection. The server records every request's
path with its query, so a test can count the attempts. It listens on a free port, in a
thread, for one test.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    drop: bool = False


def status(code: int) -> Reply:
    return Reply(code, {"error": f"status {code}"})


def drop() -> Reply:
    return Reply(drop=True)


class FakeApi:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def pages(self, *pages: list[dict[str, Any]], path: str = "/events") -> str:
        """Serve ``pages`` at ``path?page=1..n``, linked by ``next``; the first page's URL."""
        for number, items in enumerate(pages, start=1):
            last = number == len(pages)
            following = None if last else f"{self.url}{path}?page={number + 1}"
            self.script(f"{path}?page={number}", Reply(200, {"items": items, "next": following}))
        return f"{self.url}{path}?page=1"

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            self.requests.append(path)
            queue = self.routes.get(path) or self.routes.get(urlsplit(path).path)
            if not queue:
                return Reply(404, {"error": "no such route in this test"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = api.next_reply(self.path)
            if reply.drop:
                self.close_connection = True
                return
            body = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            with contextlib.suppress(OSError):
                super().handle()

    return Handler
