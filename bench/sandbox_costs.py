"""What the Docker sandbox costs: the container's lifecycle, one step, and mypy with and without the
cache baked into the image.

- lifecycle: create, start, wait for the first exec, kill and remove a bare container of the
  sandbox image with the sandbox's settings (phases timed apart), and the sandbox's whole
  open/close (volume, container, layout, removal) around an empty submission;
- a step: `python -c pass` under the launcher as the student, with the probes around it;
- mypy --strict on a new file that imports a few stdlib modules, in a fresh workspace,
  with the baked cache copied in vs an empty cache folder (interleaved).

    .venv/bin/python bench/sandbox_costs.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from grader.rubric.model import Limits
from grader.sandbox.docker import PYTHON, DockerSandbox, SandboxCaps, connect
from grader.sandbox.protocol import Command
from grader.settings import Settings

NEW_FILE = "import json, pathlib, collections, itertools, dataclasses\n\n\ndef f(x: int) -> int:\n    return x + 1\n"
MYPY = ("python", "-m", "mypy", "--strict", "--no-error-summary", "--show-column-numbers", "--show-error-codes",
        "--no-pretty", "--explicit-package-bases", "--python-version", "3.11", "--output", "json")  # fmt: skip


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    client = connect()
    caps = SandboxCaps(
        memory=2 * 1024**3, cpus=2, pids=512, timeout=600, run_timeout=900, disk=1024**3
    )
    sandbox = DockerSandbox(client, settings.sandbox_image, caps)
    limits = Limits()
    phases: dict[str, list[float]] = {"create": [], "start": [], "first exec": [], "remove": [], "sandbox open+close": [],
                                      "one student step": [], "mypy, baked cache": [], "mypy, empty cache": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        submission = Path(scratch) / "submission"
        submission.mkdir()
        (submission / "new.py").write_text(NEW_FILE)
        for _ in range(args.runs):
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
    print(f"runs: {args.runs}, image {settings.sandbox_image}")
    for name, values in phases.items():
        print(f"{name:<22} {median_ms(values)}")
    baked_ms, empty_ms = (
        statistics.median(phases[k]) for k in ("mypy, baked cache", "mypy, empty cache")
    )
    print(f"mypy on a new file: baked cache / empty cache = {baked_ms / empty_ms:.2f}")


if __name__ == "__main__":
    main()
