"""Times the student's function against the reference's, inside the sandbox, in one process.

The ``benchmark`` check copies this file into the workspace and runs it on the
student's code: ``python bench_runner.py SPEC OUT``. SPEC is a JSON file naming
the function (``module:function``), the two roots it is imported from, the
rubric's input generator and comparison, the sizes, the repeats and the time
limits. It writes one JSON document to OUT.

For every size it makes a fresh input before each call (untimed), then calls
the two sides interleaved (timed in CPU seconds, see ``CpuClock``), alternating which goes first (R S S R R S ...), and
keeps the best time of each: a noisy neighbour slows both sides alike. Results
of the first round are compared. Then one call per side at the largest size
runs under ``tracemalloc`` for the peak memory it allocates. An iterator result
is consumed inside the timed region (into a list; drained without keeping it
for memory).

Stdlib only, and the student's function never sees this module's state: each
side's modules are imported from its root and then dropped from
``sys.modules``, so the two can share module names.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib
import importlib.util
import inspect
import json
import math
import os
import resource
import signal
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

Function = Callable[..., Any]
_THREAD_TIME = time.thread_time
_PROCESS_TIME = time.process_time
_RUSAGE = resource.getrusage
OFF_THREAD_SLACK = 0.02
"""Seconds the process clock may run ahead of the calling thread's before the difference counts
as work done off the thread (the process clock ticks coarsely while a CPU rlimit is set)."""


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


TRACE_LIMIT = 1500
"""Characters of a traceback kept for the report."""


class CallTimeout(
    BaseException
):  # a BaseException: `except Exception` in the measured code cannot swallow it
    """One call took longer than its limit."""


class Failure(Exception):
    """The student's side failed: ``kind`` is import, exception, wrong, timeout or budget."""

    def __init__(self, kind: str, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.size = size


class RubricFault(Exception):
    """The rubric's side (generator, comparison, reference) failed: the instructor's problem."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise CallTimeout


def _short_traceback() -> str:
    """The current exception's traceback without this runner's frames, paths made relative."""
    error = sys.exc_info()[1]
    if error is None:
        return ""
    summary = traceback.TracebackException.from_exception(error)
    frames = [frame for frame in summary.stack if frame.filename != __file__]
    summary.stack = traceback.StackSummary.from_list(frames)
    text = "".join(summary.format())
    for root in (str(Path.cwd()), str(Path(__file__).parent)):
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
def _deadline(limit: float | None) -> Iterator[None]:
    """Raise ``CallTimeout`` in this thread after ``limit`` seconds (None: no limit)."""
    if limit is None:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def timed_call(function: Function, args: tuple[Any, ...], limit: float | None) -> tuple[float, Any]:
    """Seconds one call took (its iterator consumed), and its result."""
    gc.collect()
    with _deadline(limit):
        clock = CpuClock()
        result = _consume(function(*args), keep=True)
        elapsed = clock.elapsed()
    return elapsed, result


def peak_memory(function: Function, args: tuple[Any, ...], limit: float | None) -> int:
    """Bytes one call allocated at its peak, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        with _deadline(limit):
            baseline = tracemalloc.get_traced_memory()[0]
            _consume(function(*args), keep=False)
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(0, peak - baseline)


def slope(sizes: list[int], times: list[float]) -> float | None:
    """Least-squares slope of log(time) against log(size): 1 for linear, 2 for quadratic."""
    points = [(math.log(n), math.log(t)) for n, t in zip(sizes, times, strict=True) if t > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


class Runner:
    """One benchmark: the two sides, the inputs, and the limits."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.started = time.monotonic()
        self.budget = float(spec["budget"])
        self.call_timeout = float(spec["call_timeout"])
        self.skip_factor = float(spec["skip_factor"])
        rubric = Path(spec["rubric_root"])
        try:
            inputs_file, _, inputs_name = spec["inputs"].rpartition(":")
            self.make_input = load_file(rubric / inputs_file, inputs_name)
            self.per_round = len(inspect.signature(self.make_input).parameters) >= 2
            self.same: Callable[[Any, Any], bool] = _equal
            if spec.get("compare"):
                compare_file, _, compare_name = spec["compare"].rpartition(":")
                self.same = load_file(rubric / compare_file, compare_name)
            module, _, name = spec["call"].partition(":")
            self.reference = import_from(Path(spec["reference_root"]).resolve(), module, name)
        except Exception as exc:
            raise RubricFault(f"the rubric's benchmark cannot start: {_short_traceback()}") from exc
        try:
            self.student = import_from(Path(spec["student_root"]).resolve(), module, name)
        except Exception as exc:
            raise Failure(
                "import", f"cannot import {spec['call']} from your code:\n{_short_traceback()}"
            ) from exc

    def arguments(self, size: int, round_: int = 0) -> tuple[Any, ...]:
        """A fresh input of ``size`` (the rubric's generator), as positional arguments.

        A generator that takes a second parameter gets the round number, so it can make a
        different input each round and a cache of results cannot turn repeats into hits.
        """
        try:
            args = self.make_input(size, round_) if self.per_round else self.make_input(size)
        except Exception as exc:
            raise RubricFault(f"the rubric's input generator failed: {_short_traceback()}") from exc
        return tuple(args) if isinstance(args, tuple) else (args,)

    def _check_budget(self, size: int) -> None:
        if time.monotonic() - self.started > self.budget:
            raise Failure(
                "budget",
                f"the benchmark ran out of its {self.budget:.0f} s before size {size:,} was measured",
                size,
            )

    def reference_call(self, size: int, round_: int) -> tuple[float, Any]:
        """Time one call of the reference."""
        try:
            return timed_call(self.reference, self.arguments(size, round_), None)
        except RubricFault:
            raise
        except Exception as exc:
            raise RubricFault(
                f"the reference failed at size {size:,}: {_short_traceback()}"
            ) from exc

    def student_call(self, size: int, round_: int) -> tuple[float, Any]:
        """Time one call of the student's function."""
        self._check_budget(size)
        args = self.arguments(size, round_)
        with _student_failures(size, self.call_timeout):
            return timed_call(self.student, args, self.call_timeout)

    def compare(self, size: int, mine: Any, theirs: Any) -> None:
        """Raise ``Failure`` when the student's result differs from the reference's."""
        try:
            agree = bool(self.same(mine, theirs))
        except Exception as exc:
            raise RubricFault(f"the rubric's comparison failed: {_short_traceback()}") from exc
        if not agree:
            shown = repr(mine)
            raise Failure(
                "wrong",
                f"your result differs from the reference's at size {size:,}: yours starts "
                f"{shown[:200]}{'...' if len(shown) > 200 else ''}",
                size,
            )

    def measure_size(self, size: int) -> tuple[float, float]:
        """Best reference and student times at one size, interleaved, the first results compared."""
        best_reference = best_student = math.inf
        for round_ in range(int(self.spec["repeat"])):
            order = ("reference", "student") if round_ % 2 == 0 else ("student", "reference")
            results: dict[str, Any] = {}
            for side in order:
                call = self.reference_call if side == "reference" else self.student_call
                elapsed, results[side] = call(size, round_)
                if side == "reference":
                    best_reference = min(best_reference, elapsed)
                else:
                    best_student = min(best_student, elapsed)
            if round_ == 0:
                self.compare(size, results["student"], results["reference"])
            del results
            if best_student > self.skip_factor * best_reference:
                break  # far slower already: more rounds cannot change the verdict
        return best_reference, best_student

    def memory(self, size: int) -> tuple[int, int]:
        """Peak allocated bytes of one call per side at ``size``."""
        self._check_budget(size)
        reference = peak_memory(self.reference, self.arguments(size), None)
        limit = 4 * self.call_timeout  # tracemalloc slows every allocation down
        with _student_failures(size, limit):
            student = peak_memory(self.student, self.arguments(size), limit)
        return reference, student


@contextlib.contextmanager
def _student_failures(size: int, limit: float) -> Iterator[None]:
    """Turn what the student's call raised into a ``Failure`` that names the size."""
    try:
        yield
    except CallTimeout:
        raise Failure(
            "timeout", f"one call took longer than {limit:g} s at size {size:,}", size
        ) from None
    except Exception:
        raise Failure(
            "exception", f"your function raised at size {size:,}:\n{_short_traceback()}", size
        ) from None


def _equal(mine: Any, theirs: Any) -> bool:
    return bool(mine == theirs)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Measure, and describe what was measured (and what failed) as a JSON-ready dict."""
    sizes: list[int] = [int(size) for size in spec["sizes"]]
    report: dict[str, Any] = {"sizes": sizes, "reference": [], "student": [], "failure": None}
    try:
        runner = Runner(spec)
        for size in sizes:
            reference, student = runner.measure_size(size)
            report["reference"].append(reference)
            report["student"].append(student)
        if spec.get("memory"):
            report["reference_peak"], report["student_peak"] = runner.memory(sizes[-1])
    except Failure as failure:
        report["failure"] = {"kind": failure.kind, "message": failure.message, "size": failure.size}
    except RubricFault as fault:
        report["rubric_fault"] = str(fault)
    measured = len(report["student"])
    report["reference_slope"] = slope(sizes[:measured], report["reference"][:measured])
    report["student_slope"] = slope(sizes[:measured], report["student"])
    return report


def main() -> None:
    """Read the spec, run the benchmark, write the report."""
    spec_path, out_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, _alarm)
    report = run(spec)
    Path(out_path).write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
