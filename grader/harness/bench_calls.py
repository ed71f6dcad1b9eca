"""One timed call, for ``bench_runner.py``: the clocks, the limits, the imports of each side.

Stdlib only: it runs inside the sandbox beside the runner, which loads it by path (the
sandbox's interpreter has no grader package). Its frames, like the runner's, are cut from the
tracebacks a student reads.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib
import importlib.util
import os
import resource
import signal
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

Function = Callable[..., Any]
_THREAD_TIME = time.thread_time
_PROCESS_TIME = time.process_time
_RUSAGE = resource.getrusage
HARNESS_FOLDER = Path(__file__).resolve().parent
OFF_THREAD_SLACK = 0.02
"""Seconds the process clock may run ahead of the calling thread's before the difference counts
as work done off the thread (the process clock ticks coarsely while a CPU rlimit is set)."""
TRACE_LIMIT = 1500
"""Characters of a traceback kept for the report."""


class CpuClock:
    """CPU seconds of one call: the calling thread's, or the whole process's when the call did
    real work in other threads or in children it waited for.

    CPU time, not wall time: on a shared host a call is preempted at random, and the longer it
    runs the more it is, which skews both the ratio and the growth; the CPU it used does not
    change with the neighbours. The thread's clock is the precise one (with a CPU rlimit set,
    Linux updates the process-wide clock only at each scheduler tick, about 4 ms); the process
    clock and the reaped children's times catch work handed to threads or processes. The
    clocks are bound at import, so the measured code replacing them changes nothing here.
    """

    def __init__(self) -> None:
        self.thread = _THREAD_TIME()
        self.process = self._process()

    @staticmethod
    def _process() -> float:
        children = _RUSAGE(resource.RUSAGE_CHILDREN)
        return _PROCESS_TIME() + children.ru_utime + children.ru_stime

    def elapsed(self) -> float:
        """CPU seconds since the clock was made."""
        thread = _THREAD_TIME() - self.thread
        process = self._process() - self.process
        return process if process - thread > max(OFF_THREAD_SLACK, 0.25 * thread) else thread


class CallTimeout(BaseException):  # `except Exception` in the measured code cannot swallow it
    """One call went over a limit: ``cpu`` when its CPU time did, else its wall time."""

    def __init__(self, cpu: bool) -> None:
        super().__init__("cpu" if cpu else "wall")
        self.cpu = cpu


class Failure(Exception):
    """The student's side failed: ``kind`` is import, exception, wrong, timeout, stopped or budget."""

    def __init__(self, kind: str, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.size = size


class RubricFault(Exception):
    """The rubric's side (generator, comparison, reference) failed: the instructor's problem."""


def on_limit(signum: int, _frame: FrameType | None) -> None:
    """The handler of both timers' signals (install it for SIGALRM and SIGPROF)."""
    raise CallTimeout(cpu=signum == signal.SIGPROF)


@dataclass(frozen=True)
class Limits:
    """How long one call may run: CPU seconds (``SIGPROF``) and wall seconds (``SIGALRM``)."""

    wall: float | None = None
    cpu: float | None = None


def short_traceback() -> str:
    """The current exception's traceback without the harness's frames, paths made relative."""
    error = sys.exc_info()[1]
    if error is None:
        return ""
    summary = traceback.TracebackException.from_exception(error)
    frames = [
        frame for frame in summary.stack if Path(frame.filename).resolve().parent != HARNESS_FOLDER
    ]
    summary.stack = traceback.StackSummary.from_list(frames)
    text = "".join(summary.format())
    for root in (str(Path.cwd()), str(HARNESS_FOLDER)):
        text = text.replace(root + os.sep, "")
    return text[-TRACE_LIMIT:]


def import_from(root: Path, module: str, name: str) -> Function:
    """``module.name`` imported from ``root``; the modules loaded from there leave ``sys.modules``."""
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        loaded = importlib.import_module(module)
        function = getattr(loaded, name)
    finally:
        sys.path.remove(str(root))
        prefix = str(root) + os.sep
        for key in set(sys.modules) - before:
            origin = getattr(sys.modules[key], "__file__", None) or ""
            if origin.startswith(prefix):
                del sys.modules[key]
    if not callable(function):
        raise TypeError(f"{module}.{name} is not a function")
    return function  # type: ignore[no-any-return]


def load_file(path: Path, name: str) -> Function:
    """``name`` from the Python file at ``path`` (the rubric's ``bench.py``)."""
    spec = importlib.util.spec_from_file_location(f"_grader_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise RubricFault(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # so what it defines can be pickled (multiprocessing)
    spec.loader.exec_module(module)
    return getattr(module, name)  # type: ignore[no-any-return]


def _consume(result: Any, keep: bool) -> Any:
    if isinstance(result, Iterator):
        if keep:
            return list(result)
        collections.deque(result, maxlen=0)
        return None
    return result


@contextlib.contextmanager
def _limited(limits: Limits) -> Iterator[None]:
    """Raise ``CallTimeout`` in this thread once the call is over either limit (None: none)."""
    if limits.wall is not None:
        signal.setitimer(signal.ITIMER_REAL, limits.wall)
    if limits.cpu is not None:
        signal.setitimer(signal.ITIMER_PROF, limits.cpu)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)


def timed_call(function: Function, args: tuple[Any, ...], limits: Limits) -> tuple[float, Any]:
    """CPU seconds one call took (its iterator consumed), and its result."""
    gc.collect()
    with _limited(limits):
        clock = CpuClock()
        result = _consume(function(*args), keep=True)
        elapsed = clock.elapsed()
    return elapsed, result


def peak_memory(function: Function, args: tuple[Any, ...], limits: Limits) -> int:
    """Bytes one call allocated at its peak, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        with _limited(limits):
            baseline = tracemalloc.get_traced_memory()[0]
            _consume(function(*args), keep=False)
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(0, peak - baseline)
