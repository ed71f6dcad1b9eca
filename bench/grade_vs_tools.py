"""Wall time of `grader grade` on the week-1 reference vs the same tools run directly.

Both sides run in the same process, interleaved (grader, tools, grader, tools, ...),
each with a warm mypy cache; the figure is the ratio of medians.

    .venv/bin/python bench/grade_vs_tools.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEEK01 = ROOT / "rubrics" / "week01-generators"
BIN = Path(sys.executable).parent


def tool_commands(work: Path, cache: Path) -> list[list[str]]:
    """One command per tool, as an instructor would type them, on a copy of the reference."""
    py = sys.executable
    files = ["records.py", "tests/test_records.py"]
    return [
        [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(work / "hidden"), f"--junitxml={work}/junit.xml", str(work / "hidden")],
        [py, "-m", "ruff", "check", "--isolated", "--no-cache", "--output-format", "json", "--select", "E,F,B,UP,SIM,C4,I", *files],
        [py, "-m", "mypy", "--strict", "--output", "json", "--cache-dir", str(cache), *files],
        [py, "-m", "bandit", "-f", "json", "-q", "records.py"],
        [py, "-m", "radon", "cc", "-j", "-s", "records.py"],
        [py, "-m", "radon", "mi", "-j", "-s", "records.py"],
        [py, "-m", "coverage", "run", "--source=.", "--omit=tests/*", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        [py, "-m", "coverage", "json", "-o", str(work / "coverage.json")],
    ]


def run_tools(work: Path, cache: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(work / "sub"), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    for command in tool_commands(work, cache):
        subprocess.run(command, cwd=work / "sub", env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def run_grader(cache: Path) -> float:
    env = {**os.environ, "GRADER_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "grader"), "grade", str(WEEK01 / "reference"), "-r", str(WEEK01), "-f", "json"], env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grader failed: {done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(WEEK01 / "reference", work / "sub")
        shutil.copytree(WEEK01 / "tests", work / "hidden")
        grader_cache, tools_cache = work / "grader-cache", work / "mypy-cache"
        run_grader(grader_cache)  # warm both mypy caches, as a second submission would find them
        run_tools(work, tools_cache)
        grader_times, tool_times = [], []
        for _ in range(args.runs):
            grader_times.append(run_grader(grader_cache))
            tool_times.append(run_tools(work, tools_cache))
    g, t = statistics.median(grader_times), statistics.median(tool_times)
    print(f"runs: {args.runs}, cores: {os.cpu_count()}")
    print(f"grader grade (week-1 reference), median: {g:.2f} s  (min {min(grader_times):.2f}, max {max(grader_times):.2f})")
    print(f"the 8 tool commands in sequence, median: {t:.2f} s  (min {min(tool_times):.2f}, max {max(tool_times):.2f})")
    print(f"ratio grader / tools: {g / t:.2f}")


if __name__ == "__main__":
    main()
