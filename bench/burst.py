"""A deadline burst through the whole service: N pull requests posted at once, drained by
the workers; throughput, waits, and what was lost or posted twice.

Starts what the end-to-end tests start (the API under uvicorn, a ``grader worker`` Celery
process with ``--concurrency``, a private redis-server, a fresh PostgreSQL database, the
fake GitHub, the Docker sandbox), opens N pull requests of the week-1 folders (reference,
starter and the three samples in turn, each its own commit), then posts their signed
``pull_request`` deliveries at once (a thread each) and waits until every pull request has
its report (a review, or the marked comment). Reported: the time to drain, submissions a
minute, each submission's wait (delivery accepted -> report posted) p50/p95/max, and the
pull requests left without a report (lost) or with more than one check run or report
(duplicated).

    .venv/bin/python bench/burst.py [--pulls 20] [--concurrency 2] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import REPO, WEEK01, Service, open_pull, running_service  # noqa: E402
from service_latency import percentile  # noqa: E402  (beside this script)

FOLDERS = ["reference", "starter", "samples/good", "samples/partial", "samples/sloppy"]


def reports(svc: Service, number: int) -> int:
    """The pull request's reports: reviews, and comments carrying the grader's marker."""
    comments = [c for c in svc.gh.comments(REPO, number) if "grader:" in str(c.get("body", ""))]
    return len(svc.gh.reviews(REPO, number)) + len(comments)


def _content(path: str) -> bool:
    """Whether a write creates or edits content GitHub's content-creation limits count."""
    return any(part in path for part in ("/check-runs", "/statuses/", "/reviews", "/comments"))


def burst(svc: Service, pulls: int, timeout: float) -> dict[str, object]:
    payloads = []
    shas = {}
    for number in range(1, pulls + 1):
        folder = WEEK01 / FOLDERS[(number - 1) % len(FOLDERS)]
        payload, sha = open_pull(svc, number, folder, base=None)  # every file on the diff
        payloads.append((number, payload))
        shas[number] = sha
    posted: dict[int, float] = {}
    answers: dict[int, int] = {}

    def post(number: int, payload: dict[str, object]) -> None:
        posted[number] = time.perf_counter()
        answers[number] = svc.post("pull_request", payload).status_code

    threads = [threading.Thread(target=post, args=item) for item in payloads]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done: dict[int, float] = {}
    graded: dict[int, float] = {}
    while len(done) < pulls and time.perf_counter() - start < timeout:
        completed = {r["head_sha"] for r in svc.gh.check_runs(REPO) if r["status"] == "completed"}
        for number in range(1, pulls + 1):
            if number not in graded and shas[number] in completed:
                graded[number] = time.perf_counter()
            if number not in done and reports(svc, number):
                done[number] = time.perf_counter()
                graded.setdefault(number, done[number])
        time.sleep(0.2)
    drained = max(done.values(), default=start) - start
    waits = [done[n] - posted[n] for n in done]
    runs = svc.gh.check_runs(REPO)
    writes = len([r for r in svc.gh.requests if r.method in ("POST", "PATCH") and _content(r.path)])
    duplicated = [
        n
        for n in range(1, pulls + 1)
        if reports(svc, n) > 1 or len([r for r in runs if r["head_sha"] == shas[n]]) > 1
    ]
    return {
        "accepted": sum(code == 202 for code in answers.values()),
        "drained": drained,
        "graded_in": max(graded.values(), default=start) - start,
        "graded_waits": [graded[n] - posted[n] for n in graded],
        "writes": writes,
        "per_minute": len(done) / drained * 60 if drained else 0.0,
        "waits": waits,
        "lost": pulls - len(done),
        "duplicated": len(duplicated),
        "violations": len(svc.gh.violations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--writes-per-minute",
        type=int,
        default=80,
        help="the service's GitHub content-creation limit (GitHub's: 80; GHES: none by default)",
    )
    parser.add_argument("--writes-per-hour", type=int, default=500)
    args = parser.parse_args()
    limits = {
        "GRADER_WRITES_PER_MINUTE": str(args.writes_per_minute),
        "GRADER_WRITES_PER_HOUR": str(args.writes_per_hour),
    }
    with (
        tempfile.TemporaryDirectory() as home,
        running_service(Path(home), concurrency=args.concurrency, settings=limits) as svc,
    ):
        found = burst(svc, args.pulls, args.timeout)
    waits = found["waits"]
    assert isinstance(waits, list)
    graded = found["graded_waits"]
    assert isinstance(graded, list)
    print(
        f"{args.pulls} pull requests at once, one worker, concurrency {args.concurrency}, "
        f"GitHub writes limited to {args.writes_per_minute}/min and {args.writes_per_hour}/h"
    )
    print(f"accepted (202)        {found['accepted']}")
    print(f"graded in             {found['graded_in']:.1f} s (the last check run completed)")
    if graded:
        print(
            f"wait (posted->graded) p50 {percentile(graded, 0.5):.1f} s  "
            f"p95 {percentile(graded, 0.95):.1f} s  max {max(graded):.1f} s"
        )
    print(f"drained in            {found['drained']:.1f} s (the last report posted)")
    print(f"submissions a minute  {found['per_minute']:.1f}")
    print(
        f"GitHub content writes {found['writes']} ({found['writes'] / args.pulls:.1f} a submission)"
    )
    if waits:
        print(
            f"wait (posted->report) p50 {percentile(waits, 0.5):.1f} s  "
            f"p95 {percentile(waits, 0.95):.1f} s  max {max(waits):.1f} s"
        )
    print(
        f"lost {found['lost']}  duplicated {found['duplicated']}  "
        f"API violations {found['violations']}"
    )


if __name__ == "__main__":
    main()
