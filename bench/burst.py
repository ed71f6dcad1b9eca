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
    while len(done) < pulls and time.perf_counter() - start < timeout:
        for number in range(1, pulls + 1):
            if number not in done and reports(svc, number):
                done[number] = time.perf_counter()
        time.sleep(0.2)
    drained = max(done.values(), default=start) - start
    waits = [done[n] - posted[n] for n in done]
    runs = svc.gh.check_runs(REPO)
    duplicated = [
        n
        for n in range(1, pulls + 1)
        if reports(svc, n) > 1 or len([r for r in runs if r["head_sha"] == shas[n]]) > 1
    ]
    return {
        "accepted": sum(code == 202 for code in answers.values()),
        "drained": drained,
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
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as home,
        running_service(Path(home), concurrency=args.concurrency) as svc,
    ):
        found = burst(svc, args.pulls, args.timeout)
    waits = found["waits"]
    assert isinstance(waits, list)
    print(f"{args.pulls} pull requests at once, one worker, concurrency {args.concurrency}")
    print(f"accepted (202)        {found['accepted']}")
    print(f"drained in            {found['drained']:.1f} s")
    print(f"submissions a minute  {found['per_minute']:.1f}")
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
