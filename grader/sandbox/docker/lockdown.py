"""Starting one locked-down container, and destroying it.

The container has no network, no capabilities, ``no-new-privileges``, a read-only root
filesystem, memory with swap equal to it, a CPU quota, a pids limit and
``nofile``/``fsize``/``core`` ulimits. Its only writable places are ``/work`` (a
size-capped tmpfs volume of its own), ``/tmp`` (a size-capped tmpfs) and the tools'
``/cache``. Nothing of the host's environment enters. Both the container and its volume
carry the labels the reaper goes by (``engine.labels_for``).

All of that is fixed when the container is created, so a container fits a run only if its
``Shape`` (the image and the limits it was made with) is the run's: the warm pool keys its
containers by it.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container
from docker.models.volumes import Volume
from docker.types import Ulimit

from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.sandbox.docker.engine import POOL_LABEL, labels_for
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

log = logging.getLogger(__name__)

TOOLS_MEMORY = 768 * 1024**2
"""Memory the grading tools get beside the student's code (the OOM killer takes the biggest)."""
ENGINE_GONE = (docker.errors.NotFound, docker.errors.APIError, requests.exceptions.RequestException)
"""What removing a container may raise when it or the engine is gone: the reaper finishes the job."""


@dataclass(frozen=True)
class Shape:
    """What a container is made with and cannot change after: its image and its limits
    (memory, CPUs and pids could be updated on a running container, but not the sizes of
    its tmpfs mounts, its volume or its ``fsize`` limit)."""

    image_id: str
    memory: int
    cpus: float
    pids: int
    disk: int

    @classmethod
    def of(cls, image_id: str, limits: Limits) -> Shape:
        """The shape of a container for ``limits`` (already within the operator's caps)."""
        return cls(image_id, int(limits.memory), limits.cpus, limits.pids, int(limits.disk))


@dataclass(frozen=True)
class Started:
    """A started container of one shape, with its work volume; used by one run, then destroyed."""

    container: Container
    volume: Volume
    shape: Shape
    fresh_until: float
    """Wall-clock time after which a pooled container is too old to hand out: its labelled
    deadline then no longer covers a whole run, and the reaper would take it mid-run."""

    @property
    def id(self) -> str:
        """The container's id."""
        return str(self.container.id)

    def alive(self) -> bool:
        """True when the engine still runs the container (an engine restart stops them all)."""
        try:
            self.container.reload()
        except ENGINE_GONE:
            return False
        return self.container.status == "running"

    def discard(self) -> None:
        """Remove the container and its volume; what cannot be removed now, the reaper removes."""
        with contextlib.suppress(*ENGINE_GONE):
            self.container.remove(force=True, v=True)
        with contextlib.suppress(*ENGINE_GONE):
            self.volume.remove(force=True)


def start(
    client: docker.DockerClient,
    shape: Shape,
    deadline: float,
    *,
    fresh_until: float | None = None,
    pooled: bool = False,
) -> Started:
    """A started container of ``shape`` whose labels let the reaper remove it after ``deadline``;
    SandboxError when the engine refuses (nothing is left behind then)."""
    name = f"grader-{uuid.uuid4().hex[:16]}"
    labels = labels_for(deadline) | ({POOL_LABEL: "1"} if pooled else {})
    try:
        volume = client.volumes.create(
            name=name,
            driver="local",
            driver_opts={"type": "tmpfs", "device": "tmpfs", "o": f"size={shape.disk},mode=0755"},
            labels=labels,
        )
    except docker.errors.APIError as exc:
        raise SandboxError(
            f"cannot create the sandbox's work volume: {exc.explanation or exc}"
        ) from None
    container: Container | None = None
    try:
        memory = shape.memory + TOOLS_MEMORY
        container = client.containers.create(
            shape.image_id,
            command=[PYTHON, "-I", INIT],
            name=name,
            hostname="localhost",  # resolves (/etc/hosts) with no network: Java asks for it
            user=TOOLS,
            working_dir=WORK,
            network_mode="none",
            read_only=True,
            tmpfs={
                TMP: f"size={shape.disk},mode=1777",
                CACHE: f"size={CACHE_SIZE},uid=1001,gid=1001,mode=0700",
            },
            volumes={name: {"bind": WORK, "mode": "rw"}},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=memory,
            memswap_limit=memory,
            nano_cpus=int(shape.cpus * 1e9),
            pids_limit=shape.pids,
            ulimits=[
                Ulimit(name="nofile", soft=OPEN_FILES, hard=OPEN_FILES),
                Ulimit(name="fsize", soft=shape.disk, hard=shape.disk),
                Ulimit(name="core", soft=0, hard=0),
            ],
            labels=labels,
            environment={},
            stop_signal="SIGKILL",
        )
        container.start()
    except BaseException as exc:
        if container is not None:
            with contextlib.suppress(*ENGINE_GONE):
                container.remove(force=True, v=True)
        with contextlib.suppress(*ENGINE_GONE):
            volume.remove(force=True)
        if isinstance(exc, docker.errors.APIError):
            raise SandboxError(f"the Docker engine failed: {exc.explanation or exc}") from None
        raise
    return Started(container, volume, shape, deadline if fresh_until is None else fresh_until)
