"""A sandbox that replays canned outputs for chosen tools and delegates the rest.

For tests and for reproducing a bug report: wrap the local sandbox and make
``mypy`` crash, or ``ruff`` print garbage, without breaking the real tools; or
let ``pytest`` really run and then change how its step is said to have ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.rubric.model import Limits
from grader.rubric.services import Service, Variant
from grader.sandbox.protocol import Command, RunOutput, Sandbox, Workspace


def tool_of(command: Command) -> str:
    """``python [-I ...] -m ruff check ...`` -> ``ruff``; anything else -> its first word."""
    argv = command.argv
    if argv[:1] == ("python",) and "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    return argv[0] if argv else ""


@dataclass
class ScriptedWorkspace:
    """Delegates to a real workspace, except for the tools in ``scripted``."""

    inner: Workspace
    scripted: Mapping[str, RunOutput]
    altered: Mapping[str, Callable[[RunOutput], RunOutput]] = field(default_factory=dict)
    """Tools that really run, whose output is then passed through the function."""
    commands: list[Command] = field(default_factory=list)
    """Every command asked for, in order."""

    def run(self, command: Command) -> RunOutput:
        """The canned output for a scripted tool, else the real run (altered if asked)."""
        self.commands.append(command)
        tool = tool_of(command)
        canned = self.scripted.get(tool)
        if canned is not None:
            return canned
        alter = self.altered.get(tool)
        run = self.inner.run(command)
        return alter(run) if alter is not None else run

    def add_tree(self, source: Path, dest: str) -> None:
        """Delegated."""
        self.inner.add_tree(source, dest)

    def write_text(self, dest: str, text: str) -> None:
        """Delegated."""
        self.inner.write_text(dest, text)

    def remove(self, dest: str) -> None:
        """Delegated."""
        self.inner.remove(dest)

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Delegated."""
        return self.inner.read_bytes(path, limit)

    def cache_dir(self, tool: str) -> str | None:
        """Delegated."""
        return self.inner.cache_dir(tool)

    def exclusive(self) -> AbstractContextManager[None]:
        """Delegated."""
        return self.inner.exclusive()

    def describe(self) -> dict[str, str]:
        """The inner sandbox's description, marked as scripted."""
        return {
            **self.inner.describe(),
            "scripted": ",".join(sorted({*self.scripted, *self.altered})),
        }


@dataclass
class ScriptedSandbox:
    """Wraps a real sandbox; the workspaces it opens replay ``scripted`` outputs."""

    inner: Sandbox
    scripted: Mapping[str, RunOutput]
    altered: Mapping[str, Callable[[RunOutput], RunOutput]] = field(default_factory=dict)
    workspaces: list[ScriptedWorkspace] = field(default_factory=list)

    @contextmanager
    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[Service, ...] = (),
        image: Variant | None = None,
    ) -> Iterator[ScriptedWorkspace]:
        """Open the inner workspace and wrap it."""
        with self.inner.open(submission, limits, services, image) as workspace:
            scripted = ScriptedWorkspace(workspace, self.scripted, self.altered)
            self.workspaces.append(scripted)
            yield scripted
