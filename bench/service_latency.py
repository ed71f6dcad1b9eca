"""Webhook-to-review latency of the whole service on an idle host, for the week-1 samples.

Starts what the end-to-end tests start (the API under uvicorn, one Celery worker
process, a private redis-server, a fresh PostgreSQL database, the fake GitHub,
the Docker sandbox), then posts a signed ``pull_request`` delivery for each
week-1 folder (reference, starter and the three samples), one at a time, each
as a new commit, and times:

* accepted: the POST's answer (202),
* queued: until the check run exists on GitHub,
* review: until the review is on the pull request.

Each pull request adds the folder to a repository that holds only a README,
so every file is on the diff.

As a baseline measured in the same run, the same folders are graded directly
in the Docker sandbox (``grade_submission``, what ``grader grade`` does): the
service's overhead is review latency minus, and over, that.

    .venv/bin/python bench/service_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_service_e2e import REPO, WEEK01, open_pull, running_service  # noqa: E402

from grader.checks.rubric import load_rubric  # noqa: E402
from grader.pipeline.grade import grade_submission  # noqa: E402
from grader.sandbox.docker import from_settings  # noqa: E402
from grader.settings import Settings  # noqa: E402

FOLDERS = ["reference", "starter", "samples/good", "samples/partial", "samples/sloppy"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    accepted: list[float] = []
    queued: list[float] = []
    reviewed: list[float] = []
    direct: list[float] = []
    loaded = load_rubric(WEEK01 / "rubric.yaml")
    sandbox = from_settings(Settings())
    with tempfile.TemporaryDirectory() as home, running_service(Path(home)) as svc:
        number = 0
        for round_ in range(args.rounds):
            for folder in FOLDERS:
                number += 1
                payload, sha = open_pull(svc, number, WEEK01 / folder, base=None)
                start = time.perf_counter()
                answer = svc.post("pull_request", payload)
                accepted.append(time.perf_counter() - start)
                assert answer.status_code == 202, answer.text
                while not [r for r in svc.gh.check_runs(REPO) if r["head_sha"] == sha]:
                    time.sleep(0.005)
                queued.append(time.perf_counter() - start)
                while not svc.gh.reviews(REPO, number):
                    time.sleep(0.01)
                reviewed.append(time.perf_counter() - start)
                began = time.perf_counter()
                grade_submission(WEEK01 / folder, loaded, sandbox)
                direct.append(time.perf_counter() - began)
                print(
                    f"round {round_ + 1} {folder:16} accepted {accepted[-1] * 1000:6.1f} ms  "
                    f"queued {queued[-1] * 1000:6.1f} ms  review {reviewed[-1]:5.2f} s  "
                    f"direct grade {direct[-1]:5.2f} s",
                    flush=True,
                )
        assert svc.gh.violations == [], svc.gh.violations
    print()
    print(f"{len(reviewed)} deliveries, one worker, idle host")
    for name, values, unit in [
        ("202 answer", accepted, "ms"),
        ("check run queued", queued, "ms"),
        ("review posted", reviewed, "s"),
        ("direct grade (baseline)", direct, "s"),
    ]:
        scale = 1000 if unit == "ms" else 1
        print(
            f"{name:24} p50 {percentile(values, 0.5) * scale:8.2f} {unit}   "
            f"p95 {percentile(values, 0.95) * scale:8.2f} {unit}"
        )
    overhead = statistics.median(r - d for r, d in zip(reviewed, direct, strict=True))
    ratio = statistics.median(r / d for r, d in zip(reviewed, direct, strict=True))
    print(f"service overhead: median {overhead:.2f} s over the direct grade (x{ratio:.2f})")


if __name__ == "__main__":
    main()
