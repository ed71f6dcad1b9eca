"""The locked-down container: one fresh, disposable container per submission.

The container has no network, no capabilities, ``no-new-privileges``, a
read-only root filesystem, memory with swap equal to it, a CPU quota, a pids
limit and ``nofile``/``fsize``/``core`` ulimits, each within the operator's caps.
Its only writable places are ``/work`` (a size-capped tmpfs volume), ``/tmp`` (a
size-capped tmpfs) and the tools' ``/cache``. Nothing of the host's environment
enters. The container and its volume are removed whatever happens; both carry
the labels by which the reaper (``engine.reap``, run once per process before the
first container) finds what a crashed grader left.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container
from docker.types import Ulimit

from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.sandbox.docker.engine import connect, labels_for, reap
from grader.sandbox.docker.layout import (
    CACHE,
    CACHE_SIZE,
    INIT,
    OPEN_FILES,
    PYTHON,
    TMP,
    TOOLS,
    WORK,
)
from grader.sandbox.docker.workspace import DockerWorkspace
from grader.settings import Settings

TOOLS_MEMORY = 768 * 1024**2
"""Memory the grading tools get beside the student's code (the OOM killer takes the biggest)."""


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
        labels = labels_for(deadline)
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
