"""What the Docker sandbox costs: the container's lifecycle, one step, and mypy with and without the
cache baked into the image.

- lifecycle: create, start, wait for the first exec, kill and remove a bare container of the
  sandbox image with the sandbox's settings (phases timed apart), and the sandbox's whole
  open/close (volume, container, layout, removal) around an empty submission;
- a step: `python -c pass` under the launcher as the student, with the probes around it;
- mypy --strict on a new file that imports a few stdlib modules, in a fresh workspace,
  with the baked cache copied in vs an empty cache folder (interleaved);
- the warm pool (`--part pool`): the sandbox's open until its first step has run (volume,
  container, start, layout, one exec) and its close, from a pool of pre-started containers
  vs started on the spot, interleaved; the pool refills between runs, as a worker's does
  between submissions (`back to back` takes without waiting, so the pool drains);
- a whole grade (`--part grade`): the week-1 reference graded in this process with and without
  the pool, interleaved, beside the same tools run directly (bench/grade_vs_tools.py's).

    .venv/bin/python bench/sandbox_costs.py [--runs 7] [--part lifecycle|pool|grade|all]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docker

from grader.checks.rubric import load_rubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.rubric.model import Limits
from grader.sandbox.docker import PYTHON, DockerSandbox, SandboxCaps, connect
from grader.sandbox.protocol import Command
from grader.settings import Settings

WEEK01 = Path(__file__).resolve().parent.parent / "rubrics" / "week01-generators"
CAPS = SandboxCaps(memory=2 * 1024**3, cpus=2, pids=512, timeout=600, run_timeout=900, disk=1024**3)
FIRST_STEP = Command(("python", "-c", "pass"), timeout=30)

NEW_FILE = "import json, pathlib, collections, itertools, dataclasses\n\n\ndef f(x: int) -> int:\n    return x + 1\n"
MYPY = ("python", "-m", "mypy", "--strict", "--no-error-summary", "--show-column-numbers", "--show-error-codes",
        "--no-pretty", "--explicit-package-bases", "--python-version", "3.11", "--output", "json")  # fmt: skip


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def filled(sandbox: DockerSandbox, limits: Limits) -> None:
    """Wait (untimed) until the sandbox's pool holds its full count for ``limits``."""
    pool, shape = sandbox.pool, sandbox.shape(limits)
    assert pool is not None
    sandbox.warm(limits)
    while pool.ready(shape) < Settings().pool_size:
        time.sleep(0.02)


def open_to_first_step(
    sandbox: DockerSandbox, submission: Path, limits: Limits
) -> tuple[float, float]:
    """Seconds from asking for a workspace until its first step has run, and to close it."""
    started = time.perf_counter()
    with sandbox.open(submission, limits) as workspace:
        workspace.run(FIRST_STEP)
        ready = time.perf_counter()
    return ready - started, time.perf_counter() - ready


def pool_costs(client: docker.DockerClient, image: str, runs: int) -> None:
    size = Settings().pool_size
    plain, pooled = DockerSandbox(client, image, CAPS), DockerSandbox(client, image, CAPS, size)
    limits = Limits()
    times: dict[str, list[float]] = {name: [] for name in ("open, started on the spot", "open, from the pool",
        "close, started on the spot", "close, from the pool", "open, from the pool, back to back")}  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as scratch:
            submission = Path(scratch)
            (submission / "main.py").write_text("print('hello')\n")
            open_to_first_step(plain, submission, limits)  # the image's layers in the page cache
            for _ in range(runs):
                for name, sandbox in (("started on the spot", plain), ("from the pool", pooled)):
                    if sandbox is pooled:
                        filled(pooled, limits)
                    opened, closed = open_to_first_step(sandbox, submission, limits)
                    times[f"open, {name}"].append(opened)
                    times[f"close, {name}"].append(closed)
            filled(pooled, limits)
            for _ in range(runs):
                times["open, from the pool, back to back"].append(
                    open_to_first_step(pooled, submission, limits)[0]
                )
    finally:
        pooled.close()
    print(f"pool: {runs} interleaved runs, pool size {size}, load {os.getloadavg()[0]:.2f}")
    for name, values in times.items():
        print(f"{name:<36} {median_ms(values)}")
    ratio = statistics.median(times["open, from the pool"]) / statistics.median(
        times["open, started on the spot"]
    )
    print(f"open until the first step: pool / on the spot = {ratio:.2f}")


def grade_costs(client: docker.DockerClient, image: str, runs: int) -> None:
    import grade_vs_tools  # bench/'s own, beside this script

    settings = Settings()
    loaded = load_rubric(WEEK01 / "rubric.yaml")
    caps = SandboxCaps(memory=int(settings.max_memory), cpus=settings.max_cpus, pids=settings.max_pids,
                       timeout=settings.max_timeout, run_timeout=settings.max_run_timeout, disk=int(settings.max_disk))  # fmt: skip
    plain, pooled = (
        DockerSandbox(client, image, caps),
        DockerSandbox(client, image, caps, settings.pool_size),
    )
    options = GradeOptions(workers=settings.workers)
    times: dict[str, list[float]] = {"docker, no pool": [], "docker, pool": [], "tools": []}
    scores: set[float] = set()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            shutil.copytree(WEEK01 / "reference", work / "sub")
            shutil.copytree(WEEK01 / "tests", work / "hidden")
            grade_vs_tools.run_tools(work, work / "mypy-cache")
            for _ in range(runs + 1):  # the first round warms up and is not counted
                filled(pooled, loaded.rubric.limits)
                for name, sandbox in (("docker, no pool", plain), ("docker, pool", pooled)):
                    started = time.perf_counter()
                    report = grade_submission(WEEK01 / "reference", loaded, sandbox, options)
                    times[name].append(time.perf_counter() - started)
                    scores.add(report.score)
                times["tools"].append(grade_vs_tools.run_tools(work, work / "mypy-cache"))
    finally:
        pooled.close()
    medians = {name: statistics.median(values[1:]) for name, values in times.items()}
    print(
        f"grade week-1 reference: {runs} interleaved runs, load {os.getloadavg()[0]:.2f}, scores {sorted(scores)}"
    )
    for name, median in medians.items():
        print(f"{name:<18} median {median:.2f} s  (min {min(times[name][1:]):.2f}, max {max(times[name][1:]):.2f})"
              f"  ratio to tools {median / medians['tools']:.2f}")  # fmt: skip
    print(f"pool / no pool: {medians['docker, pool'] / medians['docker, no pool']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--part", choices=("lifecycle", "pool", "grade", "all"), default="all")
    args = parser.parse_args()
    settings = Settings()
    client = connect()
    if args.part in ("pool", "all"):
        pool_costs(client, settings.sandbox_image, args.runs)
    if args.part in ("grade", "all"):
        grade_costs(client, settings.sandbox_image, args.runs)
    if args.part in ("lifecycle", "all"):
        lifecycle(client, settings.sandbox_image, args.runs)


def lifecycle(client: docker.DockerClient, image: str, runs: int) -> None:
    settings = Settings()
    sandbox = DockerSandbox(client, image, CAPS)
    limits = Limits()
    phases: dict[str, list[float]] = {"create": [], "start": [], "first exec": [], "remove": [], "sandbox open+close": [],
                                      "one student step": [], "mypy, baked cache": [], "mypy, empty cache": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        submission = Path(scratch) / "submission"
        submission.mkdir()
        (submission / "new.py").write_text(NEW_FILE)
        for _ in range(runs):
            started = time.perf_counter()
            container = client.containers.create(
                settings.sandbox_image, [PYTHON, "-I", "/opt/grader/init.py"], network_mode="none",
                read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"], user="1001:1001",
            )  # fmt: skip
            created = time.perf_counter()
            container.start()
            begun = time.perf_counter()
            container.exec_run(["true"])
            execed = time.perf_counter()
            container.remove(force=True)
            removed = time.perf_counter()
            for name, value in (("create", created - started), ("start", begun - created),
                                ("first exec", execed - begun), ("remove", removed - execed)):  # fmt: skip
                phases[name].append(value)

            def open_close() -> None:
                with sandbox.open(submission, limits):
                    pass

            phases["sandbox open+close"].append(timed(open_close))
            with sandbox.open(submission, limits) as workspace:
                step = Command(("python", "-c", "pass"), timeout=30, runs_student_code=True)
                phases["one student step"].append(timed(lambda step=step: workspace.run(step)))  # type: ignore[misc]
                baked = workspace.cache_dir("mypy-strict")
                empty = "/tmp/empty-mypy-cache"  # noqa: S108 - inside the container
                for label, cache in (("mypy, baked cache", baked), ("mypy, empty cache", empty)):
                    command = Command((*MYPY, "--cache-dir", str(cache), "new.py"), timeout=120)
                    phases[label].append(timed(lambda command=command: workspace.run(command)))  # type: ignore[misc]
    print(f"runs: {runs}, image {image}")
    for name, values in phases.items():
        print(f"{name:<22} {median_ms(values)}")
    baked_ms, empty_ms = (
        statistics.median(phases[k]) for k in ("mypy, baked cache", "mypy, empty cache")
    )
    print(f"mypy on a new file: baked cache / empty cache = {baked_ms / empty_ms:.2f}")


if __name__ == "__main__":
    main()
