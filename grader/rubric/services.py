"""The sidecar services a rubric may ask for (``services:``) and what each offers the steps.

Each submission's grading gets its own fresh copy of every service its rubric names, started
beside its sandbox and reachable only from it, on the sandbox's own loopback
(``127.0.0.1``): the sandbox has no network interface but ``lo``, so nothing else can reach
the service and the service reaches nothing. Every step of the grading (the student's code,
the hidden tests, the tools) is handed the service's connection settings as environment
variables, the same every time, so a hidden test reads the state the student's code left
(the table an ETL wrote, the queue, the bucket).

The catalogue is what this grader builds (``grader sandbox build``): one version of each,
Debian bookworm's packages (PostgreSQL, Redis, RabbitMQ) or a locked PyPI wheel (moto's S3
server). A rubric may name the version it was written for; another is refused when the
rubric is loaded, naming the one on offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from grader.rubric.model import RubricModel, SandboxBytes

ServiceKind = Literal["postgres", "redis", "rabbitmq", "s3"]
Variant = Literal["spark"]
"""A heavier sandbox a rubric may ask for (``image:``): ``spark`` adds a Java runtime from
Debian (OpenJDK 17) and PySpark 4.3 for local mode to the standard sandbox."""

VARIANT_ENV: Mapping[Variant, Mapping[str, str]] = {
    # The sandbox has no network and its hostname resolves to nothing: Spark's driver
    # binds to the loopback and names itself `localhost`.
    # A JVM reserves far more address space than it uses, and each student process is held
    # to the rubric's memory in address space too (RLIMIT_AS): its reservations are capped.
    "spark": {
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_HOSTNAME": "localhost",
        "MALLOC_ARENA_MAX": "2",
        "JAVA_TOOL_OPTIONS": (
            "-Xmx1g -Xss1m -XX:ReservedCodeCacheSize=128m -XX:CompressedClassSpaceSize=256m "
            "-XX:MaxMetaspaceSize=384m -XX:+UseSerialGC"
        ),
    },
}
"""What every step of a grading in a variant is told beyond the standard sandbox's."""


@dataclass(frozen=True)
class Offer:
    """One service of the catalogue: its version, what the steps are told (where it listens
    on the sandbox's loopback, among it) and its default memory."""

    version: str
    env: Mapping[str, str]
    """The connection settings every step gets."""
    memory: int
    """The memory it gets unless the rubric says otherwise (bytes)."""


_MIB = 1024 * 1024
# One grading's own server, reachable from its sandbox alone: a name, not a secret.
THROWAWAY = "grader"

CATALOGUE: Mapping[ServiceKind, Offer] = {
    "postgres": Offer(
        "15",
        {
            "DATABASE_URL": "postgresql://grader:grader@127.0.0.1:5432/grader",
            "PGHOST": "127.0.0.1",
            "PGPORT": "5432",
            "PGUSER": "grader",
            "PGPASSWORD": "grader",
            "PGDATABASE": "grader",
        },
        256 * _MIB,
    ),
    "redis": Offer("7.0", {"REDIS_URL": "redis://127.0.0.1:6379/0"}, 128 * _MIB),
    "rabbitmq": Offer("3.10", {"AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F"}, 384 * _MIB),
    "s3": Offer(
        "moto 5",
        {
            "S3_ENDPOINT_URL": "http://127.0.0.1:5000",
            "AWS_ACCESS_KEY_ID": "grader",
            "AWS_SECRET_ACCESS_KEY": THROWAWAY,
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        256 * _MIB,
    ),
}
"""The services on offer, by kind."""

MAX_SERVICES = 4


class Service(RubricModel):
    """A sidecar service every submission's grading gets a fresh copy of."""

    kind: ServiceKind
    """`postgres`, `redis`, `rabbitmq` or `s3` (an S3-compatible server)."""
    version: str | None = None
    """The version the rubric was written for (checked against the one on offer: PostgreSQL
    `15`, Redis `7.0`, RabbitMQ `3.10`, S3 `moto 5`); unset: the one on offer."""
    memory: SandboxBytes | None = None
    """Its memory, e.g. `256MiB` (default: PostgreSQL 256 MiB, Redis 128 MiB, RabbitMQ 384 MiB,
    S3 256 MiB)."""
    cpus: float = Field(default=0.5, gt=0, le=4)
    """The CPU cores it may use."""

    @model_validator(mode="after")
    def _offered(self) -> Service:
        offered = CATALOGUE[self.kind].version
        if self.version is not None and self.version != offered:
            raise ValueError(
                f"{self.kind} {self.version} is not offered: this grader runs {self.kind} {offered}"
            )
        return self

    @property
    def offer(self) -> Offer:
        """What the catalogue says of this kind."""
        return CATALOGUE[self.kind]

    @property
    def described(self) -> str:
        """E.g. ``postgres 15`` (what the report names)."""
        return f"{self.kind} {self.offer.version}"

    @property
    def memory_bytes(self) -> int:
        """The memory it gets."""
        return int(self.memory) if self.memory is not None else self.offer.memory


def unique_kinds(services: tuple[Service, ...]) -> tuple[Service, ...]:
    """Each kind at most once (they would share a port on the sandbox's loopback)."""
    kinds = [service.kind for service in services]
    twice = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if twice:
        raise ValueError(f"a service may be named once: {', '.join(twice)} is named twice")
    return services


def service_env(services: tuple[Service, ...], variant: Variant | None = None) -> dict[str, str]:
    """What every step of a grading with ``services`` (in ``variant``) is told: the services'
    connection settings and the variant's own."""
    env: dict[str, str] = dict(VARIANT_ENV.get(variant, {})) if variant else {}
    for service in services:
        env.update(service.offer.env)
    return env


__all__ = [
    "CATALOGUE",
    "MAX_SERVICES",
    "VARIANT_ENV",
    "Offer",
    "Service",
    "ServiceKind",
    "Variant",
    "service_env",
    "unique_kinds",
]
