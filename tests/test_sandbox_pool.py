"""The warm pool of pre-started containers: each is handed out once and destroyed after its
run, dead or stale ones are never handed out but replaced, the pool rides out an engine
that fails or restarts (simulated: the engine here is never restarted), and nothing is left
behind, whether the pool is closed or its worker is killed.

The pool's rules run against a scripted engine (fast); the Docker ones against the real engine.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import requests.exceptions
from support import ROOT
from test_sandbox_docker import CAPS, LIMITS, PROBE_CONTAINER

from grader.sandbox.docker import OWNER_LABEL, POOL_LABEL, DockerSandbox, connect, lockdown, reap
from grader.sandbox.docker.lockdown import Shape, Started
from grader.sandbox.docker.pool import WarmPool
from grader.sandbox.protocol import Command
from grader.settings import Settings

SHAPE = Shape("sha256:image", 1024, 1.0, 64, 2048)
OTHER = Shape("sha256:image", 2048, 1.0, 64, 2048)


def eventually(condition: Callable[[], object], within: float = 60.0) -> None:
    """Wait until ``condition()`` holds (polled); fail when it still does not after ``within`` s."""
    give_up = time.monotonic() + within
    while not condition():
        assert time.monotonic() < give_up, "the condition never held"
        time.sleep(0.01)


# -- the pool's rules, against a scripted engine ----------------------------------------------


@dataclass(eq=False)
class FakeWarm:
    id: str
    shape: Shape
    fresh_until: float
    running: bool = True
    discarded: bool = False

    def alive(self) -> bool:
        return self.running and not self.discarded

    def discard(self) -> None:
        self.discarded = True


@dataclass
class FakeEngine:
    """Starts fake containers; ``down`` makes it fail like an engine that is not answering."""

    clock: list[float] = field(default_factory=lambda: [1000.0])
    down: bool = False
    started: list[FakeWarm] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, shape: Shape) -> FakeWarm:
        if self.down:
            raise requests.exceptions.ConnectionError("the engine is down")
        with self.lock:
            warm = FakeWarm(f"c{next(self.ids)}", shape, self.clock[0] + 600)
            self.started.append(warm)
        return warm

    def live(self) -> list[FakeWarm]:
        with self.lock:
            return [warm for warm in self.started if not warm.discarded]


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def pool(engine: FakeEngine) -> Iterator[WarmPool[FakeWarm]]:
    made = WarmPool(engine.start, 2, first_pause=0.01, clock=lambda: engine.clock[0])
    yield made
    made.close()


def test_a_container_is_handed_out_once_and_replaced(
    pool: WarmPool[FakeWarm], engine: FakeEngine
) -> None:
    """Every container taken is one never taken before; the pool refills behind each take."""
    pool.want(SHAPE)
    taken: list[FakeWarm] = []
    for _ in range(6):
        eventually(lambda: pool.ready(SHAPE) == 2)
        warm = pool.take(SHAPE)
        assert warm is not None and warm.alive()
        taken.append(warm)
    assert len({warm.id for warm in taken}) == 6
    eventually(lambda: pool.ready(SHAPE) == 2)
    assert len([warm for warm in engine.live() if warm not in taken]) == 2


def test_a_dead_or_stale_container_is_never_handed_out(
    pool: WarmPool[FakeWarm], engine: FakeEngine
) -> None:
    """After an engine restart the held containers no longer run: take starts none of them,
    the pool destroys them and starts new ones; one past its freshness is treated the same."""
    pool.want(SHAPE)
    eventually(lambda: pool.ready(SHAPE) == 2)
    dead = engine.live()
    for warm in dead:
        warm.running = False
    assert pool.take(SHAPE) is None
    eventually(lambda: all(warm.discarded for warm in dead) and pool.ready(SHAPE) == 2)
    engine.clock[0] += 601  # both held ones are now too old to cover a run
    assert pool.take(SHAPE) is None
    eventually(lambda: pool.ready(SHAPE) == 2 and len(engine.live()) == 2)
    fresh = pool.take(SHAPE)
    assert fresh is not None and fresh not in dead and fresh.fresh_until > engine.clock[0]


def test_the_pool_rides_out_an_engine_that_fails(
    pool: WarmPool[FakeWarm], engine: FakeEngine
) -> None:
    """While the engine fails, take hands out nothing (the caller starts its own) and the
    refill thread keeps trying; once the engine answers, the pool fills again."""
    engine.down = True
    pool.want(SHAPE)
    for _ in range(3):
        assert pool.take(SHAPE) is None
    engine.down = False
    eventually(lambda: pool.ready(SHAPE) == 2)
    assert pool.take(SHAPE) is not None


def test_the_pool_is_bounded_per_shape_and_in_shapes(engine: FakeEngine) -> None:
    """At most ``size`` per shape, for the most recent ``keep_shapes`` shapes: an older shape's
    containers are destroyed, as are those of a shape nobody asked for in an hour."""
    third = Shape("sha256:newer-image", 1024, 1.0, 64, 2048)
    pool = WarmPool(engine.start, 2, keep_shapes=2, first_pause=0.01, clock=lambda: engine.clock[0])
    try:
        pool.want(SHAPE)
        eventually(lambda: pool.ready(SHAPE) == 2)
        pool.want(OTHER)
        eventually(lambda: pool.ready(OTHER) == 2 and len(engine.live()) == 4)
        pool.want(third)
        eventually(lambda: pool.ready(third) == 2 and len(engine.live()) == 4)
        assert pool.ready(SHAPE) == 0
        engine.clock[0] += 3601
        pool.want(SHAPE)
        eventually(lambda: pool.ready(SHAPE) == 2 and len(engine.live()) == 2)
        assert pool.ready(OTHER) == pool.ready(third) == 0
    finally:
        pool.close()


def test_close_leaves_nothing_even_mid_start(engine: FakeEngine) -> None:
    """Closing destroys what the pool holds, and a container still being started when the pool
    closes is destroyed by the thread that started it."""
    release = threading.Event()
    starting = threading.Event()

    def slow_start(shape: Shape) -> FakeWarm:
        if len(engine.started) >= 1:
            starting.set()
            release.wait()
        return engine.start(shape)

    pool = WarmPool(slow_start, 2, first_pause=0.01, clock=lambda: engine.clock[0])
    pool.want(SHAPE)
    starting.wait()
    closer = threading.Thread(target=pool.close)
    closer.start()
    eventually(lambda: pool.take(SHAPE) is None)
    release.set()
    closer.join()
    assert len(engine.started) == 2 and engine.live() == []


def test_a_forked_child_takes_nothing_from_its_parents_pool(
    pool: WarmPool[FakeWarm], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two children forked from one worker would otherwise hand out the same containers."""
    pool.want(SHAPE)
    eventually(lambda: pool.ready(SHAPE) == 2)
    monkeypatch.setattr(os, "getpid", lambda: -1)
    assert pool.take(SHAPE) is None
    monkeypatch.undo()
    assert pool.take(SHAPE) is not None


# -- against the real engine --------------------------------------------------------------------

OWNER = f"{socket.gethostname()}:{os.getpid()}"


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    engine = connect()
    yield engine
    engine.close()


@pytest.fixture
def pooled(client: docker.DockerClient) -> Iterator[DockerSandbox]:
    sandbox = DockerSandbox(client, Settings().sandbox_image, CAPS, pool_size=2)
    yield sandbox
    sandbox.close()
    assert _ours(client) == set(), "the pool left containers behind"
    assert not _our_volumes(client), "the pool left volumes behind"


def _ours(client: docker.DockerClient) -> set[str]:
    """The ids of the pool containers this process made that still exist."""
    found = client.containers.list(
        all=True, filters={"label": [POOL_LABEL, f"{OWNER_LABEL}={OWNER}"]}
    )
    return {str(container.id) for container in found}


def _our_volumes(client: docker.DockerClient) -> list[Any]:
    return client.volumes.list(filters={"label": [POOL_LABEL, f"{OWNER_LABEL}={OWNER}"]})


def _filled(sandbox: DockerSandbox, client: docker.DockerClient) -> set[str]:
    """Wait until the pool holds two containers for ``LIMITS``; the ids of those this process has."""
    pool, shape = sandbox.pool, sandbox.shape(LIMITS)
    assert pool is not None
    sandbox.warm(LIMITS)
    eventually(lambda: pool.ready(shape) == 2)
    return _ours(client)


def _student(workspace: Any, code: str) -> Any:
    run = workspace.run(Command(("python", "-c", code), timeout=20, runs_student_code=True))
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


PLANT = """
import json, pathlib, subprocess
for path in ("/tmp/planted", "/work/out/planted"):
    pathlib.Path(path).write_text("from the last submission")
print(json.dumps(sorted(p.name for p in pathlib.Path("/tmp").iterdir())))
"""
LOOK = """
import json, pathlib
print(json.dumps(sorted(str(p) for d in ("/tmp", "/work/out") for p in pathlib.Path(d).iterdir())))
"""


@pytest.mark.docker
@pytest.mark.slow
def test_a_pooled_container_is_locked_down_used_once_and_destroyed(
    pooled: DockerSandbox, client: docker.DockerClient, tmp_path: Path
) -> None:
    """The next submission gets another container, with nothing the last one left; the used
    one is gone as soon as its run ends; a pooled container is hardened like any other."""
    (tmp_path / "main.py").write_text("print('hello')\n")
    used: list[str] = []
    for turn in range(2):
        before = _filled(pooled, client)
        with pooled.open(tmp_path, LIMITS) as workspace:
            if turn == 0:
                assert _student(workspace, PLANT) == ["planted"]
                seen = _student(workspace, PROBE_CONTAINER)
                assert seen["uid"] == 1000 and seen["cap_eff"] == "0000000000000000"
                assert seen["interfaces"] == ["lo"] and seen["root"] is False
            else:
                assert _student(workspace, LOOK) == []
        gone = before - _ours(client)
        assert len(gone) == 1, "the run did not use exactly one pooled container"
        used.extend(gone)
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(used[-1])
    assert used[0] != used[1]


@pytest.mark.docker
@pytest.mark.slow
def test_the_pool_survives_an_engine_restart(
    pooled: DockerSandbox, client: docker.DockerClient, tmp_path: Path
) -> None:
    """Simulated from outside (the engine is never restarted here): one held container is
    stopped, as a restart leaves them, the other removed. The next run gets neither, and the
    pool destroys the stopped one and fills again with running ones."""
    (tmp_path / "main.py").write_text("print('hello')\n")
    stopped, removed = sorted(_filled(pooled, client))
    client.containers.get(stopped).kill()
    client.containers.get(removed).remove(force=True, v=True)
    with pooled.open(tmp_path, LIMITS) as workspace:
        assert _student(workspace, LOOK) == []
    eventually(lambda: stopped not in _ours(client))
    held = _filled(pooled, client)
    assert len(held) == 2 and held.isdisjoint({stopped, removed})
    assert all(client.containers.get(cid).status == "running" for cid in held)


class FlakyContainers:
    """The engine's containers, failing to create while ``down`` (volumes still work)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = True
        self.attempts = 0

    def create(self, *args: Any, **kwargs: Any) -> Any:
        self.attempts += 1
        if self.down:
            raise requests.exceptions.ConnectionError("the engine is restarting")
        return self.real.create(*args, **kwargs)


@pytest.mark.docker
@pytest.mark.slow
def test_the_pool_rides_out_a_failing_engine(client: docker.DockerClient) -> None:
    """While creating fails, the pool hands out nothing and leaves no half-made container or
    volume; once the engine answers, it fills again."""
    flaky = FlakyContainers(client.containers)
    proxy = type("Proxy", (), {"containers": flaky, "volumes": client.volumes})()
    shape = DockerSandbox(client, Settings().sandbox_image, CAPS).shape(LIMITS)

    def start(wanted: Shape) -> Started:
        return lockdown.start(proxy, wanted, time.time() + 600, pooled=True)

    pool = WarmPool(start, 2, first_pause=0.05)
    try:
        pool.want(shape)
        for _ in range(3):
            assert pool.take(shape) is None
        eventually(lambda: flaky.attempts >= 3 and not _ours(client) and not _our_volumes(client))
        flaky.down = False
        eventually(lambda: pool.ready(shape) == 2)
        warm = pool.take(shape)
        assert warm is not None and warm.alive()
        warm.discard()
    finally:
        pool.close()
    assert _ours(client) == set()


@pytest.mark.docker
@pytest.mark.slow
def test_the_reaper_spares_a_live_pool_and_takes_a_killed_workers(
    pooled: DockerSandbox, client: docker.DockerClient
) -> None:
    """Another grader's reaper leaves a live worker's pool alone; when a worker is killed
    (no chance to close its pool), the reaper removes its containers and volumes."""
    held = _filled(pooled, client)
    reap(client)
    assert held <= _ours(client)
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as worker:
        try:
            assert worker.stdout is not None
            owner = worker.stdout.readline().strip()
            assert owner.endswith(f":{worker.pid}")
        finally:
            worker.kill()
    theirs: dict[str, str | list[str] | bool] = {"label": [POOL_LABEL, f"{OWNER_LABEL}={owner}"]}
    assert client.containers.list(all=True, filters=theirs)
    reap(client)
    assert not client.containers.list(all=True, filters=theirs)
    assert not client.volumes.list(filters=theirs)
    assert held <= _ours(client)


KILLED_WORKER = f"""
import os, socket, time
from grader.sandbox.docker import OWNER_LABEL, from_settings
from grader.rubric.model import Limits
from grader.settings import Settings

sandbox = from_settings(Settings(pool_size=1), pooled=True)
limits = Limits(**{LIMITS.model_dump(mode="json")!r})
sandbox.warm(limits)
while sandbox.pool.ready(sandbox.shape(limits)) < 1:
    time.sleep(0.01)
print(f"{{socket.gethostname()}}:{{os.getpid()}}", flush=True)
time.sleep(600)
"""
