"""The Docker sandbox: one disposable, locked-down container per submission.

The container has no network, no capabilities, ``no-new-privileges``, a
read-only root filesystem, memory with swap equal to it, a CPU quota, a pids
limit and ``nofile``/``fsize``/``core`` ulimits. Its only writable places are
``/work`` (a size-capped tmpfs volume) and ``/tmp`` (a size-capped tmpfs).
Files go in and results come out as tar streams through the Docker API
(``put_archive``/``get_archive``), never through bind mounts, and reading is
size-capped and refuses links.

Two users share it: ``student`` (1000) runs the student's code, ``grader``
(1001) runs the grading tools and PID 1. Steps of the student's code run one
at a time; after each, ``probe.py`` kills every process the student's user
still has (daemons, orphans, a fork bomb), reads the free space it left and
deletes what it left. Each step runs under ``launch.py``, which enforces the
step's timeout and output cap inside the container, reads the cgroup's OOM
and pids counters around the step for its verdict, and is the only writer of
the exec's stdout. The host enforces a deadline for the
whole run by killing the container, and removes the container and its volume
whatever happens; a reaper removes the leftovers of a crashed grader.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
import logging
import os
import socket
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.types import Ulimit
from docker.utils.socket import STDOUT, frames_iter

from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.sandbox.protocol import (
    NOT_COPIED,
    OUTPUT_LIMIT,
    Command,
    RunDeadlineExceeded,
    RunOutput,
)
from grader.settings import Settings

log = logging.getLogger(__name__)

LABEL = "grader.sandbox"
"""Every container and volume the sandbox makes carries this label (and a deadline)."""
DEADLINE_LABEL = "grader.deadline"
OWNER_LABEL = "grader.owner"
"""``host:pid`` of the process that made the container: the reaper removes it once that
process is gone, without waiting for the deadline."""
STUDENT = "1000:1000"
TOOLS = "1001:1001"
ROOT = "0:0"
WORK = "/work"
# The container's own size-capped tmpfs, not the host's /tmp.
TMP = "/tmp"  # noqa: S108  # nosec B108
PYTHON = "/opt/sandbox/bin/python"
LAUNCHER = "/opt/grader/launch.py"
PROBE = "/opt/grader/probe.py"
INIT = "/opt/grader/init.py"
BAKED_CACHES = "/opt/grader/mypy-cache"
CACHE = "/cache"
"""The tools' own tmpfs (user grader, mode 0700): the student's code can neither read it nor fill it."""
CACHE_SIZE = 512 * 1024**2
PATH = "/opt/sandbox/bin:/usr/local/bin:/usr/bin:/bin"

API_VERSION = "1.41"
"""Docker 20.10's API; newer engines serve it too. Fixed, so connecting asks the engine nothing
(version auto-detection leaks a socket when no engine answers)."""
TOOLS_MEMORY = 768 * 1024**2
"""Memory the grading tools get beside the student's code (the OOM killer takes the biggest)."""
OPEN_FILES = 1024
HOST_GRACE = 5.0
"""Seconds the host waits past a step's own timeout before it kills the step itself."""
REAP_AFTER = 60
"""Seconds past its deadline after which a labelled container is a leftover."""
TRAILER_LIMIT = 4 * OUTPUT_LIMIT
"""Bytes read from a launcher: its JSON line holds both capped streams in base64."""
NO_SPACE = "No space left on device"
LOW_SPACE = 64 * 1024
"""Free bytes under which a writable folder counts as full."""
STEP_ENV = {
    "PATH": PATH,
    "HOME": TMP,
    "TMPDIR": TMP,
    "LANG": "C.UTF-8",
    "PYTHONUTF8": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}
_IGNORED = set(NOT_COPIED)


@dataclass(frozen=True)
class SandboxCaps:
    """The operator's ceiling on what a rubric may ask for."""

    memory: int
    cpus: float
    pids: int
    timeout: int
    run_timeout: int
    disk: int

    def clamp(self, limits: Limits) -> Limits:
        """The rubric's limits, each lowered to the cap where it asks for more."""
        return limits.model_copy(
            update={
                "memory": min(int(limits.memory), self.memory),
                "cpus": min(limits.cpus, self.cpus),
                "pids": min(limits.pids, self.pids),
                "timeout": min(limits.timeout, self.timeout),
                "run_timeout": min(limits.run_timeout, self.run_timeout),
                "disk": min(int(limits.disk), self.disk),
            }
        )


def connect(timeout: int = 120) -> docker.DockerClient:
    """The engine at ``DOCKER_HOST`` (or the local socket), or one clear line saying there is none."""
    client: docker.DockerClient | None = None
    try:
        client = docker.from_env(version=API_VERSION, timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        if client is not None:
            client.close()
        reason = str(exc).split("\n", 1)[0][:200]
        raise SandboxError(
            "no Docker engine answers (set DOCKER_HOST, or start one: `make engine` installs "
            "and starts dockerd here; or grade trusted code with --sandbox local): " + reason
        ) from None
    return client


def reap(client: docker.DockerClient, now: float | None = None) -> int:
    """Remove labelled containers and volumes that outlived their deadline; how many containers."""
    now = time.time() if now is None else now
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        if _expired(container.labels, now):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                container.remove(force=True, v=True)
                removed += 1
    for volume in client.volumes.list(filters={"label": LABEL}):
        if _expired(volume.attrs.get("Labels") or {}, now):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                volume.remove(force=True)
    if removed:
        log.warning("removed %d sandbox container(s) left behind by a grader that died", removed)
    return removed


def _expired(labels: dict[str, str], now: float) -> bool:
    """Past its deadline (with a margin), or made by a process of this host that has died."""
    if _orphaned(labels.get(OWNER_LABEL, "")):
        return True
    try:
        return float(labels.get(DEADLINE_LABEL, "0")) + REAP_AFTER < now
    except ValueError:
        return True


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _orphaned(owner: str) -> bool:
    """True when ``host:pid`` names a process of this host that no longer exists (a killed worker)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class DockerSandbox:
    """Opens one fresh container per submission from the sandbox image."""

    _reaped = False
    _reap_lock = threading.Lock()

    def __init__(self, client: docker.DockerClient, image: str, caps: SandboxCaps) -> None:
        self._client = client
        self._image = image
        self._caps = caps

    def _image_id(self) -> str:
        try:
            return str(self._client.images.get(self._image).id)
        except docker.errors.ImageNotFound:
            raise SandboxError(
                f"the sandbox image {self._image} is missing: build it with `grader sandbox build`"
            ) from None

    def _reap_once(self) -> None:
        with DockerSandbox._reap_lock:
            if not DockerSandbox._reaped:
                reap(self._client)
                DockerSandbox._reaped = True

    @contextmanager
    def open(self, submission: Path, limits: Limits) -> Iterator[DockerWorkspace]:
        """A started container with the submission in ``/work/submission``; removed on exit."""
        self._reap_once()
        image_id = self._image_id()
        limits = self._caps.clamp(limits)
        name = f"grader-{uuid.uuid4().hex[:16]}"
        deadline = time.time() + limits.run_timeout
        labels = {LABEL: "1", DEADLINE_LABEL: f"{deadline:.0f}", OWNER_LABEL: _owner()}
        try:
            volume = self._client.volumes.create(
                name=name,
                driver="local",
                driver_opts={
                    "type": "tmpfs",
                    "device": "tmpfs",
                    "o": f"size={int(limits.disk)},mode=0755",
                },
                labels=labels,
            )
        except docker.errors.APIError as exc:
            raise SandboxError(
                f"cannot create the sandbox's work volume: {exc.explanation or exc}"
            ) from None
        container: Container | None = None
        try:
            container = self._client.containers.create(
                image_id,
                command=[PYTHON, "-I", INIT],
                name=name,
                hostname="sandbox",
                user=TOOLS,
                working_dir=WORK,
                network_mode="none",
                read_only=True,
                tmpfs={
                    TMP: f"size={int(limits.disk)},mode=1777",
                    CACHE: f"size={CACHE_SIZE},uid=1001,gid=1001,mode=0700",
                },
                volumes={name: {"bind": WORK, "mode": "rw"}},
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                mem_limit=int(limits.memory) + TOOLS_MEMORY,
                memswap_limit=int(limits.memory) + TOOLS_MEMORY,
                nano_cpus=int(limits.cpus * 1e9),
                pids_limit=limits.pids,
                ulimits=[
                    Ulimit(name="nofile", soft=OPEN_FILES, hard=OPEN_FILES),
                    Ulimit(name="fsize", soft=int(limits.disk), hard=int(limits.disk)),
                    Ulimit(name="core", soft=0, hard=0),
                ],
                labels=labels,
                environment={},
                stop_signal="SIGKILL",
            )
            container.start()
            workspace = DockerWorkspace(
                self._client, container, limits, deadline, image_id, self._image
            )
            with workspace.watchdog():
                workspace.prepare(submission)
                yield workspace
        except docker.errors.APIError as exc:
            raise SandboxError(f"the Docker engine failed: {exc.explanation or exc}") from None
        finally:
            if container is not None:
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    container.remove(force=True, v=True)
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                volume.remove(force=True)


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
    ) -> None:
        self._api = client.api
        self._container = container
        self._cid = str(container.id)
        self._limits = limits
        self._deadline = deadline
        self._image_id = image_id
        self._image = image
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
                tar.addfile(_entry(folder, tarfile.DIRTYPE, mode))
            _add_tree(tar, submission, PurePosixPath("submission"))

    @contextmanager
    def _upload(self, dest: str | None = None) -> Iterator[tarfile.TarFile]:
        """A tar archive to fill, extracted under ``/work`` on exit (with ``dest``'s folders first)."""
        with tempfile.TemporaryFile() as buffer:
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                if dest is not None:
                    for parent in reversed(_relative(dest).parents[:-1]):
                        tar.addfile(_entry(str(parent), tarfile.DIRTYPE, 0o755))
                yield tar
            self._put(buffer)

    # -- the Workspace protocol ------------------------------------------------------------

    def exclusive(self) -> AbstractContextManager[None]:
        """No other step of the student's code runs while this is held."""
        return self._student  # type: ignore[return-value]  # an RLock is a context manager of None

    def run(self, command: Command) -> RunOutput:
        """Run a step under the launcher; steps of the student's code one at a time."""
        if command.outputs:
            self._remove(*command.outputs)
        if not command.runs_student_code:
            return self._step(command, TOOLS)
        with self._student:
            run = self._step(command, STUDENT)
            free = self._clean_up_after(command).get("free") or {}
        return _with_free_space(run, free)

    def add_tree(self, source: Path, dest: str) -> None:
        """Copy a host folder or file into the workspace (owned by root, read-only to the steps)."""
        target = _relative(dest)
        with self._upload(dest) as tar:
            if source.is_dir():
                tar.addfile(_entry(str(target), tarfile.DIRTYPE, 0o755))
                _add_tree(tar, source, target)
            else:
                _add_file(tar, source, target)

    def write_text(self, dest: str, text: str) -> None:
        """Create a file in the workspace (owned by root, read-only to the steps)."""
        data = text.encode("utf-8")
        with self._upload(dest) as tar:
            info = _entry(str(_relative(dest)), tarfile.REGTYPE, 0o644)
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
        return _regular_file(stream, limit)

    def cache_dir(self, tool: str) -> str | None:
        """A per-run copy, in the tools' own tmpfs, of the cache baked into the image for ``tool``
        (empty when none is); ``tool`` is a name of ours, e.g. ``mypy-strict``."""
        with self._cache_lock:
            if tool not in self._caches:
                target = f"{CACHE}/{tool}"
                baked = f"{BAKED_CACHES}/{tool}"
                script = f'cp -a "{baked}" "{target}" 2>/dev/null || {{ rm -rf "{target}"; mkdir -p "{target}"; }}'
                self._exec_quiet(["sh", "-c", script], TOOLS)
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
        }

    # -- inside the container --------------------------------------------------------------

    def _put(self, buffer: IO[bytes]) -> None:
        buffer.seek(0)
        try:
            accepted = self._api.put_archive(self._cid, WORK, buffer)
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                raise RunDeadlineExceeded(_deadline_message(self._limits.run_timeout)) from None
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

    def _exec_quiet(self, argv: list[str], user: str) -> None:
        try:
            _out, ended = self._exec(argv, user, 60)
        except docker.errors.APIError as exc:
            if self._killed.is_set():
                return
            raise SandboxError(
                f"the sandbox failed to run {argv[0]}: {exc.explanation or exc}"
            ) from None
        if not ended:
            raise SandboxError(f"the sandbox did not finish {argv[0]} within 60 s")

    def _spec(self, command: Command, student: bool) -> dict[str, Any]:
        argv = list(command.argv)
        if argv and argv[0] == "python":
            argv[0] = PYTHON
        threads = str(max(1, int(self._limits.cpus)))
        env = {**STEP_ENV, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
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
            return _out_of_time(command, self._limits.run_timeout)
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
                return _out_of_time(command, self._limits.run_timeout)
            raise SandboxError(
                f"the sandbox failed to run a step: {exc.explanation or exc}"
            ) from None
        if self._killed.is_set():
            return _out_of_time(command, self._limits.run_timeout)
        return _parse_trailer(out, time.monotonic() - started)

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


def _regular_file(stream: Iterator[bytes], limit: int) -> bytes | None:
    """The one regular file in a ``get_archive`` tar stream, or None past ``limit`` or for anything else."""
    archive = io.BytesIO()
    for chunk in stream:
        archive.write(chunk)
        if archive.tell() > limit + 64 * 1024:  # the file plus tar headers
            return None
    archive.seek(0)
    with tarfile.open(fileobj=archive, mode="r") as tar:
        member = tar.next()
        if member is None or not member.isreg() or member.size > limit:
            return None
        handle = tar.extractfile(member)
        return handle.read() if handle else None


def _close_stream(sock: Any) -> None:
    """Close an exec's raw stream: docker-py hands out a SocketIO whose close() leaves the
    socket and the HTTP response behind it open."""
    for part in (getattr(sock, "_response", None), getattr(sock, "_sock", None), sock):
        if part is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                part.close()


def _with_free_space(run: RunOutput, free: dict[str, int]) -> RunOutput:
    """``disk full`` when the step left a writable folder (nearly) full or said it was."""
    full = (
        any(int(space) < LOW_SPACE for space in free.values())
        or NO_SPACE in run.stderr
        or NO_SPACE in run.stdout
    )
    return dataclasses.replace(run, disk_full=full)


def _parse_trailer(out: bytes, duration: float) -> RunOutput:
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


def _deadline_message(run_timeout: int) -> str:
    return f"the whole run passed its deadline of {run_timeout} s and the sandbox was stopped"


def _out_of_time(command: Command, run_timeout: int) -> RunOutput:
    return RunOutput(
        exit_code=None,
        stdout="",
        stderr=_deadline_message(run_timeout),
        duration=command.timeout,
        timed_out=True,
        deadline_passed=True,
    )


def _relative(dest: str) -> PurePosixPath:
    path = PurePosixPath(dest)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SandboxError(f"path {dest!r} leaves the workspace")
    return path


def _entry(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    """A root-owned tar entry: what goes in is read-only to the steps unless ``mode`` says not."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid = info.gid = 0
    info.mtime = int(time.time())
    return info


def _add_file(tar: tarfile.TarFile, source: Path, name: PurePosixPath) -> None:
    info = _entry(str(name), tarfile.REGTYPE, 0o644)
    info.size = source.stat().st_size
    with source.open("rb") as handle:
        tar.addfile(info, handle)


def _add_tree(tar: tarfile.TarFile, source: Path, target: PurePosixPath) -> None:
    """Regular files and folders only, owned by root; links and special files stay out."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if _IGNORED.intersection(relative.parts) or relative.suffix == ".pyc":
            continue
        name = target / relative.as_posix()
        if path.is_symlink():
            continue
        if path.is_dir():
            tar.addfile(_entry(str(name), tarfile.DIRTYPE, 0o755))
        elif path.is_file():
            _add_file(tar, path, name)


def engine_version(client: docker.DockerClient) -> str:
    """The engine's version, for ``grader sandbox status``."""
    return str(client.version().get("Version", "unknown"))


def image_summary(client: docker.DockerClient, image: str) -> dict[str, str] | None:
    """The sandbox image's digest and base, or None when it is not built."""
    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        return None
    return {"image": image, "digest": str(found.id), "base": found.labels.get("grader.base", "?")}


def from_settings(settings: Settings) -> DockerSandbox:
    """The Docker sandbox the settings describe: the engine, the image and the operator's caps."""
    caps = SandboxCaps(
        memory=int(settings.max_memory),
        cpus=settings.max_cpus,
        pids=settings.max_pids,
        timeout=settings.max_timeout,
        run_timeout=settings.max_run_timeout,
        disk=int(settings.max_disk),
    )
    return DockerSandbox(connect(), settings.sandbox_image, caps)
