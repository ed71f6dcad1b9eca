"""Accepted webhook requests per second, signatures checked, measured with wrk over loopback.

Starts ``grader serve`` (one uvicorn process) over a private redis-server and
a fresh PostgreSQL database, then drives it with wrk (Debian's ``wrk``;
installed with apt when missing) for each kind of delivery, every request with
its own ``X-GitHub-Delivery`` (a Lua script) and a valid ``X-Hub-Signature-256``:

* ``ping``: verify, parse, record the delivery, answer;
* ``pull_request``: the same, plus routing and the commit's de-duplication
  (the first request queues a submission; the rest find it);
* ``forged``: a bad signature, refused with 401 before anything is stored;
* ``/healthz`` as the baseline: the same server with no work per request.

    .venv/bin/python bench/webhook_load.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service_support import postgres_database  # noqa: E402
from test_service_e2e import (  # noqa: E402
    SECRET,
    SHARED,
    WEEK01,
    RedisServer,
    _spawn,
    _stop,
    _up,
    free_port,
    wait_for,
)

LUA = """
wrk.method = "POST"
wrk.body = io.open("{body}", "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "{event}"
wrk.headers["X-Hub-Signature-256"] = "{signature}"
local n = 0
request = function()
  n = n + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("%s-%d-%d", "{tag}", math.random(1, 1e9), n)
  return wrk.format(nil, "/webhooks/github")
end
"""


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> tuple[float, str]:
    binary = shutil.which("wrk")
    if binary is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        binary = "wrk"
    args = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1)), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database:
        home = Path(tmp)
        courses = home / "courses.yaml"
        courses.write_text(
            f"assignments:\n  - id: week01\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
            '    repositories: ["codertocat/*"]\n'
        )
        redis = RedisServer()
        redis.start()
        port = free_port()
        env = {
            "PATH": "/usr/bin:/bin",
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_TOKEN": "unused",
            "REDIS_URL": redis.url,
            "DATABASE_URL": database,
            "GRADER_COURSES": str(courses),
            "GRADER_DATA_DIR": str(home),
            "GRADER_LOG_LEVEL": "warning",
        }
        api = _spawn(["serve", "--port", str(port)], env, home / "api.log")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: _up(url), 60, "the API")
            results: dict[str, float] = {}
            baseline, _ = wrk(f"{url}/healthz", args.seconds, args.connections)
            results["/healthz (baseline)"] = baseline
            for event, payload, forged in [
                ("ping", "ping", False),
                ("pull_request", "pull_request.opened", False),
                ("pull_request", "pull_request.opened", True),
            ]:
                body = (SHARED / "payloads" / f"{payload}.json").read_bytes()
                body = json.dumps(json.loads(body)).encode()
                (home / "body.json").write_bytes(body)
                signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if forged:
                    signature = "sha256=" + "0" * 64
                script = home / "load.lua"
                script.write_text(
                    LUA.format(body=home / "body.json", event=event, signature=signature, tag=event)
                )
                rate, out = wrk(f"{url}/webhooks/github", args.seconds, args.connections, script)
                name = f"{event}{' (forged)' if forged else ''}"
                results[name] = rate
                total = re.search(r"(\d+) requests in", out)
                non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                print(
                    f"{name:22} {rate:8.1f} req/s  {total.group(1) if total else '?'} requests, "
                    f"{non_2xx.group(1) if non_2xx else 0} not 2xx",
                    flush=True,
                )
        finally:
            _stop(api)
            redis.stop()
    print()
    print(
        f"one uvicorn process, {args.connections} connections, {args.seconds} s each, PostgreSQL store"
    )
    for name, rate in results.items():
        print(f"{name:22} {rate:8.1f} req/s   x{rate / baseline:.3f} of /healthz")


if __name__ == "__main__":
    main()
