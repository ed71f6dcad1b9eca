"""``grader serve`` under hostile clients: a real uvicorn on loopback with the serve settings."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from grader.cli.guarded_http import GuardedH11Protocol
from grader.cli.service import server_options


class QuickHeads(GuardedH11Protocol):
    head_seconds = 0.3


@pytest.fixture
def server() -> Iterator[int]:
    """The serve options on a tiny app, listening on a loopback port; yields the port."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    options = server_options("127.0.0.1", 0, 1)
    for unused in ("factory", "host", "port", "workers"):
        options.pop(unused)
    options["http"] = QuickHeads
    config = uvicorn.Config(app, **options, lifespan="off")
    runner = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not runner.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)  # polling for start-up, not waiting a fixed time
    yield int(listener.getsockname()[1])
    runner.should_exit = True
    thread.join(10)
    listener.close()


def _closed_within(conn: socket.socket, seconds: float) -> bool:
    conn.settimeout(seconds)
    try:
        return conn.recv(1024) == b""
    except TimeoutError:
        return False


def _healthz(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return conn.recv(1024)


def test_a_silent_or_trickling_client_is_disconnected(server: int) -> None:
    """No request head within the deadline (silent, or a byte at a time): the connection closes."""
    with (
        socket.create_connection(("127.0.0.1", server)) as silent,
        socket.create_connection(("127.0.0.1", server)) as trickling,
    ):
        trickling.sendall(b"POST /webhooks/github HTTP/1.1\r\n")
        trickling.sendall(b"X-A: 1\r\n")
        assert _closed_within(silent, 5)
        assert _closed_within(trickling, 5)
    assert _healthz(server).startswith(b"HTTP/1.1 200")


def test_an_oversized_request_head_is_refused(server: int) -> None:
    """A request head over 64 KB is refused by h11 rather than buffered."""
    with socket.create_connection(("127.0.0.1", server), timeout=5) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000)
        answer = conn.recv(1024)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4")


def test_serve_bounds_what_a_process_holds() -> None:
    """The settings ``grader serve`` hands uvicorn: every bound set, the guarded protocol used."""
    options = server_options("127.0.0.1", 8000, 2)
    assert options["http"] == "grader.cli.guarded_http:GuardedH11Protocol"
    assert options["timeout_keep_alive"] <= 10 and options["limit_concurrency"] <= 1000
    assert options["h11_max_incomplete_event_size"] == 64 * 1024
