"""Accepted webhook requests per second, signatures checked, measured with wrk over loopback.

Starts ``grader serve`` (one uvicorn process) over a private redis-server and
a fresh PostgreSQL database, then drives it with wrk (Debian's ``wrk``;
installed with apt when missing) for each kind of delivery, every request with
its own ``X-GitHub-Delivery`` (a Lua script) and a valid ``X-Hub-Signature-256``:

* ``ping``: verify, parse, record the delivery, answer;
* ``pull_request``: the same, plus routing and the commit's de-duplication
  (the first request queues a submission; the rest find it);
* ``pull_request (new commits)``: every request a commit not seen before (bodies
  signed beforehand, a slice per wrk thread), so each stores a submission and
  publishes its announcement to the broker (Celery over the private redis-server);
* ``forged``: a bad signature, refused with 401 before anything is stored;
* ``/healthz`` as the baseline: the same server with no work per request.

Each line gives requests per second, p99 latency and the ratio to ``/healthz`` in the
same run. ``--workers`` is ``grader serve --workers``; ``--source DIR`` serves the code
of another checkout (e.g. a ``git worktree`` of an older commit, for a before/after).

    .venv/bin/python bench/webhook_load.py [--seconds 10] [--connections 16] [--workers 1]
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
from dataclasses import dataclass
from pathlib import Path

import psycopg

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

THREADS = 2
LUA = """
wrk.method = "POST"
wrk.body = io.open("{body}", "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "{event}"
wrk.headers["X-Hub-Signature-256"] = "{signature}"
local n, started = 0, 0
local bodies, signatures, next_body = {{}}, {{}}, 1
setup = function(thread)
  thread:set("me", started)
  started = started + 1
end
init = function(args)
  run = math.floor(os.time() % 1e6)  -- every thread's ids its own, and new in each run
  if "{bodies}" == "" then return end
  local i = 0
  for line in io.lines("{bodies}") do
    if i % {threads} == me then
      local tab = line:find("\t")
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
end
request = function()
  n = n + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("%s-%d-%d-%d", "{tag}", me, run, n)
  if #bodies == 0 then
    return wrk.format(nil, "/webhooks/github")
  end
  wrk.headers["X-Hub-Signature-256"] = signatures[next_body]
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/webhooks/github", nil, body)
end
"""


@dataclass
class Run:
    rate: float
    p99_ms: float
    requests: int
    refused: int


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> Run:
    binary = shutil.which("wrk")
    if binary is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        binary = "wrk"
    args = [binary, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rate and p99 and total, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return Run(
        float(rate.group(1)),
        float(p99.group(1)) * scale,
        int(total.group(1)),
        int(non_2xx.group(1)) if non_2xx else 0,
    )


def signed(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def new_commits(count: int, path: Path) -> None:
    """``count`` opened pull requests, each its own commit, one ``signature\\tbody`` a line."""
    payload = json.loads((SHARED / "payloads" / "pull_request.opened.json").read_bytes())
    with path.open("w") as out:
        for n in range(count):
            payload["pull_request"]["head"]["sha"] = f"{n:040x}"
            payload["pull_request"]["number"] = 1 + n % 1000
            body = json.dumps(payload).encode()
            out.write(f"{signed(body)}\t{body.decode()}\n")


def submissions(database: str) -> int:
    with psycopg.connect(database.replace("postgresql+psycopg", "postgresql")) as connection:
        row = connection.execute("SELECT count(*) FROM submissions").fetchone()
    return int(row[0]) if row else 0


CASES = [
    ("ping", "ping", "ping", False),
    ("pull_request", "pull_request", "pull_request.opened", False),
    ("pull_request (new commits)", "pull_request", "", False),
    ("pull_request (forged)", "pull_request", "pull_request.opened", True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="grader serve --workers")
    parser.add_argument("--source", type=Path, help="serve the code of this checkout instead")
    parser.add_argument("--commits", type=int, default=12_000, help="bodies for new commits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database:
        home = Path(tmp)
        courses = home / "courses.yaml"
        courses.write_text(
            f"assignments:\n  - id: week01\n    rubric: {WEEK01 / 'rubric.yaml'}\n"
            '    repositories: ["codertocat/*"]\n'
        )
        new_commits(args.commits, home / "commits.tsv")
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
        if args.source is not None:
            env["PYTHONPATH"] = str(args.source.resolve())
        serve = ["serve", "--port", str(port)]
        if args.workers > 1:
            serve += ["--workers", str(args.workers)]
        api = _spawn(serve, env, home / "api.log")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: _up(url), 60, "the API")
            results = {"/healthz (baseline)": wrk(f"{url}/healthz", args.seconds, args.connections)}
            for name, event, payload, forged in CASES:
                body = b"{}"
                if payload:
                    body = (SHARED / "payloads" / f"{payload}.json").read_bytes()
                    body = json.dumps(json.loads(body)).encode()
                (home / "body.json").write_bytes(body)
                script = home / "load.lua"
                script.write_text(
                    LUA.format(
                        body=home / "body.json",
                        event=event,
                        signature="sha256=" + "0" * 64 if forged else signed(body),
                        tag=name.replace(" ", "-"),
                        bodies="" if payload else home / "commits.tsv",
                        threads=THREADS,
                    )
                )
                before = submissions(database)
                run = wrk(f"{url}/webhooks/github", args.seconds, args.connections, script)
                results[name] = run
                stored = submissions(database) - before
                print(
                    f"{name:28} {run.rate:8.1f} req/s  p99 {run.p99_ms:7.1f} ms  "
                    f"{run.requests} requests, {run.refused} not 2xx, {stored} submissions stored",
                    flush=True,
                )
        finally:
            _stop(api)
            redis.stop()
    baseline = results["/healthz (baseline)"].rate
    print()
    print(
        f"grader serve --workers {args.workers}"
        f"{f' (code of {args.source})' if args.source else ''}, {args.connections} connections, "
        f"{args.seconds} s each, PostgreSQL store"
    )
    for name, run in results.items():
        print(
            f"{name:28} {run.rate:8.1f} req/s  p99 {run.p99_ms:7.1f} ms"
            f"   x{run.rate / baseline:.3f} of /healthz"
        )


if __name__ == "__main__":
    main()
