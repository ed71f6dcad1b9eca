"""A running sandbox container: the workspace the checks see, one step at a time.

Steps of the student's code run one at a time, as ``student``; after each, ``probe.py``
kills every process the student's user still has (daemons, orphans, a fork bomb), reads
the free space it left and deletes what it left in ``/tmp`` and ``out/``. Each step runs
under ``launch.py``, which enforces the step's timeout and output cap inside the
container, reads the cgroup's OOM and pids counters around the step for its verdict, and
is the only writer of the exec's stdout. The host enforces a deadline for the whole run
by killing the container, and gives a stuck launcher a grace period before it ends every
process of the step's user itself.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

import docker
import docker.errors
from docker.models.containers import Container
from docker.utils.socket import STDOUT, frames_iter

from grader.errors import RunDeadlineExceeded, SandboxError
from grader.rubric.model import Limits
from grader.rubric.services import Service, Variant, service_env
from grader.sandbox.docker import tarstreams
from grader.sandbox.docker.layout import (
    BAKED_CACHES,
    CACHE,
    LAUNCHER,
    OPEN_FILES,
    PATH,
    PROBE,
    PYTHON,
    ROOT,
    STUDENT,
    TMP,
    TOOLS,
    WORK,
)
from grader.sandbox.docker.verdict import (
    TRAILER_LIMIT,
    deadline_message,
    out_of_time,
    parse_trailer,
    with_free_space,
)
from grader.sandbox.protocol import OUTPUT_LIMIT, Command, RunOutput

log = logging.getLogger(__name__)

_T = TypeVar("_T")

CACHE_READY = "cache-ready"
"""What the cache copy prints once the tool's cache folder exists."""
HOST_GRACE = 5.0
"""Seconds the host waits past a step's own timeout before it kills the step itself."""
STEP_ENV = {
    "PATH": PATH,
    "HOME": TMP,
    "TMPDIR": TMP,
    "LANG": "C.UTF-8",
    "PYTHONUTF8": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}


class DockerWorkspace:
    """A running sandbox container; see ``grader.sandbox.protocol`` for the layout under ``/work``."""

    def __init__(
        self,
        client: docker.DockerClient,
        container: Container,
        limits: Limits,
        deadline: float,
        image_id: str,
        image: str,
        services: tuple[Service, ...] = (),
        variant: Variant | None = None,
    ) -> None:
        """``services``: the sidecars beside it, whose settings every step is told, as it is
        told the sandbox ``variant``'s own."""
        self._api = client.api
        self._container = container
        self._cid = str(container.id)
        self._limits = limits
        self._deadline = deadline
        self._image_id = image_id
        self._image = image
        self._services = services
        self._env = service_env(services, variant)
        self._student = threading.RLock()
        self._caches: dict[str, str] = {}
        self._cache_lock = threading.Lock()
        self._killed = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    @contextmanager
    def watchdog(self) -> Iterator[None]:
        """Kill the container when the run's deadline passes, whatever is running in it."""
        timer = threading.Timer(max(0.0, self._deadline - time.time()), self._kill)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _kill(self) -> None:
        self._killed.set()
        with contextlib.suppress(docker.errors.APIError):
            self._container.kill()

    def prepare(self, submission: Path) -> None:
        """The layout: read-only ``submission/`` and ``grader/``, a shared sticky ``out/``."""
        with self._upload() as tar:
            for folder, mode in (("submission", 0o755), ("grader", 0o755), ("out", 0o1777)):
                tar.addfile(tarstreams.entry(folder, tarfile.DIRTYPE, mode))
            tarstreams.add_tree(tar, submission, PurePosixPath("submission"))

    @contextmanager
    def _upload(self, dest: str | None = None) -> Iterator[tarfile.TarFile]:
        """A tar archive to fill, extracted under ``/work`` on exit (with ``dest``'s folders first)."""
        with tempfile.TemporaryFile() as buffer:
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                if dest is not None:
                    for parent in reversed(_relative(dest).parents[:-1]):
                        tar.addfile(tarstreams.entry(str(parent), tarfile.DIRTYPE, 0o755))
                yield tar
            self._put(buffer)

    # -- the Workspace protocol ------------------------------------------------------------

    def exclusive(self) -> AbstractContextManager[None]:
        """No other step of the student's code runs while this is held."""
        return self._student  # type: ignore[return-value]  # an RLock is a context manager of None

    def run(self, command: Command) -> RunOutput:
        """Run a step under the launcher; steps of the student's code one at a time.

        A grading tool's step runs beside the student's, in the container's one pids limit: a
        fork bomb there can stop the tool from starting, or from starting a thread. Such a step
        (its launcher or the exec refused, or the pids limit hit while it ran) is run once more
        while no step of the student's code runs: each ends by killing every process of the
        student's user, so the second attempt has the pids to itself.
        """
        if not command.runs_student_code:
            return self._apart_from_student(lambda: self._tool_step(command), _pids_spoiled)
        if command.outputs:
            self._remove(*command.outputs)
        with self._student:
            run = self._step(command, STUDENT)
            free = self._clean_up_after(command).get("free") or {}
        return with_free_space(run, free)

    def _tool_step(self, command: Command) -> RunOutput:
        if command.outputs:
            self._remove(*command.outputs)
        return self._step(command, TOOLS)

    def _apart_from_student(self, attempt: Callable[[], _T], spoiled: Callable[[_T], bool]) -> _T:
        """``attempt()``, and once more with the student's code stopped if the first could not
        start or was ``spoiled`` by the pids limit.

        Why a retry, not a share of the pids for the grader: ``RLIMIT_NPROC`` counts a uid's
        processes across every container of the host (they share its user namespace), so
        concurrent gradings would starve each other; a cgroup per step needs a writable cgroup
        tree, which a container without capabilities does not have.
        """
        try:
            first = attempt()
        except SandboxError:
            log.info("a grading step could not start beside the student's code; retried alone")
        else:
            if not spoiled(first):
                return first
        with self._student:
            return attempt()

    def add_tree(self, source: Path, dest: str) -> None:
        """Copy a host folder or file into the workspace (owned by root, read-only to the steps)."""
        target = _relative(dest)
        with self._upload(dest) as tar:
            if source.is_dir():
                tar.addfile(tarstreams.entry(str(target), tarfile.DIRTYPE, 0o755))
                tarstreams.add_tree(tar, source, target)
            else:
                tarstreams.add_file(tar, source, target)

    def write_text(self, dest: str, text: str) -> None:
        """Create a file in the workspace (owned by root, read-only to the steps)."""
        data = text.encode("utf-8")
        with self._upload(dest) as tar:
            info = tarstreams.entry(str(_relative(dest)), tarfile.REGTYPE, 0o644)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    def remove(self, dest: str) -> None:
        """Delete a file or folder from the workspace."""
        self._remove(dest)

    def _remove(self, *dests: str) -> None:
        paths = [f"{WORK}/{_relative(dest)}" for dest in dests]
        self._exec_quiet(["rm", "-rf", "--", *paths], ROOT)

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Read a result file through ``get_archive``; None for a link, a folder or anything over ``limit``."""
        try:
            stream, stat = self._api.get_archive(self._cid, f"{WORK}/{_relative(path)}")
        except docker.errors.NotFound:
            return None
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                return None
            raise SandboxError(
                f"cannot read {path} from the sandbox: {exc.explanation or exc}"
            ) from None
        if stat.get("linkTarget") or int(stat.get("size", 0)) > limit:
            return None
        return tarstreams.regular_file(stream, limit)

    def cache_dir(self, tool: str) -> str | None:
        """A per-run copy, in the tools' own tmpfs, of the cache baked into the image for ``tool``
        (empty when none is); ``tool`` is a name of ours, e.g. ``mypy-strict``."""
        with self._cache_lock:
            if tool not in self._caches:
                target = f"{CACHE}/{tool}"
                baked = f"{BAKED_CACHES}/{tool}"
                script = (
                    f'cp -a "{baked}" "{target}" 2>/dev/null || {{ rm -rf "{target}"; mkdir -p "{target}"; }}; '
                    f'test -d "{target}" && echo {CACHE_READY}'
                )
                self._apart_from_student(
                    lambda: self._exec_quiet(["sh", "-c", script], TOOLS),
                    lambda out: CACHE_READY not in out and not self._killed.is_set(),
                )
                self._caches[tool] = target
            return self._caches[tool]

    def describe(self) -> dict[str, str]:
        """The image and its digest, and the limits that applied after the operator's caps."""
        return {
            "kind": "docker",
            "image": self._image,
            "image_digest": self._image_id,
            "memory": str(int(self._limits.memory)),
            "cpus": str(self._limits.cpus),
            "pids": str(self._limits.pids),
        } | ({"services": ", ".join(s.described for s in self._services)} if self._services else {})

    # -- inside the container --------------------------------------------------------------

    def _put(self, buffer: IO[bytes]) -> None:
        buffer.seek(0)
        try:
            accepted = self._api.put_archive(self._cid, WORK, buffer)
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                raise RunDeadlineExceeded(deadline_message(self._limits.run_timeout)) from None
            raise SandboxError(
                f"cannot copy files into the sandbox: {exc.explanation or exc}"
            ) from None
        if not accepted:
            raise SandboxError("the Docker engine refused to copy files into the sandbox")

    def _exec(self, argv: list[str], user: str, wait: float) -> tuple[bytes, bool]:
        """Run ``argv`` in the container; its stdout (capped) and whether it ended within ``wait``."""
        exec_id = self._api.exec_create(self._cid, argv, user=user, workdir=WORK)["Id"]
        sock = self._api.exec_start(exec_id, socket=True)
        out = bytearray()

        def read() -> None:
            try:
                for stream, chunk in frames_iter(sock, tty=False):  # type: ignore[no-untyped-call]
                    if stream == STDOUT and len(out) < TRAILER_LIMIT:
                        out.extend(chunk[: TRAILER_LIMIT - len(out)])
            except (OSError, ValueError):
                pass  # the container went away mid-read: the caller sees no trailer
            finally:
                _close_stream(sock)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(wait)
        return bytes(out), not reader.is_alive()

    def _exec_quiet(self, argv: list[str], user: str) -> str:
        """Run ``argv`` in the container and return its stdout; SandboxError when it cannot."""
        try:
            out, ended = self._exec(argv, user, 60)
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                return ""
            raise SandboxError(
                f"the sandbox failed to run {argv[0]}: {exc.explanation or exc}"
            ) from None
        if not ended:
            raise SandboxError(f"the sandbox did not finish {argv[0]} within 60 s")
        return out.decode("utf-8", errors="replace")

    def _spec(self, command: Command, student: bool) -> dict[str, Any]:
        argv = list(command.argv)
        if argv and argv[0] == "python":
            argv[0] = PYTHON
        threads = str(max(1, int(self._limits.cpus)))
        env = {**STEP_ENV, **self._env, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
        env.update(command.env)
        rlimits = {
            "RLIMIT_NOFILE": OPEN_FILES,
            "RLIMIT_CORE": 0,
            "RLIMIT_FSIZE": int(self._limits.disk),
        }
        if student:
            rlimits |= {
                "RLIMIT_AS": int(self._limits.memory),
                "RLIMIT_CPU": int(command.timeout) + 5,
            }
        return {
            "argv": argv,
            "cwd": f"{WORK}/{command.cwd}",
            "env": env,
            "timeout": max(0.1, min(command.timeout, self._deadline - time.time())),
            "rlimits": rlimits,
            "output_limit": OUTPUT_LIMIT,
        }

    def _step(self, command: Command, user: str) -> RunOutput:
        if self._killed.is_set():
            return out_of_time(command, self._limits.run_timeout)
        spec = self._spec(command, user == STUDENT)
        encoded = base64.b64encode(json.dumps(spec).encode()).decode("ascii")
        started = time.monotonic()
        try:
            out, ended = self._exec(
                [PYTHON, "-I", LAUNCHER, encoded], user, spec["timeout"] + HOST_GRACE
            )
            if (
                not ended
            ):  # the launcher itself is stuck or was stopped: end every process of the user
                self._kill_user(user)
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                return out_of_time(command, self._limits.run_timeout)
            raise SandboxError(
                f"the sandbox failed to run a step: {exc.explanation or exc}"
            ) from None
        if self._killed.is_set():
            return out_of_time(command, self._limits.run_timeout)
        return parse_trailer(out, time.monotonic() - started)

    def _kill_user(self, user: str) -> None:
        with contextlib.suppress(docker.errors.APIError):
            self._exec([PYTHON, "-I", PROBE, "--kill"], user, 30)

    def _clean_up_after(self, step: Command) -> dict[str, Any]:
        """Kill what the step left running, read the free space it left, then delete what it
        left in ``/tmp`` and ``out/`` except its declared outputs."""
        argv = [PYTHON, "-I", PROBE, "--kill", "--clean", TMP, "--clean", f"{WORK}/out"]
        for output in step.outputs:
            argv += ["--keep", f"{WORK}/{_relative(output)}"]
        argv += [WORK, TMP]
        try:
            out, _ended = self._exec(argv, STUDENT, 30)
        except docker.errors.APIError:
            if self._killed.is_set():
                return {}
            raise
        try:
            reading = json.loads(out.decode("utf-8", errors="replace").strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            return {}
        return reading if isinstance(reading, dict) else {}


def _pids_spoiled(run: RunOutput) -> bool:
    """A tool's step that may have failed for want of a process slot the student's code held."""
    return run.pids_limited or (run.supervisor_lost and not run.deadline_passed)


def _close_stream(sock: Any) -> None:
    """Close an exec's raw stream: docker-py hands out a SocketIO whose close() leaves the
    socket and the HTTP response behind it open."""
    for part in (getattr(sock, "_response", None), getattr(sock, "_sock", None), sock):
        if part is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                part.close()


def _relative(dest: str) -> PurePosixPath:
    path = PurePosixPath(dest)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SandboxError(f"path {dest!r} leaves the workspace")
    return path
