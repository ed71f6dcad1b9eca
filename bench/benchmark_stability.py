"""How stable the `benchmark` kind's verdict is: the same submissions graded N times.

For every rubric folder given that has a `benchmark` criterion, every folder of its
bands.yaml (reference, starter, samples) is graded N times in the Docker sandbox with
only the benchmark criteria (the other criteria do not change what is timed; they run
before the benchmarks anyway). It prints, per folder: the distinct points seen (one
value = stable), and the spread of the measured ratio, growth exponent and peak memory.

    .venv/bin/python bench/benchmark_stability.py rubrics/week04-pandas rubrics/week10-performance \
        [--runs 10] [--only reference samples/loops]

Exit status 1 when some folder got different points on different runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

from grader.checks.benchmark import BenchmarkCriterion
from grader.checks.rubric import LoadedRubric, load_rubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.rubric.bands import load_bands, rubric_file
from grader.sandbox.docker import from_settings
from grader.settings import Settings


def only_benchmarks(loaded: LoadedRubric) -> LoadedRubric | None:
    """The rubric cut down to its benchmark criteria, or None when it has none."""
    timed = tuple(c for c in loaded.rubric.criteria if isinstance(c, BenchmarkCriterion))
    if not timed:
        return None
    return dataclasses.replace(loaded, rubric=loaded.rubric.model_copy(update={"criteria": timed}))


def spread(values: list[float], fmt: str) -> str:
    if not values:
        return "-"
    return f"{format(min(values), fmt)}..{format(max(values), fmt)} (median {format(statistics.median(values), fmt)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="band folders to grade (e.g. reference samples/slow)",
    )
    args = parser.parse_args()
    sandbox = from_settings(Settings())
    unstable = 0
    total_gradings = 0
    started = time.monotonic()
    print(f"{'folder':<46} {'points seen':<16} {'ratio':<28} {'growth exponent':<28} peak MiB")
    for folder in args.folders:
        loaded = only_benchmarks(load_rubric(rubric_file(folder)))
        if loaded is None:
            continue
        for name in load_bands(folder):
            if args.only is not None and name not in args.only:
                continue
            points: list[float] = []
            ratios: list[float] = []
            exponents: list[float] = []
            peaks: list[float] = []
            for _ in range(args.runs):
                report = grade_submission(folder / name, loaded, sandbox, GradeOptions())
                total_gradings += 1
                points.append(report.score)
                for criterion in report.criteria:
                    metrics = criterion.metrics
                    if "ratio" in metrics:
                        ratios.append(metrics["ratio"])
                    if "growth_exponent" in metrics:
                        exponents.append(metrics["growth_exponent"])
                    if "peak_memory_bytes" in metrics:
                        peaks.append(metrics["peak_memory_bytes"] / 2**20)
            seen = sorted(set(points))
            unstable += len(seen) > 1
            label = f"{folder.name}/{name}"
            print(
                f"{label:<46} {', '.join(f'{p:g}' for p in seen):<16} {spread(ratios, '.2f'):<28} "
                f"{spread(exponents, '.2f'):<28} {spread(peaks, '.2f')}",
                flush=True,
            )
    print(
        f"\n{total_gradings} gradings in {time.monotonic() - started:.0f} s; "
        f"folders with more than one score: {unstable}"
    )
    return 1 if unstable else 0


if __name__ == "__main__":
    sys.exit(main())
