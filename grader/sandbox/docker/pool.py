"""A worker's warm pool: a few pre-started containers, so a submission's container is not
created and started while its student waits.

- **Used once.** ``take`` removes a container from the pool for good; the sandbox destroys
  it when its run ends. A container is never handed out twice, nor by two processes: a
  forked child takes nothing from the pool it inherited.
- **Only live ones.** A container that no longer runs (the engine restarted, someone removed
  it) or that sat in the pool too long is never handed out: it is destroyed and replaced.
  ``take`` checks the one it hands out; the refill thread checks the others now and then.
- **Bounded.** At most ``size`` containers per shape (the image and the limits a container is
  made with, ``lockdown.Shape``), for the few shapes asked for most recently; a shape not
  asked for in a while is forgotten and its containers destroyed.
- **Refilled in the background**, one container at a time, by one thread per pool; when the
  engine fails it backs off and tries again, and meanwhile ``take`` returns None so the
  caller starts a container itself, as without a pool.
- **Nothing left behind.** ``close`` destroys what the pool holds; a worker that dies leaves
  its containers to the reaper, which goes by their labels like any sandbox container's.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from grader.sandbox.docker.lockdown import Shape

log = logging.getLogger(__name__)

KEEP_SHAPES = 3
"""Shapes a pool keeps containers for: the most recently asked for (rubrics mostly share one)."""
FORGET_AFTER = 3600.0
"""Seconds after which a shape nobody asked for is forgotten (an old image, last week's rubric)."""
CHECK_EVERY = 30.0
"""Seconds between the refill thread's checks that the containers it holds still run."""
MAX_PAUSE = 30.0
"""The longest the refill thread waits before trying again after the engine failed."""
CLOSE_WAIT = 60.0
"""Seconds ``close`` waits for a container being started; the thread then removes it itself."""


class Warm(Protocol):
    """A started container as the pool sees it."""

    @property
    def id(self) -> str:
        """The container's id."""
        ...

    @property
    def shape(self) -> Shape:
        """What it was made with."""
        ...

    @property
    def fresh_until(self) -> float:
        """The wall-clock time until which it may be handed out."""
        ...

    def alive(self) -> bool:
        """True when the engine still runs it."""
        ...

    def discard(self) -> None:
        """Destroy it (quietly when it or the engine is gone)."""
        ...


W = TypeVar("W", bound=Warm)


class WarmPool(Generic[W]):
    """Pre-started containers by shape; ``start(shape)`` makes one, ``take(shape)`` hands one out."""

    def __init__(
        self,
        start: Callable[[Shape], W],
        size: int,
        *,
        keep_shapes: int = KEEP_SHAPES,
        check_every: float = CHECK_EVERY,
        first_pause: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._start = start
        self._size = size
        self._keep = keep_shapes
        self._check_every = check_every
        self._first_pause = first_pause
        self._clock = clock
        self._pid = os.getpid()
        self._ready: dict[Shape, deque[W]] = {}
        self._wanted: dict[Shape, float] = {}
        """Shapes asked for and when, least recent first."""
        self._doomed: list[W] = []
        self._handed: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._checked = clock()

    # -- what a sandbox calls -----------------------------------------------------------

    def take(self, shape: Shape) -> W | None:
        """A running container of ``shape`` never handed out before, or None when the pool has
        none ready (the caller then starts one itself); the pool starts a replacement."""
        if os.getpid() != self._pid:
            return None
        self.want(shape)
        while True:
            with self._lock:
                queue = self._ready.get(shape)
                if self._closed.is_set() or not queue:
                    return None
                warm = queue.popleft()
            fresh = warm.id not in self._handed and self._clock() < warm.fresh_until
            if fresh and warm.alive():
                with self._lock:
                    self._handed.add(warm.id)
                return warm
            with self._lock:
                self._doomed.append(warm)
            self._wake.set()

    def want(self, shape: Shape) -> None:
        """Keep containers of ``shape`` ready from now on (``take`` asks for its own shape)."""
        if os.getpid() != self._pid:
            return
        with self._lock:
            if self._closed.is_set():
                return
            self._wanted.pop(shape, None)
            self._wanted[shape] = self._clock()
            while len(self._wanted) > self._keep:
                self._forget(next(iter(self._wanted)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="grader-pool", daemon=True)
                self._thread.start()
                atexit.register(self.close)
        self._wake.set()

    def ready(self, shape: Shape) -> int:
        """How many containers of ``shape`` the pool holds (not checked: they may have died)."""
        with self._lock:
            return len(self._ready.get(shape, ()))

    def close(self) -> None:
        """Stop refilling and destroy every container the pool holds; taken ones are the taker's."""
        with self._lock:
            self._closed.set()
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT)
        with self._lock:
            leftovers = [warm for queue in self._ready.values() for warm in queue] + self._doomed
            self._ready.clear()
            self._doomed = []
        for warm in leftovers:
            warm.discard()
        atexit.unregister(self.close)

    # -- the refill thread --------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._closed.is_set():
            self._wake.clear()
            try:
                busy = self._tend()
            except Exception as exc:  # the engine failed, whichever way: try again later
                failures += 1
                pause = min(MAX_PAUSE, self._first_pause * 2 ** (failures - 1))
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "the sandbox pool cannot start a container (%s); retrying", exc)
                self._closed.wait(pause)
                continue
            failures = 0
            if not busy:
                self._wake.wait(self._check_every)

    def _tend(self) -> bool:
        """One step of upkeep: destroy what must go, check the pool, or start one container;
        False when there was nothing to do."""
        self._forget_stale()
        with self._lock:
            doomed, self._doomed = self._doomed, []
        for warm in doomed:
            warm.discard()
        if self._clock() - self._checked >= self._check_every:
            self._check()
        return self._fill() or bool(doomed)

    def _check(self) -> None:
        """Destroy held containers that died (an engine restart) or will soon be too old."""
        self._checked = self._clock()
        with self._lock:
            held = [warm for queue in self._ready.values() for warm in queue]
        for warm in held:
            if warm.fresh_until - self._check_every > self._clock() and warm.alive():
                continue
            with self._lock:
                queue = self._ready.get(warm.shape)
                if queue is None or warm not in queue:
                    continue  # taken meanwhile: ``take`` checks it itself
                queue.remove(warm)
            warm.discard()

    def _fill(self) -> bool:
        """Start one container for the most recently wanted shape short of ``size``."""
        with self._lock:
            short = [s for s in self._wanted if len(self._ready.get(s, ())) < self._size]
        if not short:
            return False
        shape = short[-1]
        warm = self._start(shape)
        with self._lock:
            kept = not self._closed.is_set() and shape in self._wanted
            if kept:
                self._ready.setdefault(shape, deque()).append(warm)
        if not kept:
            warm.discard()
        return True

    def _forget_stale(self) -> None:
        with self._lock:
            limit = self._clock() - FORGET_AFTER
            for shape in [s for s, asked in self._wanted.items() if asked < limit]:
                self._forget(shape)

    def _forget(self, shape: Shape) -> None:
        """Stop keeping ``shape``; its containers are destroyed by the thread (lock held)."""
        del self._wanted[shape]
        self._doomed.extend(self._ready.pop(shape, ()))
