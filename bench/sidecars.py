"""Sidecar services: each one's start until it answers its readiness probe, and what it adds to
a graded submission.

- start to ready: a bare sandbox container is started, then the service beside it is started
  and polled until ready (``Sidecars.start``), N times per service; the median and the range;
- a graded submission: the week-1 reference graded in the Docker sandbox with its rubric as it
  is and with the service added to it (nothing uses it: the cost is the service's own),
  interleaved, N times each; the medians and the difference.

    .venv/bin/python bench/sidecars.py [--runs 5] [--services postgres redis rabbitmq s3]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from grader.checks.rubric import load_rubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.rubric.services import CATALOGUE, Service
from grader.sandbox.docker import from_settings, lockdown
from grader.sandbox.docker.sidecars import Sidecars
from grader.settings import Settings

WEEK01 = Path(__file__).resolve().parent.parent / "rubrics" / "week01-generators"


def start_to_ready(kind: str, runs: int) -> list[float]:
    sandbox = from_settings(Settings())
    limits = load_rubric(WEEK01 / "rubric.yaml").rubric.limits
    shape = sandbox.shape(limits)
    client = sandbox._client
    times = []
    for _ in range(runs):
        started = lockdown.start(client, shape, time.time() + 600)
        try:
            began = time.perf_counter()
            sidecars = Sidecars.start(
                client, started.container, (Service(kind=kind),), time.time() + 600
            )  # type: ignore[arg-type]
            times.append(time.perf_counter() - began)
            sidecars.remove()
        finally:
            started.discard()
    return times


def graded(kind: str, runs: int) -> tuple[list[float], list[float]]:
    sandbox = from_settings(Settings())
    loaded = load_rubric(WEEK01 / "rubric.yaml")
    rubric = loaded.rubric.model_copy(update={"services": (Service(kind=kind),)})  # type: ignore[arg-type]
    with_service = dataclasses.replace(loaded, rubric=rubric)
    plain: list[float] = []
    served: list[float] = []
    grade_submission(WEEK01 / "reference", loaded, sandbox, GradeOptions())  # warm
    for _ in range(runs):
        for which, out in ((loaded, plain), (with_service, served)):
            began = time.perf_counter()
            grade_submission(WEEK01 / "reference", which, sandbox, GradeOptions())
            out.append(time.perf_counter() - began)
    return plain, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--services", nargs="*", default=list(CATALOGUE))
    args = parser.parse_args()
    print(f"start to ready, {args.runs} runs each")
    for kind in args.services:
        times = start_to_ready(kind, args.runs)
        print(
            f"  {kind:<9} median {statistics.median(times):6.2f} s  "
            f"(min {min(times):.2f}, max {max(times):.2f})"
        )
    print(f"week-1 reference graded without and with the service, {args.runs} interleaved runs")
    for kind in args.services:
        plain, served = graded(kind, args.runs)
        a, b = statistics.median(plain), statistics.median(served)
        print(
            f"  {kind:<9} without {a:6.2f} s  with {b:6.2f} s  extra {b - a:+.2f} s (x{b / a:.2f})"
        )


if __name__ == "__main__":
    main()
