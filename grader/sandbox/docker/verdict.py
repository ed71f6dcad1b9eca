"""A step's result from what the container reported: the launcher's trailer, the free
space the probe read after the step, and the run's deadline.

Each step runs under ``launch.py``, the only writer of the exec's stdout: it ends with one
JSON line (the trailer) holding the exit, the verdict counters and both capped streams. No
trailer means the step killed its supervisor. A step that left a writable folder (nearly)
full is ``disk full``; a step cut short by the run's deadline says so.
"""

from __future__ import annotations

import base64
import dataclasses
import json

from grader.errors import SandboxError
from grader.sandbox.protocol import OUTPUT_LIMIT, Command, RunOutput

TRAILER_LIMIT = 4 * OUTPUT_LIMIT
"""Bytes read from a launcher: its JSON line holds both capped streams in base64."""
NO_SPACE = "No space left on device"
LOW_SPACE = 64 * 1024
"""Free bytes under which a writable folder counts as full."""


def parse_trailer(out: bytes, duration: float) -> RunOutput:
    """The launcher's JSON line; without one, the step killed its supervisor."""
    try:
        report = json.loads(out.decode("utf-8", errors="replace").strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return RunOutput(
            exit_code=None,
            stdout="",
            stderr="the step's supervisor was killed before it could report",
            duration=duration,
            supervisor_lost=True,
        )
    if "error" in report:
        raise SandboxError(str(report["error"]))
    stdout = base64.b64decode(report["stdout"])
    stderr = base64.b64decode(report["stderr"])
    return RunOutput(
        exit_code=report["exit_code"],
        stdout=stdout.decode("utf-8", errors="replace"),
        stderr=stderr.decode("utf-8", errors="replace"),
        duration=float(report["duration"]),
        timed_out=bool(report["timed_out"]),
        signal=report["signal"],
        output_truncated=report["stdout_bytes"] > len(stdout)
        or report["stderr_bytes"] > len(stderr),
        oom_killed=bool(report["oom_killed"]),
        pids_limited=bool(report["pids_limited"]),
    )


def with_free_space(run: RunOutput, free: dict[str, int]) -> RunOutput:
    """``disk full`` when the step left a writable folder (nearly) full or said it was."""
    full = (
        any(int(space) < LOW_SPACE for space in free.values())
        or NO_SPACE in run.stderr
        or NO_SPACE in run.stdout
    )
    return dataclasses.replace(run, disk_full=full)


def deadline_message(run_timeout: int) -> str:
    return f"the whole run passed its deadline of {run_timeout} s and the sandbox was stopped"


def out_of_time(command: Command, run_timeout: int) -> RunOutput:
    return RunOutput(
        exit_code=None,
        stdout="",
        stderr=deadline_message(run_timeout),
        duration=command.timeout,
        timed_out=True,
        deadline_passed=True,
    )
