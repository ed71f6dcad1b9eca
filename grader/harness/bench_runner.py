"""Times the student's function against the reference's, inside the sandbox, in one process.

The ``benchmark`` check copies this file and its two siblings (``bench_calls.py``,
``bench_verdict.py``) into the workspace and runs it on the student's code:
``python bench_runner.py SPEC OUT``. SPEC is a JSON file naming the function
(``module:function``), the two roots it is imported from, the rubric's input generator and
comparison, the sizes, the repeats, the limits and the thresholds. It writes one JSON
document to OUT.

It measures in rounds: a round makes a fresh input before each call (untimed) and calls the
two sides at every size, interleaved (timed in CPU seconds, see ``CpuClock``), alternating
which goes first (R S, then S R, ...); the best time of each side and size counts, so a noisy
neighbour slows both sides alike. Results of the first round are compared. With ``adaptive``
the rounds end as soon as the verdict is settled (``bench_verdict.settled``), else after
``repeat``. A student's call far slower than the reference's at the same size (``stop_ratio``
times its CPU time) is stopped there: the submission is clearly over budget. Then one call per
side at the largest size runs under ``tracemalloc`` for the peak memory it allocates. An
iterator result is consumed inside the timed region (into a list; drained without keeping it
for memory).

Stdlib only, and the student's function never sees this module's state: each side's modules
are imported from its root and then dropped from ``sys.modules``, so the two can share
module names.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import inspect
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any


def _sibling(name: str) -> ModuleType:
    """A harness module beside this file, loaded by path (the sandbox has no grader package)."""
    spec = importlib.util.spec_from_file_location(
        f"_grader_{name}", Path(__file__).with_name(f"{name}.py")
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {name}.py beside the runner")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


try:
    from . import bench_calls, bench_verdict
except ImportError:  # run as a script, inside the sandbox
    bench_calls = _sibling("bench_calls")
    bench_verdict = _sibling("bench_verdict")

Failure = bench_calls.Failure
RubricFault = bench_calls.RubricFault
Limits = bench_calls.Limits
slope = bench_verdict.slope
STOP_FLOOR = 0.05
"""CPU seconds a student's call may always take, however fast the reference's: below it, fixed
costs (a first import, a cold cache) would decide rather than the work."""
WALL_SLACK = 4.0
"""Wall seconds a call may take per CPU second of its limit (a busy host stretches the wall
time, not the CPU time), for a call that waits rather than computes."""
WALL_FLOOR = 2.0
"""Wall seconds a call may always take."""
MEMORY_SLOWDOWN = 30.0
"""How much slower a call may be under ``tracemalloc`` than its timed best (every allocation is
traced: a loop over large ints allocates at each step). The step's budget bounds it too."""


class Runner:
    """One benchmark: the two sides, the inputs, the limits, and the times so far."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.started = time.monotonic()
        self.budget = float(spec["budget"])
        self.call_timeout = float(spec["call_timeout"])
        self.skip_factor = float(spec["skip_factor"])
        stop = spec.get("stop_ratio")
        self.stop_ratio = float(stop) if stop is not None else None
        self.sizes: list[int] = [int(size) for size in spec["sizes"]]
        self.times: dict[str, list[list[float]]] = {
            "reference": [[] for _ in self.sizes],
            "student": [[] for _ in self.sizes],
        }
        rubric = Path(spec["rubric_root"])
        try:
            inputs_file, _, inputs_name = spec["inputs"].rpartition(":")
            self.make_input = bench_calls.load_file(rubric / inputs_file, inputs_name)
            self.per_round = len(inspect.signature(self.make_input).parameters) >= 2
            self.same: Callable[[Any, Any], bool] = _equal
            if spec.get("compare"):
                compare_file, _, compare_name = spec["compare"].rpartition(":")
                self.same = bench_calls.load_file(rubric / compare_file, compare_name)
            module, _, name = spec["call"].partition(":")
            root = Path(spec["reference_root"]).resolve()
            self.reference = bench_calls.import_from(root, module, name)
        except Exception as exc:
            raise RubricFault(
                f"the rubric's benchmark cannot start: {bench_calls.short_traceback()}"
            ) from exc
        try:
            root = Path(spec["student_root"]).resolve()
            self.student = bench_calls.import_from(root, module, name)
        except Exception as exc:
            raise Failure(
                "import",
                f"cannot import {spec['call']} from your code:\n{bench_calls.short_traceback()}",
            ) from exc

    def best(self, side: str) -> list[float]:
        """The best time of ``side`` at each size measured so far (in size order)."""
        return [min(times) for times in self.times[side] if times]

    def arguments(self, size: int, round_: int = 0) -> tuple[Any, ...]:
        """A fresh input of ``size`` (the rubric's generator), as positional arguments.

        A generator that takes a second parameter gets the round number, so it can make a
        different input each round and a cache of results cannot turn repeats into hits.
        """
        try:
            args = self.make_input(size, round_) if self.per_round else self.make_input(size)
        except Exception as exc:
            raise RubricFault(
                f"the rubric's input generator failed: {bench_calls.short_traceback()}"
            ) from exc
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
            return bench_calls.timed_call(self.reference, self.arguments(size, round_), Limits())
        except RubricFault:
            raise
        except Exception as exc:
            raise RubricFault(
                f"the reference failed at size {size:,}: {bench_calls.short_traceback()}"
            ) from exc

    def student_limits(self, index: int) -> Limits:
        """The student's call at ``sizes[index]``: ``stop_ratio`` times the reference's best CPU
        time there, and wall time in proportion, never more than ``call_timeout``."""
        reference = self.times["reference"][index]
        if self.stop_ratio is None or not reference:
            return Limits(wall=self.call_timeout)
        cpu = max(STOP_FLOOR, self.stop_ratio * min(reference))
        return Limits(
            wall=min(self.call_timeout, max(WALL_FLOOR, WALL_SLACK * cpu)),
            cpu=cpu if cpu < self.call_timeout else None,
        )

    def student_call(self, index: int, round_: int) -> tuple[float, Any]:
        """Time one call of the student's function."""
        size = self.sizes[index]
        self._check_budget(size)
        args = self.arguments(size, round_)
        limits = self.student_limits(index)
        with _student_failures(size, limits, self.stop_ratio):
            return bench_calls.timed_call(self.student, args, limits)

    def compare(self, size: int, mine: Any, theirs: Any) -> None:
        """Raise ``Failure`` when the student's result differs from the reference's."""
        try:
            agree = bool(self.same(mine, theirs))
        except Exception as exc:
            raise RubricFault(
                f"the rubric's comparison failed: {bench_calls.short_traceback()}"
            ) from exc
        if not agree:
            shown = repr(mine)
            raise Failure(
                "wrong",
                f"your result differs from the reference's at size {size:,}: yours starts "
                f"{shown[:200]}{'...' if len(shown) > 200 else ''}",
                size,
            )

    def done(self, index: int) -> bool:
        """Whether the size needs no more rounds: the student is already far slower there."""
        reference, student = self.times["reference"][index], self.times["student"][index]
        return bool(student) and min(student) > self.skip_factor * min(reference)

    def measure_round(self, index: int, round_: int) -> None:
        """One call per side at ``sizes[index]``, interleaved; the first round's results compared."""
        order = ("reference", "student") if round_ % 2 == 0 else ("student", "reference")
        results: dict[str, Any] = {}
        for side in order:
            if side == "reference":
                elapsed, results[side] = self.reference_call(self.sizes[index], round_)
            else:
                elapsed, results[side] = self.student_call(index, round_)
            self.times[side][index].append(elapsed)
        if round_ == 0:
            self.compare(self.sizes[index], results["student"], results["reference"])

    def measure(self, goals: bench_verdict.Goals | None) -> int:
        """Rounds over every size until the verdict is settled (``goals``) or ``repeat`` is
        reached (without goals); the number of rounds run."""
        repeat = int(self.spec["repeat"])
        for round_ in range(repeat):
            try:
                for index in range(len(self.sizes)):
                    if round_ == 0 or not self.done(index):
                        self.measure_round(index, round_)
            except Failure as failure:
                if failure.kind != "budget" or round_ == 0:
                    raise
                return round_  # out of time after whole rounds: score those
            if goals is not None and bench_verdict.settled(
                self.sizes, self.best("reference"), self.best("student"), goals, round_ + 1
            ):
                return round_ + 1
        return repeat

    def memory(self) -> tuple[int, int]:
        """Peak allocated bytes of one call per side at the largest size."""
        size = self.sizes[-1]
        self._check_budget(size)
        reference = bench_calls.peak_memory(self.reference, self.arguments(size), Limits())
        timed = min(self.times["student"][-1], default=self.call_timeout)
        # tracemalloc slows every allocation down; the call already returned once when timed
        cpu = max(WALL_FLOOR, MEMORY_SLOWDOWN * timed)
        limits = Limits(wall=WALL_SLACK * cpu, cpu=cpu)
        with _student_failures(size, limits, None):
            student = bench_calls.peak_memory(self.student, self.arguments(size), limits)
        return reference, student


@contextlib.contextmanager
def _student_failures(size: int, limits: Limits, stop_ratio: float | None) -> Iterator[None]:
    """Turn what the student's call raised into a ``Failure`` that names the size."""
    try:
        yield
    except bench_calls.CallTimeout as over:
        if over.cpu and stop_ratio is not None:
            raise Failure(
                "stopped",
                f"one call was stopped at size {size:,} after {limits.cpu:.2f} s of CPU, more "
                f"than x{stop_ratio:g} the reference's time there",
                size,
            ) from None
        raise Failure(
            "timeout",
            f"one call took longer than {limits.cpu if over.cpu else limits.wall:.3g} s at size {size:,}",
            size,
        ) from None
    except Exception:
        raise Failure(
            "exception",
            f"your function raised at size {size:,}:\n{bench_calls.short_traceback()}",
            size,
        ) from None


def _equal(mine: Any, theirs: Any) -> bool:
    return bool(mine == theirs)


def goals_of(spec: dict[str, Any]) -> bench_verdict.Goals | None:
    """The thresholds the verdict is settled against, or None to measure every round."""
    if not spec.get("adaptive"):
        return None
    return bench_verdict.Goals(
        max_ratio=spec.get("max_ratio"),
        growth_limit=spec.get("growth_limit"),
        reference_margin=float(spec.get("reference_margin", 0.35)),
    )


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Measure, and describe what was measured (and what failed) as a JSON-ready dict."""
    started = time.monotonic()
    sizes: list[int] = [int(size) for size in spec["sizes"]]
    report: dict[str, Any] = {"sizes": sizes, "reference": [], "student": [], "failure": None}
    runner: Runner | None = None
    try:
        runner = Runner(spec)
        gc.collect()
        gc.freeze()  # what is loaded stays: each call's collection skips it
        report["rounds"] = runner.measure(goals_of(spec))
        if spec.get("memory"):
            report["reference_peak"], report["student_peak"] = runner.memory()
    except Failure as failure:
        report["failure"] = {"kind": failure.kind, "message": failure.message, "size": failure.size}
    except RubricFault as fault:
        report["rubric_fault"] = str(fault)
    if runner is not None:
        _add_times(report, runner)
    report["seconds"] = round(time.monotonic() - started, 3)
    return report


def _add_times(report: dict[str, Any], runner: Runner) -> None:
    """The best times of the sizes both sides measured, every call's time, and the slopes."""
    measured = sum(1 for times in runner.times["student"] if times)
    report["reference"] = runner.best("reference")[:measured]
    report["student"] = runner.best("student")[:measured]
    report["calls"] = {side: runner.times[side] for side in ("reference", "student")}
    sizes = report["sizes"][:measured]
    report["reference_slope"] = slope(sizes, report["reference"])
    report["student_slope"] = slope(sizes, report["student"])


def main() -> None:
    """Read the spec, run the benchmark, write the report."""
    spec_path, out_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, bench_calls.on_limit)
    signal.signal(signal.SIGPROF, bench_calls.on_limit)
    report = run(spec)
    Path(out_path).write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
