"""The sandbox protocol: where the student's code and the grading tools run.

A ``Sandbox`` opens a ``Workspace`` for one submission. The workspace has a
fixed layout that every implementation shares, so checks can build their
command lines once::

    submission/   the student's files (the working directory of most steps)
    grader/       files the grader adds: tool configuration, hidden tests
    out/          machine-readable outputs that the checks read back

Commands start with ``python``; the workspace runs them with its own
interpreter. Paths in commands are relative to the command's ``cwd``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from grader.rubric.model import Limits
from grader.rubric.services import Service, Variant

StepDir = Literal["submission", "grader", "out"]
Verdict = str
"""passed, failed, timeout, memory limit, process limit, disk full, output truncated, crashed (signal N)."""

NOT_COPIED = (
    ".git",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".venv",
    ".coverage",
)
"""Names in a submission that never enter a workspace: caches, virtualenvs, history."""

OUTPUT_LIMIT = 1024 * 1024
"""Bytes of stdout or stderr kept per step; the rest is cut and the cut is reported."""


@dataclass(frozen=True)
class Command:
    """One step to run in the workspace."""

    argv: tuple[str, ...]
    """The command line; ``python`` as the first word means the sandbox's interpreter."""
    timeout: float
    """Wall-clock seconds before the step is killed."""
    cwd: StepDir = "submission"
    """Workspace folder the step runs in."""
    runs_student_code: bool = False
    """True for steps that import the student's code: the rubric's memory limit applies."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment variables; nothing of the host's environment is passed on."""
    outputs: tuple[str, ...] = ()
    """Result files the step writes: removed before it starts, so a stale or planted one is never read."""


@dataclass(frozen=True)
class RunOutput:
    """What a step did."""

    exit_code: int | None
    """The exit status, or None when the step was killed."""
    stdout: str
    stderr: str
    duration: float
    """Wall-clock seconds."""
    timed_out: bool = False
    """True when the step ran out of time and was killed."""
    signal: int | None = None
    """The signal that ended the step, if one did."""
    output_truncated: bool = False
    """True when stdout or stderr was longer than ``OUTPUT_LIMIT`` and was cut."""
    oom_killed: bool = False
    """True when the memory limit killed a process of the step."""
    pids_limited: bool = False
    """True when the process limit refused the step a new process or thread."""
    disk_full: bool = False
    """True when the step filled its writable space."""
    supervisor_lost: bool = False
    """True when the step's supervisor was killed, so how it ended is unknown."""
    deadline_passed: bool = False
    """True when the whole run's deadline stopped the step (it implies ``timed_out``)."""
    import_timed_out: bool = False
    """True when the step was not run at all: an earlier step showed that importing the
    submission does not finish within a step's timeout (it implies ``timed_out``)."""

    @property
    def memory_exhausted(self) -> bool:
        """Killed for memory, or a ``MemoryError`` from the address-space limit."""
        return self.oom_killed or "MemoryError" in self.stderr or "MemoryError" in self.stdout

    @property
    def verdict(self) -> Verdict:
        """How the step ended, the most telling reason first (a limit explains a timeout it caused)."""
        if self.memory_exhausted:
            return "memory limit"
        if self.pids_limited:
            return "process limit"
        if self.disk_full:
            return "disk full"
        if self.timed_out:
            return "timeout"
        if self.supervisor_lost:
            return "crashed (signal 9)"
        if self.signal is not None:
            return f"crashed (signal {self.signal})"
        if self.output_truncated:
            return "output truncated"
        return "passed" if self.exit_code == 0 else "failed"


class Workspace(Protocol):
    """A prepared copy of one submission that steps run against."""

    def run(self, command: Command) -> RunOutput:
        """Run one step to completion, its timeout, or its limits."""
        ...

    def add_tree(self, source: Path, dest: str) -> None:
        """Copy a host folder or file into the workspace at ``dest`` (e.g. ``grader/tests``)."""
        ...

    def write_text(self, dest: str, text: str) -> None:
        """Create a file in the workspace (e.g. a tool configuration under ``grader/``)."""
        ...

    def remove(self, dest: str) -> None:
        """Delete a file or folder from the workspace."""
        ...

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Read a result file; None when it does not exist, is a link, or exceeds ``limit``."""
        ...

    def cache_dir(self, tool: str) -> str | None:
        """A cache folder a tool may reuse across submissions (e.g. mypy's), or None."""
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold off every other step that runs the student's code (e.g. while hidden tests are in)."""
        ...

    def describe(self) -> dict[str, str]:
        """What ran the code, for the report (e.g. ``{"kind": "local"}``)."""
        ...


class Sandbox(Protocol):
    """Opens workspaces; one per submission, removed when the context exits."""

    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[Service, ...] = (),
        image: Variant | None = None,
    ) -> AbstractContextManager[Workspace]:
        """Copy ``submission`` into a new workspace governed by ``limits``, with a fresh copy of
        each of ``services`` beside it (their settings in every step's environment), in the
        heavier sandbox ``image`` when given."""
        ...
