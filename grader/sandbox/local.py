"""The local sandbox: a scratch copy and a subprocess with rlimits and a timeout.

For trusted code only (an instructor's reference, a student's own machine):
rlimits and a process group stop accidents, not attacks. A fork bomb or a
process that leaves its group escapes it. Hostile code belongs in the Docker
sandbox.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from grader.errors import InputError, SandboxError
from grader.rubric.model import Limits
from grader.rubric.services import Service, Variant
from grader.sandbox.protocol import NOT_COPIED, OUTPUT_LIMIT, Command, RunOutput

TOOL_MEMORY = 4 * 1024**3
"""Address space for the grading tools themselves: they are ours, not the student's."""
FILE_SIZE_LIMIT = 256 * 1024**2
"""Largest file a step may write."""
OPEN_FILES_LIMIT = 1024
NO_SPACE = "No space left on device"

# Applies the limits in the child and then becomes the command, so no
# preexec_fn runs between fork and exec (unsafe when threads run steps).
_LAUNCHER = """
import json, os, resource, sys
limits = json.loads(sys.argv[1])
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.execvp(sys.argv[2], sys.argv[2:])
"""

_IGNORED_NAMES = shutil.ignore_patterns(*NOT_COPIED, "*.pyc")


def _ignored(folder: str, names: list[str]) -> set[str]:
    """The caches, and whatever is not a folder, a regular file or a link: copying a FIFO would
    fail (or block), and the submission's check has already reported it as skipped."""
    kept = (stat.S_ISDIR, stat.S_ISREG, stat.S_ISLNK)
    special = {
        name
        for name in names
        if not any(is_kind(Path(folder, name).lstat().st_mode) for is_kind in kept)
    }
    return set(_IGNORED_NAMES(folder, names)) | special


class LocalSandbox:
    """Runs each step as a local subprocess in a scratch copy of the submission."""

    def __init__(self, cache_root: Path | None = None) -> None:
        self._cache_root = cache_root

    @contextmanager
    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[Service, ...] = (),
        image: Variant | None = None,
    ) -> Iterator[LocalWorkspace]:
        """A scratch folder with the submission copied in; removed on exit, whatever happens.
        Sidecar services are the Docker sandbox's alone: asking for one here is refused. A
        sandbox variant (``image``) is this machine's own Python: what it has installed."""
        if services:
            raise InputError(
                "this rubric needs sidecar services ("
                + ", ".join(service.kind for service in services)
                + "), which only the Docker sandbox starts: grade with --sandbox docker"
            )
        root = Path(tempfile.mkdtemp(prefix="grader-"))
        try:
            try:
                shutil.copytree(submission, root / "submission", symlinks=True, ignore=_ignored)
            except (OSError, shutil.Error) as exc:
                raise SandboxError(f"cannot copy the submission into the sandbox: {exc}") from exc
            for folder in ("grader", "out", "home", "tmp"):
                (root / folder).mkdir()
            yield LocalWorkspace(root, limits, self._cache_root)
        finally:
            _force_remove(root)


class LocalWorkspace:
    """A scratch folder; see ``grader.sandbox.protocol`` for the layout."""

    def __init__(self, root: Path, limits: Limits, cache_root: Path | None) -> None:
        self.root = root
        self._limits = limits
        self._cache_root = cache_root
        self._steps = itertools.count(
            1
        )  # next() is atomic: criteria run steps from several threads
        self._student = threading.RLock()

    def exclusive(self) -> AbstractContextManager[None]:
        """One step of the student's code at a time (a lock, not containment: see the module)."""
        return self._student  # type: ignore[return-value]  # an RLock is a context manager of None

    def run(self, command: Command) -> RunOutput:
        """Run one step in its own process group; the group is killed when the step ends."""
        for output in command.outputs:
            self.remove(output)
        if command.runs_student_code:
            with self._student:
                return self._run(command)
        return self._run(command)

    def _run(self, command: Command) -> RunOutput:
        step = next(self._steps)
        out_dir = self.root / "out"
        stdout_path = out_dir / f".step{step}.stdout"
        stderr_path = out_dir / f".step{step}.stderr"
        argv = [
            sys.executable,
            "-I",
            "-c",
            _LAUNCHER,
            json.dumps(self._rlimits(command)),
            *self._argv(command),
        ]
        started = time.monotonic()
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            try:
                # An argv list built by the grader (see _argv), never a shell string.
                process = subprocess.Popen(  # nosec B603
                    argv,
                    cwd=self.root / command.cwd,
                    env=self._env(command),
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    start_new_session=True,
                )
            except OSError as exc:
                raise SandboxError(f"cannot start {command.argv[0]}: {exc}") from exc
            timed_out = False
            try:
                process.wait(timeout=command.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(process.pid)
                process.wait()
        duration = time.monotonic() - started
        out, out_cut = _read_capped(stdout_path)
        err, err_cut = _read_capped(stderr_path)
        code = process.returncode
        return RunOutput(
            exit_code=None if timed_out or code < 0 else code,
            stdout=out,
            stderr=err,
            duration=duration,
            timed_out=timed_out,
            signal=-code if code < 0 and not timed_out else None,
            output_truncated=out_cut or err_cut,
            disk_full=NO_SPACE in err,
        )

    def _argv(self, command: Command) -> list[str]:
        if command.argv and command.argv[0] == "python":
            return [sys.executable, *command.argv[1:]]
        return list(command.argv)

    def _rlimits(self, command: Command) -> dict[str, int]:
        memory = int(self._limits.memory) if command.runs_student_code else TOOL_MEMORY
        return {
            "RLIMIT_AS": memory,
            "RLIMIT_CPU": int(command.timeout) + 5,
            "RLIMIT_FSIZE": FILE_SIZE_LIMIT,
            "RLIMIT_NOFILE": OPEN_FILES_LIMIT,
            "RLIMIT_CORE": 0,
        }

    def _env(self, command: Command) -> dict[str, str]:
        threads = str(max(1, int(self._limits.cpus)))
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONUTF8": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        }
        env.update(command.env)
        return env

    def _path(self, dest: str) -> Path:
        path = (self.root / dest).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise SandboxError(f"path {dest!r} leaves the workspace")
        return path

    def add_tree(self, source: Path, dest: str) -> None:
        """Copy a host folder or file into the workspace."""
        target = self._path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if source.is_dir():
                shutil.copytree(source, target, ignore=_ignored, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)
        except (OSError, shutil.Error) as exc:
            raise SandboxError(f"cannot copy {source} into the sandbox: {exc}") from exc

    def write_text(self, dest: str, text: str) -> None:
        """Create a file in the workspace."""
        target = self._path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def remove(self, dest: str) -> None:
        """Delete a file or folder from the workspace."""
        _force_remove(self._path(dest))

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Read a result file, refusing links and anything over ``limit`` bytes."""
        try:
            fd = os.open(self.root / path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(limit + 1)
        return None if len(data) > limit else data

    def cache_dir(self, tool: str) -> str | None:
        """A per-tool cache under the configured cache root, shared by local runs."""
        if self._cache_root is None:
            return None
        path = self._cache_root / tool
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def describe(self) -> dict[str, str]:
        """The local sandbox has no image; it names the interpreter."""
        return {"kind": "local", "python": sys.version.split()[0]}


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _read_capped(path: Path) -> tuple[str, bool]:
    with path.open("rb") as handle:
        data = handle.read(OUTPUT_LIMIT + 1)
    return data[:OUTPUT_LIMIT].decode("utf-8", errors="replace"), len(data) > OUTPUT_LIMIT


def _force_remove(path: Path) -> None:
    """Remove a tree even when the student's code made parts of it read-only."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    for folder, dirs, _ in os.walk(path):
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(folder) / name).chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)
