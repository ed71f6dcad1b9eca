"""`grader batch` on a class of folders vs the same folders graded one `grader grade` at a time.

The class is made in a scratch folder from the week-1 reference and samples (good, partial,
sloppy), each copy with its own comment so no two folders are the same files. Both ways run
in this one process, as a user would type them (a subprocess each), after one warm-up
grading; the batch first, then the folders one by one. The table gives the wall time, the
time per folder and the submissions graded per minute; each criterion's score is compared
between the two ways (a benchmark or a test timeout can differ on a busy machine).

    .venv/bin/python bench/batch.py [--folders 60] [--sandbox docker] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEEK01 = ROOT / "rubrics" / "week01-generators"
BIN = Path(sys.executable).parent
KINDS = ("reference", "samples/good", "samples/partial", "samples/sloppy")


def make_class(root: Path, count: int) -> list[str]:
    """``count`` student folders, ``s001-reference``..., each with a comment of its own."""
    names = []
    for number in range(1, count + 1):
        kind = KINDS[(number - 1) % len(KINDS)]
        name = f"s{number:03d}-{kind.rsplit('/', 1)[-1]}"
        shutil.copytree(WEEK01 / kind, root / name)
        records = root / name / "records.py"
        records.write_text(
            records.read_text(encoding="utf-8") + f"\n# student {number}\n", encoding="utf-8"
        )
        names.append(name)
    return names


def run_batch(root: Path, out: Path, sandbox: str, jobs: int | None, env: dict[str, str]) -> float:
    argv = [str(BIN / "grader"), "batch", str(root), "-r", str(WEEK01), "-o", str(out)]
    argv += ["--sandbox", sandbox, *(["--jobs", str(jobs)] if jobs else [])]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grader batch failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def grade_one(folder: Path, sandbox: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Seconds taken and the score of each criterion."""
    argv = [str(BIN / "grader"), "grade", str(folder), "-r", str(WEEK01), "-f", "json"]
    started = time.perf_counter()
    done = subprocess.run(
        [*argv, "--sandbox", sandbox], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grader grade {folder.name} failed: {done.stderr[-2000:]}")
    return elapsed, scores(json.loads(done.stdout))


def scores(report: dict[str, Any]) -> dict[str, float]:
    return {criterion["id"]: float(criterion["score"]) for criterion in report["criteria"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=60)
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--jobs", type=int, default=None, help="grader batch --jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "GRADER_CACHE_DIR": str(work / "cache")}
        names = make_class(work / "class", args.folders)
        grade_one(work / "class" / names[0], args.sandbox, env)  # warm-up: caches, image pages
        batch_time = run_batch(work / "class", work / "out", args.sandbox, args.jobs, env)
        batch_scores = {
            name: scores(json.loads((work / "out" / f"{name}.json").read_text())) for name in names
        }
        one_scores: dict[str, dict[str, float]] = {}
        one_time = 0.0
        for name in names:
            elapsed, one_scores[name] = grade_one(work / "class" / name, args.sandbox, env)
            one_time += elapsed
    differ = [
        f"{name}:{criterion}"
        for name in names
        for criterion, score in batch_scores[name].items()
        if abs(score - one_scores[name][criterion]) > 0.01
    ]
    print(
        f"folders: {args.folders}, sandbox: {args.sandbox}, cores: {os.cpu_count()}, "
        f"batch jobs: {args.jobs or os.cpu_count()}"
    )
    print(f"{'way':<32} {'wall s':>8} {'s/folder':>9} {'per min':>8} {'speed-up':>9}")
    for label, seconds in (
        ("grader grade, one at a time", one_time),
        ("grader batch", batch_time),
    ):
        print(
            f"{label:<32} {seconds:>8.1f} {seconds / args.folders:>9.2f} "
            f"{60 * args.folders / seconds:>8.1f} {one_time / seconds:>8.2f}x"
        )
    print(f"criterion scores that differ between the two ways: {len(differ)} {' '.join(differ)}")


if __name__ == "__main__":
    main()
