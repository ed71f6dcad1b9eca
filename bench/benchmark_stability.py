"""How stable the `benchmark` kind's verdict is: the same submissions graded N times.

For every rubric folder given that has a `benchmark` criterion, every folder of its
bands.yaml (reference, starter, samples) is graded N times in the Docker sandbox with
only the benchmark criteria (the other criteria do not change what is timed; they run
before the benchmarks anyway). It prints, per folder: the distinct points seen (one
value = stable), and the spread of the measured ratio, growth exponent and peak memory.

    .venv/bin/python bench/benchmark_stability.py rubrics/week04-pandas rubrics/week10-performance \
        [--runs 10] [--only reference samples/loops] [--load]

`--load` runs a competing CPU-bound process (`python -c "while True: pass"`) throughout.

Exit status 1 when some folder got different points on different runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

from benchmark_speed import competing_load

from grader.checks.benchmark import BenchmarkCriterion
from grader.checks.rubric import LoadedRubric, load_rubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.rubric.bands import load_bands, rubric_file
from grader.sandbox.docker import from_settings
from grader.sandbox.protocol import Sandbox
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
    parser.add_argument("--load", action="store_true", help="a competing CPU-bound process")
    args = parser.parse_args()
    with competing_load(args.load):
        return measure(args.folders, args.runs, args.only)


def grade_times(folder: Path, loaded: LoadedRubric, sandbox: Sandbox, runs: int) -> tuple[int, str]:
    """Grade one band folder ``runs`` times: how many distinct scores, and a line with them and
    the metrics' spread."""
    points: list[float] = []
    seen: dict[str, list[float]] = {"ratio": [], "growth_exponent": [], "peak_memory_bytes": []}
    for _ in range(runs):
        report = grade_submission(folder, loaded, sandbox, GradeOptions())
        points.append(report.score)
        for criterion in report.criteria:
            for name, values in seen.items():
                if name in criterion.metrics:
                    values.append(criterion.metrics[name])
    distinct = sorted(set(points))
    peaks = [value / 2**20 for value in seen["peak_memory_bytes"]]
    return len(distinct), (
        f"{', '.join(f'{p:g}' for p in distinct):<16} {spread(seen['ratio'], '.2f'):<28} "
        f"{spread(seen['growth_exponent'], '.2f'):<28} {spread(peaks, '.2f')}"
    )


def measure(folders: list[Path], runs: int, only: list[str] | None) -> int:
    """Grade every band folder ``runs`` times; print the spread; 1 when some score varied."""
    sandbox = from_settings(Settings())
    unstable = gradings = 0
    started = time.monotonic()
    print(f"{'folder':<46} {'points seen':<16} {'ratio':<28} {'growth exponent':<28} peak MiB")
    for folder in folders:
        loaded = only_benchmarks(load_rubric(rubric_file(folder)))
        names = [n for n in load_bands(folder) if only is None or n in only] if loaded else []
        for name in names:
            assert loaded is not None  # names is empty without it
            scores, line = grade_times(folder / name, loaded, sandbox, runs)
            gradings += runs
            unstable += scores > 1
            print(f"{folder.name + '/' + name:<46} {line}", flush=True)
    print(
        f"\n{gradings} gradings in {time.monotonic() - started:.0f} s; "
        f"folders with more than one score: {unstable}"
    )
    return 1 if unstable else 0


if __name__ == "__main__":
    sys.exit(main())
