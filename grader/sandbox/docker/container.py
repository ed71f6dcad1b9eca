"""The Docker sandbox: one fresh, disposable container per submission.

Each submission gets a locked-down container of its own (``lockdown``), within the
operator's ``SandboxCaps``, started on the spot or taken from a worker's warm pool
(``pool``). The container and its volume are removed whatever happens; both carry the
labels by which the reaper (``engine.reap``, run once per process before the first
container) finds what a crashed grader left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.rubric.services import Service, Variant
from grader.sandbox.docker import lockdown
from grader.sandbox.docker.engine import connect, reap
from grader.sandbox.docker.extra_images import variant_tag
from grader.sandbox.docker.lockdown import Shape, Started
from grader.sandbox.docker.pool import WarmPool
from grader.sandbox.docker.sidecars import Sidecars
from grader.sandbox.docker.workspace import DockerWorkspace
from grader.settings import Settings

POOL_IDLE = 600.0
"""Seconds a pooled container may wait to be handed out; older ones are replaced."""


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
    """Opens one fresh container per submission from the sandbox image.

    With ``pool_size`` above 0, a warm pool (``pool.WarmPool``) keeps that many containers
    started ahead for each shape of limits recently asked for; ``open`` takes one when it can,
    else starts one as without a pool. ``close`` destroys what the pool holds.
    """

    _reaped = False
    _reap_lock = threading.Lock()

    def __init__(
        self, client: docker.DockerClient, image: str, caps: SandboxCaps, pool_size: int = 0
    ) -> None:
        self._client = client
        self._image = image
        self._caps = caps
        self._pool = WarmPool(self._start_pooled, pool_size) if pool_size > 0 else None

    @property
    def pool(self) -> WarmPool[Started] | None:
        """The warm pool, when there is one."""
        return self._pool

    def shape(self, limits: Limits) -> Shape:
        """The shape of the container ``limits`` get: the image's and the limits within the caps."""
        return Shape.of(self._image_of(None)[1], self._caps.clamp(limits))

    def _image_of(self, variant: Variant | None) -> tuple[str, str]:
        """The image's tag (the sandbox's, or its ``variant``'s) and its id."""
        tag = self._image if variant is None else variant_tag(self._image, variant)
        try:
            return tag, str(self._client.images.get(tag).id)
        except docker.errors.ImageNotFound:
            how = "" if variant is None else f" --variant {variant}"
            raise SandboxError(
                f"the sandbox image {tag} is missing: build it with `grader sandbox build{how}`"
            ) from None

    def _reap_once(self) -> None:
        with DockerSandbox._reap_lock:
            if not DockerSandbox._reaped:
                reap(self._client)
                DockerSandbox._reaped = True

    def _start_pooled(self, shape: Shape) -> Started:
        """A container for the pool: fit to be handed out for ``POOL_IDLE`` seconds, and labelled
        so the reaper leaves it alone until then plus the longest run the caps allow."""
        self._reap_once()
        now = time.time()
        deadline = now + POOL_IDLE + self._caps.run_timeout
        return lockdown.start(
            self._client, shape, deadline, fresh_until=now + POOL_IDLE, pooled=True
        )

    def warm(self, limits: Limits) -> None:
        """Have the pool keep containers ready for ``limits`` (e.g. each course's rubric at a
        worker's start); without a pool, nothing."""
        if self._pool is not None:
            self._pool.want(self.shape(limits))

    def close(self) -> None:
        """Destroy the containers the pool holds (a worker's shutdown); open runs are not touched."""
        if self._pool is not None:
            self._pool.close()

    @contextmanager
    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[Service, ...] = (),
        image: Variant | None = None,
    ) -> Iterator[DockerWorkspace]:
        """A started container (of the variant ``image`` when given) with the submission in
        ``/work/submission`` and ``services`` beside it (``sidecars``); all removed on exit. A
        sidecar found stopped at the end is the platform's failure (``SandboxError``)."""
        self._reap_once()
        tag, image_id = self._image_of(image)
        limits = self._caps.clamp(limits)
        shape = Shape.of(image_id, limits)
        started = self._pool.take(shape) if self._pool is not None else None
        deadline = time.time() + limits.run_timeout
        if started is None:
            started = lockdown.start(self._client, shape, deadline)
        sidecars: Sidecars | None = None
        try:
            if services:
                sidecars = Sidecars.start(self._client, started.container, services, deadline)
            workspace = DockerWorkspace(
                self._client,
                started.container,
                limits,
                deadline,
                image_id,
                tag,
                services=services,
                variant=image,
            )
            with workspace.watchdog():
                workspace.prepare(submission)
                yield workspace
            if sidecars is not None:
                sidecars.check_alive()
        except docker.errors.APIError as exc:
            raise SandboxError(f"the Docker engine failed: {exc.explanation or exc}") from None
        finally:
            if sidecars is not None:
                sidecars.remove()
            started.discard()


def from_settings(settings: Settings, *, pooled: bool = False) -> DockerSandbox:
    """The Docker sandbox the settings describe: the engine, the image and the operator's caps;
    ``pooled`` (a worker, not a one-off command) keeps ``settings.pool_size`` containers warm."""
    caps = SandboxCaps(
        memory=int(settings.max_memory),
        cpus=settings.max_cpus,
        pids=settings.max_pids,
        timeout=settings.max_timeout,
        run_timeout=settings.max_run_timeout,
        disk=int(settings.max_disk),
    )
    pool_size = settings.pool_size if pooled else 0
    return DockerSandbox(connect(), settings.sandbox_image, caps, pool_size)
