"""Sidecar services beside a sandbox container: a fresh database, cache, broker or object store
per submission.

Each sidecar joins the sandbox container's network namespace (``network_mode=container:``),
as the containers of a Kubernetes pod do: the sandbox was started with no network, so that
namespace holds only ``lo``. The student's code reaches its sidecars at ``127.0.0.1`` and
nothing else; a sidecar reaches nothing at all; two submissions graded at once each have a
namespace of their own. (A user-defined ``internal`` bridge would also work where the engine
runs with its bridge and iptables; it adds an interface and relies on iptables rules to keep
the traffic in, where a namespace with loopback alone has no route to keep closed.)

A sidecar is locked down like the sandbox: no capabilities, ``no-new-privileges``, a read-only
root filesystem with size-capped tmpfs for its data, memory without swap, a CPU quota, a pids
limit, a user that is not root, nothing of the host's environment, and the labels the reaper
goes by (``engine.labels_for``), so a killed grader's sidecars go with its sandbox. They are
started together, each then polled with its own client's readiness probe (``pg_isready``,
``redis-cli ping``...) until it answers; a sidecar that does not answer in time, or has
stopped by the end of the grading, is the platform's failure (``SandboxError``: retried,
never charged to the student).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import docker
import docker.errors
from docker.models.containers import Container

from grader.errors import SandboxError
from grader.rubric.services import Service, ServiceKind
from grader.sandbox.docker.engine import labels_for
from grader.sandbox.docker.layout import TMP
from grader.sandbox.docker.lockdown import ENGINE_GONE

log = logging.getLogger(__name__)

SIDECAR_LABEL = "grader.sidecar"
"""On each sidecar: the kind of service it runs."""
READY_SECONDS = 60.0
"""How long a sidecar may take to answer its readiness probe (RabbitMQ's Erlang boot is the
slowest: a few seconds on 2 cores)."""
PROBE_EVERY = 0.1
"""Seconds between readiness probes."""


@dataclass(frozen=True)
class Recipe:
    """How a kind of service runs: its image, user, writable places, probe and pids."""

    image: str
    user: str
    tmpfs: Mapping[str, str]
    probe: tuple[str, ...]
    """A command run in the sidecar that exits 0 once the service takes connections."""
    answer: str = ""
    """Text the probe's output must hold as well (``redis-cli`` exits 0 on errors)."""
    pids: int = 128


RECIPES: Mapping[ServiceKind, Recipe] = {
    "postgres": Recipe(
        image="grader-service-postgres:latest",
        user="postgres",
        tmpfs={"/pgdata": "size=192m,mode=1777", TMP: "size=16m,mode=1777"},
        probe=("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", "-d", "grader"),
    ),
    "redis": Recipe(
        image="grader-service-redis:latest",
        user="redis",
        tmpfs={TMP: "size=16m,mode=1777"},
        probe=("redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"),
        answer="PONG",
        pids=64,
    ),
    "rabbitmq": Recipe(
        image="grader-service-rabbitmq:latest",
        user="rabbitmq",
        tmpfs={"/rabbitmq": "size=128m,mode=1777", TMP: "size=16m,mode=1777"},
        probe=("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"),  # the listener opens when ready
        pids=512,
    ),
    "s3": Recipe(
        image="grader-service-s3:latest",
        user="1001:1001",
        tmpfs={TMP: "size=64m,mode=1777"},
        probe=("python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:5000/')"),
    ),
}
"""How each service of the catalogue runs; its images are built by ``grader sandbox build``."""


@dataclass
class Sidecars:
    """The sidecars of one sandbox: started together, removed together."""

    client: docker.DockerClient
    running: list[tuple[Service, Container]]

    @classmethod
    def start(
        cls,
        client: docker.DockerClient,
        sandbox: Container,
        services: tuple[Service, ...],
        deadline: float,
    ) -> Sidecars:
        """Start ``services`` in ``sandbox``'s network namespace and wait until each answers;
        SandboxError (with nothing left behind) when one cannot start or does not answer."""
        sidecars = cls(client, [])
        try:
            for service in services:
                sidecars.running.append((service, _start(client, sandbox, service, deadline)))
            started = time.monotonic()
            for service, container in sidecars.running:
                _wait_ready(service, container, started + READY_SECONDS)
        except BaseException:
            sidecars.remove()
            raise
        return sidecars

    def check_alive(self) -> None:
        """SandboxError naming each sidecar that stopped while the submission was graded."""
        dead = []
        for service, container in self.running:
            try:
                state = self.client.api.inspect_container(str(container.id))["State"]
            except ENGINE_GONE:
                dead.append(f"{service.kind} (gone)")
                continue
            if not state.get("Running"):
                why = "out of memory" if state.get("OOMKilled") else f"exit {state.get('ExitCode')}"
                dead.append(f"{service.kind} ({why})")
        if dead:
            raise SandboxError(
                f"a sidecar service stopped during the grading: {', '.join(dead)}; "
                "the submission is graded again"
            )

    def remove(self) -> None:
        """Remove every sidecar; what cannot be removed now, the reaper removes."""
        for _, container in self.running:
            with contextlib.suppress(*ENGINE_GONE):
                container.remove(force=True, v=True)
        self.running.clear()


def _start(
    client: docker.DockerClient, sandbox: Container, service: Service, deadline: float
) -> Container:
    recipe = RECIPES[service.kind]
    try:
        image = client.images.get(recipe.image)
    except docker.errors.ImageNotFound:
        raise SandboxError(
            f"the {service.kind} service image {recipe.image} is missing: build it with "
            f"`grader sandbox build --service {service.kind}`"
        ) from None
    memory = service.memory_bytes
    try:
        container = client.containers.create(
            str(image.id),
            name=f"{sandbox.name}-{service.kind}",
            user=recipe.user,
            network_mode=f"container:{sandbox.id}",
            read_only=True,
            tmpfs=dict(recipe.tmpfs),
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=memory,
            memswap_limit=memory,
            nano_cpus=int(service.cpus * 1e9),
            pids_limit=recipe.pids,
            labels=labels_for(deadline) | {SIDECAR_LABEL: service.kind},
            environment={},
            stop_signal="SIGKILL",
        )
    except docker.errors.APIError as exc:
        raise SandboxError(
            f"cannot create the {service.kind} sidecar: {exc.explanation or exc}"
        ) from None
    try:
        container.start()
    except docker.errors.APIError as exc:
        with contextlib.suppress(*ENGINE_GONE):
            container.remove(force=True, v=True)
        raise SandboxError(
            f"cannot start the {service.kind} sidecar: {exc.explanation or exc}"
        ) from None
    return container


def _wait_ready(service: Service, container: Container, until: float) -> None:
    recipe = RECIPES[service.kind]
    said = ""
    while time.monotonic() < until:
        try:
            code, output = container.exec_run(list(recipe.probe), user=recipe.user)
        except docker.errors.APIError as exc:  # the sidecar stopped: say what it said
            said = _logs(container) or str(exc.explanation or exc)
            break
        said = output.decode("utf-8", "replace").strip() if isinstance(output, bytes) else ""
        if code == 0 and recipe.answer in said:
            return
        time.sleep(PROBE_EVERY)
    raise SandboxError(
        f"the {service.kind} sidecar did not answer within {READY_SECONDS:.0f} s"
        + (f": {said[-300:]}" if said else "")
    )


def _logs(container: Container) -> str:
    with contextlib.suppress(*ENGINE_GONE):
        return bytes(container.logs(tail=5)).decode("utf-8", "replace").strip()
    return ""
