"""How long the `benchmark` criterion takes, and whether the adaptive rounds give the verdicts of
the full measurement: every band folder (reference, starter, samples) of the rubrics given.

For each folder the benchmark criterion alone is run (a fresh sandbox per run, its creation
not timed) and timed from the runner's start to the score: once adaptive (the default, rounds
end when the verdict is settled) and once full (every one of `repeat` rounds), interleaved,
`--runs` times. It prints per folder and mode the median seconds, the points seen, the verdict
(or failure kind) and the rounds, then whether the two modes ever disagreed.

    .venv/bin/python bench/benchmark_speed.py rubrics/week01-generators rubrics/week04-pandas \
        rubrics/week08-large-files rubrics/week10-performance [--runs 3] [--load] [--modes adaptive]

`--load` runs a competing CPU-bound process (`python -c "while True: pass"`) throughout. With
PYTHONPATH pointing at an older checkout (a `git worktree`), its grader is measured: a
grader without the adaptive rounds runs in one mode, `before`.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.checks import benchmark
from grader.checks.base import CheckContext
from grader.checks.rubric import LoadedRubric, load_rubric
from grader.report.model import CriterionResult
from grader.rubric.bands import load_bands, rubric_file
from grader.sandbox.docker import from_settings
from grader.sandbox.protocol import Sandbox
from grader.settings import Settings
from grader.submission import inspect as inspect_submission
from grader.submission import locate

ADAPTIVE = "adaptive" in inspect.signature(benchmark.run_benchmark).parameters


@contextlib.contextmanager
def competing_load(on: bool) -> Iterator[None]:
    """A CPU-bound process beside the measurements, when ``on``; ended by its own id."""
    if not on:
        yield
        return
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        process.kill()
        process.wait()


Measured = tuple[float, CriterionResult, dict[str, Any]]


def timed_criterion(folder: Path, loaded: LoadedRubric, sandbox: Sandbox, mode: str) -> Measured:
    """Seconds the benchmark criterion took on ``folder``, its result and the runner's report."""
    rubric = loaded.rubric
    criterion = next(c for c in rubric.criteria if isinstance(c, benchmark.BenchmarkCriterion))
    submission = inspect_submission(locate(folder, rubric.submission), rubric.submission)
    with sandbox.open(submission.root, rubric.limits) as workspace:
        for file in loaded.registry.workspace_files:
            file.put(workspace)
        ctx = CheckContext(
            workspace=workspace,
            loaded=loaded,
            submission=submission,
            now=datetime.now(UTC),
            show_hidden=False,
        )
        started = time.perf_counter()
        if ADAPTIVE:
            result = benchmark.run_benchmark(criterion, ctx, adaptive=mode == "adaptive")
        else:
            result = benchmark.run_benchmark(criterion, ctx)
        seconds = time.perf_counter() - started
        raw = workspace.read_bytes(f"out/bench-{criterion.id}.json", 2**22)
    report = json.loads(raw) if raw else {}
    report["criterion"] = criterion.model_dump(
        include={"sizes", "repeat", "max_ratio", "max_memory", "growth"}
    )
    return seconds, result, report


def outcome(result: CriterionResult) -> str:
    """Points, verdict and rounds, as one short cell."""
    rounds = result.metrics.get("rounds")
    return f"{result.score:g}/{result.verdict}" + (f"/r{rounds:g}" if rounds else "")


def collect(
    folders: list[Path], runs: int, modes: list[str]
) -> dict[tuple[str, str], list[Measured]]:
    """Every band folder's measurements per mode, the folders and modes interleaved."""
    sandbox = from_settings(Settings())
    rows: dict[tuple[str, str], list[Measured]] = {}
    for _ in range(runs):
        for folder in folders:
            loaded = load_rubric(rubric_file(folder))
            for name, mode in itertools.product(load_bands(folder), modes):
                measured = timed_criterion(folder / name, loaded, sandbox, mode)
                rows.setdefault((f"{folder.name}/{name}", mode), []).append(measured)
    return rows


def recorded(rows: dict[tuple[str, str], list[Measured]]) -> dict[str, Any]:
    """The full measurements' calls and peaks, per folder (for the adaptive scheme's tests)."""
    return {
        f"{label} #{number}": {
            "criterion": report["criterion"],
            "calls": report["calls"],
            "reference_peak": report.get("reference_peak", 0),
            "student_peak": report.get("student_peak", 0),
        }
        for (label, mode), runs in rows.items()
        if mode == "full"
        for number, (_, _, report) in enumerate(runs)
        if report.get("calls") and not report.get("failure")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="a competing CPU-bound process")
    parser.add_argument("--modes", nargs="*", default=["adaptive", "full"])
    parser.add_argument("--record", type=Path, help="write the full runs' calls (JSON) here")
    args = parser.parse_args()
    with competing_load(args.load):
        rows = collect(args.folders, args.runs, args.modes if ADAPTIVE else ["before"])
    print(f"runs: {args.runs}, load: {args.load}, cores: {os.cpu_count()}, {os.getloadavg()}")
    if args.record:
        args.record.write_text(json.dumps(recorded(rows), indent=1), encoding="utf-8")
    differ = print_table(rows)
    print(f"\nfolders with more than one score (modes and runs together): {differ or 'none'}")
    return 1 if differ else 0


def print_table(rows: dict[tuple[str, str], list[Measured]]) -> list[str]:
    """A line per folder and mode; the folders that got more than one score."""
    print(f"{'folder':<36} {'mode':<9} {'median s':>9} {'max s':>7} {'runner s':>9}  outcomes")
    verdicts: dict[str, set[float]] = {}
    for (label, mode), runs in rows.items():
        times = [seconds for seconds, _, _ in runs]
        inside = statistics.median(report.get("seconds", 0.0) for _, _, report in runs)
        cells = sorted({outcome(result) for _, result, _ in runs})
        verdicts.setdefault(label, set()).update(result.score for _, result, _ in runs)
        print(
            f"{label:<36} {mode:<9} {statistics.median(times):>9.2f} {max(times):>7.2f} "
            f"{inside:>9.2f}  " + ", ".join(cells)
        )
    return [label for label, scores in verdicts.items() if len(scores) > 1]


if __name__ == "__main__":
    sys.exit(main())
