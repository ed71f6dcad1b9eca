"""Runs one grading step inside the sandbox and reports, in one JSON line, how it ended.

The host starts it with ``docker exec``, the step as base64 JSON in ``argv[1]``:
``argv``, ``cwd``, ``env``, ``timeout``, ``rlimits`` and ``output_limit``. It

- runs the command in a session of its own with the rlimits applied,
- keeps the first ``output_limit`` bytes of stdout and of stderr and drains
  (and counts) the rest, so a flood cannot fill memory or the disk,
- kills the whole session at the timeout and again when the command ends,
- reads the cgroup's OOM-kill and refused-fork counters before and after,
  so the step's verdict can say ``memory limit`` or ``process limit``,
- prints one JSON object: the only thing ever written to the exec's stdout.

It makes itself non-dumpable first: the step runs as the same user, without
capabilities, so it can neither open this process's ``/proc`` file
descriptors nor attach to it, and cannot forge that line. Stdlib only: it
runs on the image's interpreter.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PR_SET_DUMPABLE = 4
READ_SIZE = 65536
DRAIN_AFTER_EXIT = 0.2
"""Seconds to keep reading after the command exits, for output its children still hold."""


def _counter(paths: tuple[str, ...], key: str) -> int:
    """A ``key value`` line from the first cgroup file that exists (v1 and v2 differ)."""
    for path in paths:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


def cgroup_counters() -> tuple[int, int]:
    """The container's OOM kills so far, and how often its pids limit refused a fork."""
    return (
        _counter(
            ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"),
            "oom_kill",
        ),
        _counter(("/sys/fs/cgroup/pids.events", "/sys/fs/cgroup/pids/pids.events"), "max"),
    )


def _not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _limits(rlimits: dict[str, int]) -> None:
    for name, value in rlimits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def _kill_session(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _Capture:
    """The head of one output stream and the size of all of it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        self.total += len(chunk)


def _read_ready(
    selector: selectors.BaseSelector, captures: dict[int, _Capture], timeout: float
) -> None:
    """Read what is ready on the step's pipes; a pipe at its end leaves the selector."""
    for key, _events in selector.select(timeout=timeout):
        fd = int(key.fd)
        chunk = os.read(fd, READ_SIZE)
        if chunk:
            captures[fd].add(chunk)
        else:
            selector.unregister(fd)


def _drain(
    process: subprocess.Popen[bytes], captures: dict[int, _Capture], deadline: float
) -> bool:
    """Read the step's output until it ends; True when the deadline came first.

    The step has ended once it has exited and its pipes are closed, or
    ``DRAIN_AFTER_EXIT`` after it exited while a child it left still holds them.
    """
    selector = selectors.DefaultSelector()
    for fd in captures:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    exited_at: float | None = None
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and (
                not selector.get_map() or now - exited_at > DRAIN_AFTER_EXIT
            ):
                return False
            if now >= deadline:
                return True
            if selector.get_map():
                _read_ready(selector, captures, min(0.05, deadline - now))
            else:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=deadline - now)
    finally:
        selector.close()


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the step described by ``spec`` and describe how it ended."""
    started = time.monotonic()
    oom_before, refused_before = cgroup_counters()
    # The argv is the grader's, from the host; running it is this script's job.
    process = subprocess.Popen(  # nosec B603
        spec["argv"],
        cwd=spec["cwd"],
        env=spec["env"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: _limits(spec["rlimits"]),  # safe: this process has no other threads
    )
    if process.stdout is None or process.stderr is None:  # pragma: no cover - PIPE was asked for
        raise OSError("the step's output pipes are missing")
    out, err = _Capture(spec["output_limit"]), _Capture(spec["output_limit"])
    captures = {process.stdout.fileno(): out, process.stderr.fileno(): err}
    timed_out = _drain(process, captures, started + spec["timeout"])
    _kill_session(process.pid)
    code = process.wait()
    oom_after, refused_after = cgroup_counters()
    return {
        "exit_code": None if code < 0 or timed_out else code,
        "signal": -code if code < 0 and not timed_out else None,
        "timed_out": timed_out,
        "duration": time.monotonic() - started,
        "oom_killed": oom_after > oom_before,
        "pids_limited": refused_after > refused_before,
        "stdout": base64.b64encode(out.head).decode("ascii"),
        "stderr": base64.b64encode(err.head).decode("ascii"),
        "stdout_bytes": out.total,
        "stderr_bytes": err.total,
    }


def main() -> None:
    """Read the step, run it, print the verdict."""
    spec = json.loads(base64.b64decode(sys.argv[1]))
    _not_dumpable()
    try:
        report = run(spec)
    except OSError as exc:
        report = {"error": f"cannot start {spec['argv'][0]}: {exc}"}
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
