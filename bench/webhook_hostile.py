"""What hostile clients cost ``grader serve``: memory, connections, series, time (loopback only).

Starts ``grader serve`` (one uvicorn process, SQLite in a temporary folder; Redis is
never reached by these requests) and measures, reading the server's peak RSS from
``/proc/PID/status`` (VmHWM) after each scenario:

* ``unsigned``: N concurrent 25 MB bodies without a signature (the issue: 164 -> 383 MB);
* ``forged``: N concurrent 25 MB bodies with a wrong signature (bounded: 4 read at once);
* ``labels``: 2,000 distinct 1 KB ``X-GitHub-Event`` names (the issue: 2,020 series);
* ``stalled``: C connections that send nothing or half a request head: how many are
  still open after the head deadline, and whether ``/healthz`` answered meanwhile;
* ``slow-body``: a signed body sent a byte every 2 s: when it is cut off (408).

Bounded: about 40 s and a few hundred MB at most.

    .venv/bin/python bench/webhook_hostile.py [--bodies 8] [--stalled 300]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
BODY = 25 * 1024 * 1024
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def request(port: int, head: bytes, body: bytes = b"", timeout: float = 30) -> bytes:
    """Send a request and return the status line (or b"" when the server closed first)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(head)
        for start in range(0, len(body), 1 << 20):
            writer.write(body[start : start + (1 << 20)])
            try:
                await writer.drain()
            except ConnectionError:
                break
        line = await asyncio.wait_for(reader.readline(), timeout)
        return line.strip()
    except (ConnectionError, TimeoutError):
        return b""
    finally:
        writer.close()


def post_head(length: int, headers: dict[str, str]) -> bytes:
    lines = ["POST /webhooks/github HTTP/1.1", f"Host: {HOST}", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def bodies(port: int, n: int, signed_wrong: bool) -> list[bytes]:
    body = b"x" * BODY
    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "bench"}
    if signed_wrong:
        headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    head = post_head(len(body), headers)
    return await asyncio.gather(*(request(port, head, body) for _ in range(n)))


async def labels(port: int, n: int) -> int:
    for start in range(0, n, 100):
        await asyncio.gather(
            *(
                request(port, post_head(2, {"X-GitHub-Event": f"e{i}".ljust(1024, "x")}), b"{}")
                for i in range(start, min(n, start + 100))
            )
        )
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET /metrics HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    text = (await reader.read()).decode()
    writer.close()
    return sum(
        1 for line in text.splitlines() if line.startswith("grader_webhook_deliveries_total{")
    )


async def stalled(port: int, n: int, wait: float) -> tuple[int, bytes]:
    conns = []
    for i in range(n):
        reader, writer = await asyncio.open_connection(HOST, port)
        if i % 2:
            writer.write(b"POST /webhooks/github HTTP/1.1\r\nX-A: ")
        conns.append((reader, writer))
    health = await request(port, f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())

    async def closed(reader: asyncio.StreamReader) -> bool:
        try:
            return await asyncio.wait_for(reader.read(1), wait) == b""
        except TimeoutError:
            return False
        except ConnectionError:
            return True

    open_ = sum(not done for done in await asyncio.gather(*(closed(r) for r, _ in conns)))
    for _, writer in conns:
        writer.close()
    return open_, health


async def slow_body(port: int) -> tuple[bytes, float]:
    body = b'{"zen": "' + b"a" * 40 + b'"}'
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = post_head(
        len(body),
        {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "slow", "X-Hub-Signature-256": signature},
    )
    reader, writer = await asyncio.open_connection(HOST, port)
    started = time.monotonic()
    writer.write(head)
    status = b""
    for byte in body:
        writer.write(bytes([byte]))
        try:
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 2)
            break
        except TimeoutError:
            continue
        except ConnectionError:
            break
    writer.close()
    return status.strip(), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=8)
    parser.add_argument("--stalled", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        courses = Path(tmp) / "courses.yaml"
        courses.write_text("assignments: []\n")
        port = free_port()
        env = {
            **os.environ,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GRADER_DATA_DIR": tmp,
            "GRADER_COURSES": str(courses),
            "GRADER_LOG_LEVEL": "warning",
        }
        env.pop("DATABASE_URL", None)
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "grader"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            results = asyncio.run(run(server.pid, port, args))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)
            log.close()
            results_log = (Path(tmp) / "serve.log").read_bytes()
        results["server_log_bytes"] = len(results_log)
        print(json.dumps(results, indent=2))


async def run(pid: int, port: int, args: argparse.Namespace) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while True:
        try:
            if (
                await request(
                    port, f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode(), b"", 2
                )
            ).startswith(b"HTTP/1.1 200"):
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("grader serve did not start")
        await asyncio.sleep(0.2)
    results: dict[str, object] = {"rss_start_mb": round(rss_mb(pid), 1)}
    started = time.monotonic()
    statuses = await bodies(port, args.bodies, signed_wrong=False)
    results["unsigned"] = {
        "statuses": sorted(s.decode() for s in statuses),
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(pid), 1),
    }
    started = time.monotonic()
    statuses = await bodies(port, args.bodies, signed_wrong=True)
    results["forged"] = {
        "statuses": sorted(s.decode() for s in statuses),
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(pid), 1),
    }
    started = time.monotonic()
    series = await labels(port, 2000)
    results["labels"] = {
        "series": series,
        "seconds": round(time.monotonic() - started, 2),
        "rss_mb": round(rss_mb(pid), 1),
    }
    started = time.monotonic()
    still_open, health = await stalled(port, args.stalled, wait=15)
    results["stalled"] = {
        "connections": args.stalled,
        "still_open_after_15s": still_open,
        "healthz_meanwhile": health.decode(),
        "seconds": round(time.monotonic() - started, 2),
    }
    status, seconds = await slow_body(port)
    results["slow_body"] = {"status": status.decode(), "cut_off_after_s": round(seconds, 1)}
    results["peak_rss_mb"] = round(peak_rss_mb(pid), 1)
    return results


if __name__ == "__main__":
    main()
