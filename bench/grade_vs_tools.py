"""Wall time of `grader grade` on the week-1 reference, in the Docker sandbox and in the
local one, vs the same tools run directly.

All three run in one process, interleaved (docker, local, tools, docker, ...), each with
a warm mypy cache (the Docker sandbox's is baked into its image); the figures are
medians and their ratios to the bare tools.

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
        [
            py,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(work / "hidden"),
            f"--junitxml={work}/junit.xml",
            str(work / "hidden"),
        ],
        [
            py,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
            "--select",
            "E,F,B,UP,SIM,C4,I",
            *files,
        ],
        [py, "-m", "mypy", "--strict", "--output", "json", "--cache-dir", str(cache), *files],
        [py, "-m", "bandit", "-f", "json", "-q", "records.py"],
        [py, "-m", "radon", "cc", "-j", "-s", "records.py"],
        [py, "-m", "radon", "mi", "-j", "-s", "records.py"],
        [
            py,
            "-m",
            "coverage",
            "run",
            "--source=.",
            "--omit=tests/*",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests",
        ],
        [py, "-m", "coverage", "json", "-o", str(work / "coverage.json")],
    ]


def run_tools(work: Path, cache: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(work / "sub"), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    for command in tool_commands(work, cache):
        subprocess.run(command, cwd=work / "sub", env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def run_grader(cache: Path, sandbox: str) -> float:
    env = {**os.environ, "GRADER_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(BIN / "grader"),
            "grade",
            str(WEEK01 / "reference"),
            "-r",
            str(WEEK01),
            "-f",
            "json",
            "--sandbox",
            sandbox,
        ],
        env=env,
        capture_output=True,
        check=False,
    )
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
        run_grader(
            grader_cache, "local"
        )  # warm the mypy caches, as a second submission would find them
        run_grader(grader_cache, "docker")
        run_tools(work, tools_cache)
        times: dict[str, list[float]] = {"docker": [], "local": [], "tools": []}
        for _ in range(args.runs):
            times["docker"].append(run_grader(grader_cache, "docker"))
            times["local"].append(run_grader(grader_cache, "local"))
            times["tools"].append(run_tools(work, tools_cache))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"runs: {args.runs}, cores: {os.cpu_count()}")
    for name, label in (
        ("docker", "grader grade --sandbox docker"),
        ("local", "grader grade --sandbox local"),
        ("tools", "the 8 tool commands in sequence"),
    ):
        values = times[name]
        print(
            f"{label:<34} median {medians[name]:.2f} s  (min {min(values):.2f}, max {max(values):.2f})  ratio to tools {medians[name] / medians['tools']:.2f}"
        )
    print(f"docker / local: {medians['docker'] / medians['local']:.2f}")


if __name__ == "__main__":
    main()
