"""The Docker engine: connecting to it, what it runs, and reaping what a dead grader left.

Every container and volume the sandbox makes is labelled with the run's deadline and the
process that made it, so a reaper can remove the leftovers of a crashed grader: once that
process is gone, or once the deadline is well past.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time

import docker
import docker.errors
import requests.exceptions

from grader.errors import SandboxError

log = logging.getLogger(__name__)

LABEL = "grader.sandbox"
"""Every container and volume the sandbox makes carries this label (and a deadline)."""
DEADLINE_LABEL = "grader.deadline"
OWNER_LABEL = "grader.owner"
"""``host:pid`` of the process that made the container: the reaper removes it once that
process is gone, without waiting for the deadline."""
POOL_LABEL = "grader.pool"
"""On the containers a worker's warm pool keeps ready (``pool``); the reaper treats them like
any other: their deadline covers their time in the pool and one whole run."""
API_VERSION = "1.41"
"""Docker 20.10's API; newer engines serve it too. Fixed, so connecting asks the engine nothing
(version auto-detection leaks a socket when no engine answers)."""
REAP_AFTER = 60
"""Seconds past its deadline after which a labelled container is a leftover."""


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


def labels_for(deadline: float) -> dict[str, str]:
    """The labels of a container and its volume: ours, the run's deadline and its maker."""
    return {LABEL: "1", DEADLINE_LABEL: f"{deadline:.0f}", OWNER_LABEL: _owner()}


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
