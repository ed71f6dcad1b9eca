"""``benchmark``: the student's function against the reference's, timed in the same run.

The reference, the rubric's input generator and ``bench_runner.py`` enter the
workspace for this step only (the reference is as secret as the hidden tests);
the runner measures both sides in one process, interleaved, best of k, and
writes what it saw as JSON. Scoring is a pure function of that document: each
enabled measure (time ratio, peak memory, growth) is worth an equal share and
is all or nothing, so a submission far from every threshold gets the same
points on every run. A wrong result, an exception or a call over
``call_timeout`` scores 0: a fast wrong answer earns nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, PositiveInt, model_validator

from grader.checks.base import (
    ISOLATED_PYTHON,
    CheckContext,
    failed,
    load_json,
    result,
    size_text,
    step_result,
    stopped_summary,
)
from grader.checks.kind import CheckKind
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult
from grader.report.wording import format_number
from grader.rubric.model import Bytes, CriterionBase, NamedPath
from grader.scoring import Points

Growth = Literal["constant", "linear", "nlogn", "quadratic", "cubic"]
GROWTH_LIMIT: dict[str, float] = {
    "constant": 0.5,
    "linear": 1.4,
    "nlogn": 1.5,
    "quadratic": 2.5,
    "cubic": 3.5,
}
"""The largest fitted exponent (slope of log time against log size) each growth class allows.

Linear and n log n differ by less than the noise of a few timings (the slope of n log n is
1 + 1/ln n, about 1.08 at n = 100,000), so both allow up to 1.4; quadratic is well above."""

ModuleCall = Annotated[
    str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", examples=["records:total"])
]
FileCall = Annotated[
    str, Field(pattern=r"^[\w./-]+\.py:[A-Za-z_]\w*$", examples=["bench.py:make_input"])
]


def call_file(call: str) -> str:
    """``bench.py:make_input`` -> ``bench.py``."""
    return call.rpartition(":")[0]


class BenchmarkCriterion(CriterionBase):
    """Time and memory of a student's function against the reference's, in the same run."""

    runs_alone: ClassVar[bool] = True  # nothing else may run while the code is being timed

    kind: Literal["benchmark"]
    """Call the student's function and the reference's on generated inputs, interleaved."""
    call: ModuleCall
    """The function to measure, as `module:function`, imported from the submission and from the reference."""
    inputs: FileCall
    """`file.py:function` in the rubric folder: `function(size)` returns the positional arguments of one call (a tuple)."""
    sizes: tuple[Annotated[PositiveInt, Field(le=10**9)], ...] = Field(min_length=1, max_length=50)
    """Input sizes, ascending; the ratio and the memory are judged at the largest, growth across all (3 or more)."""
    repeat: PositiveInt = Field(default=5, le=50)
    """Timed calls per size and side; the best (fastest) counts."""
    max_ratio: float | None = Field(default=None, gt=0, le=1e6)
    """Most the student's best time may be, as a multiple of the reference's, at the largest size."""
    max_memory: Bytes | None = None
    """Most memory one call may allocate at its peak (tracemalloc), at the largest size, e.g. `32MiB`."""
    growth: Growth | None = None
    """Worst growth of time with size allowed: `constant`, `linear`, `nlogn`, `quadratic` or `cubic`."""
    call_timeout: float = Field(default=10.0, gt=0, le=3_600)
    """Seconds one call of the student's function may take; a slower call scores 0."""
    compare: FileCall | None = None
    """`file.py:function` in the rubric folder: `function(student_result, reference_result)` is true when they agree; default `==`."""
    reference: str = "reference"
    """The reference solution's folder, relative to the rubric file."""

    @model_validator(mode="after")
    def _measures(self) -> BenchmarkCriterion:
        if not self.measures:
            raise ValueError("give at least one of max_ratio, max_memory and growth")
        if list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError("sizes must be distinct and ascending")
        if self.growth is not None and len(self.sizes) < 3:
            raise ValueError("growth needs at least 3 sizes")
        return self

    @property
    def measures(self) -> tuple[str, ...]:
        """The enabled measures, each worth an equal share of the points."""
        return tuple(
            name
            for name, value in (
                ("time", self.max_ratio),
                ("memory", self.max_memory),
                ("growth", self.growth),
            )
            if value is not None
        )

    @property
    def rubric_files(self) -> tuple[str, ...]:
        """The rubric folder's files the benchmark loads: the input generator's, the comparison's."""
        calls = [self.inputs, *([self.compare] if self.compare else [])]
        return tuple(dict.fromkeys(call_file(call) for call in calls))

    def named_paths(self) -> tuple[NamedPath, ...]:
        """The reference, and the files of the input generator and of the comparison, which must
        define the functions named."""
        calls = (("inputs", self.inputs), ("compare", self.compare))
        files = (
            NamedPath(field, call_file(call), "file", defines=call.rpartition(":")[2])
            for field, call in calls
            if call
        )
        return (NamedPath("reference", self.reference, "folder"), *files)


RUNNER = Path(__file__).resolve().parent.parent / "harness" / "bench_runner.py"
SKIP_FACTOR = 20.0
"""A student call this many times slower than the reference's ends the rounds at that size:
more rounds could not bring the ratio under any sensible ``max_ratio``."""
REFERENCE_MARGIN = 0.35
"""How much faster than the reference's, in fitted exponent, a student's time may grow."""
BUDGET_MARGIN = 3.0
"""Seconds of the step's timeout kept back so the runner reports before it is killed."""


def growth_name(exponent: float, size: int) -> str:
    """The growth class nearest to a fitted exponent; linear and n log n split at their middle."""
    nlogn = 1 + 1 / math.log(size) if size > 1 else 1.0
    anchors = {"constant": 0.0, "linear": 1.0, "nlogn": nlogn, "quadratic": 2.0, "cubic": 3.0}
    return min(anchors, key=lambda name: abs(anchors[name] - exponent))


def _ratio(student: float, reference: float) -> float:
    """The student's time as a multiple of the reference's (infinite against a zero reference)."""
    return student / reference if reference > 0 else math.inf


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def timing_lines(data: dict[str, Any]) -> list[str]:
    """The timings as a small fixed-width table, one row per size measured."""
    lines = [f"{'size':>12}  {'reference':>12}  {'yours':>12}  {'ratio':>7}"]
    for size, reference, student in zip(
        data["sizes"], data["reference"], data["student"], strict=False
    ):
        ratio = _ratio(student, reference)
        lines.append(
            f"{size:>12,}  {_ms(reference):>12}  {_ms(student):>12}  {'x' + format(ratio, '.2f'):>7}"
        )
    return lines


def _time_measure(max_ratio: float, data: dict[str, Any]) -> tuple[bool, str]:
    ratio = _ratio(data["student"][-1], data["reference"][-1])
    ok = ratio <= max_ratio
    return (
        ok,
        f"time x{ratio:.2f} the reference's at {data['sizes'][-1]:,} (at most x{max_ratio:g})",
    )


def _memory_measure(max_memory: int, data: dict[str, Any]) -> tuple[bool, str]:
    peak, reference = int(data["student_peak"]), int(data["reference_peak"])
    return peak <= max_memory, (
        f"peak memory {size_text(peak)} (reference {size_text(reference)}, budget {size_text(max_memory)})"
    )


def _growth_measure(growth: str, data: dict[str, Any]) -> tuple[bool, str]:
    exponent = data["student_slope"]
    reference = data["reference_slope"]
    largest = data["sizes"][-1]
    limit = growth_limit(growth, reference)
    if exponent is None:
        return False, "growth could not be fitted"
    ok = exponent <= limit
    seen = f"time grows like n^{exponent:.2f} ({growth_name(exponent, largest)})"
    if reference is not None:
        seen += f", the reference's like n^{reference:.2f}"
    return ok, f"{seen}; allowed: {growth} (exponent at most {limit:.2f})"


def growth_limit(growth: str, reference: float | None) -> float:
    """The largest exponent allowed: the class's, or the reference's own plus a margin when the
    machine makes even the reference grow faster than its class (caches, memory), whichever is
    larger. A solution one class worse (n^2 against n) is still well over either."""
    limit = GROWTH_LIMIT[growth]
    if reference is not None:
        limit = max(limit, reference + REFERENCE_MARGIN)
    return limit


def _measures(criterion: BenchmarkCriterion, data: dict[str, Any]) -> list[tuple[bool, str]]:
    """Each enabled measure: within its budget, and what was seen."""
    measured = []
    if criterion.max_ratio is not None:
        measured.append(_time_measure(criterion.max_ratio, data))
    if criterion.max_memory is not None:
        measured.append(_memory_measure(int(criterion.max_memory), data))
    if criterion.growth is not None:
        measured.append(_growth_measure(criterion.growth, data))
    return measured


def score_benchmark(criterion: BenchmarkCriterion, data: dict[str, Any]) -> CriterionResult:
    """Score the runner's report: each enabled measure is worth an equal, all-or-nothing share."""
    try:
        return _score(criterion, data)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ToolOutputError(
            f"the benchmark's report is incomplete ({type(exc).__name__}: {exc})"
        ) from None


def _not_measured(criterion: BenchmarkCriterion, data: dict[str, Any]) -> CriterionResult | None:
    """The result when the rubric's side or the student's failed, else None."""
    if data.get("rubric_fault"):
        return failed(criterion, str(data["rubric_fault"])[-600:], tool_fault=True)
    failure = data.get("failure")
    if not failure:
        return None
    details = timing_lines(data) if data["student"] else []
    details = [*details, *([""] if details else []), *failure["message"].splitlines()]
    verdict = "timeout" if failure["kind"] in ("timeout", "budget") else "failed"
    summary = failure_summary(failure["message"])
    if failure["kind"] in JUDGED_FAILURES:
        points = Points(
            0.0, f"{JUDGED_FAILURES[failure['kind']]}: 0 of {format_number(criterion.points)}"
        )
        return result(criterion, points, summary, details=details, verdict=verdict)
    return failed(criterion, f"not measured: {summary}", details=details, verdict=verdict)


JUDGED_FAILURES = {
    "wrong": "a wrong result",
    "exception": "your function raised an exception",
    "timeout": "a call over call_timeout",
}
"""What the student's function did when it was measured, and the rubric scores 0: a graded
result, not a check that could not run (an import failure, the step's budget)."""


def failure_summary(message: str) -> str:
    """One line for a failure: its first line, completed by the last line of a traceback when
    the first ends in a colon (``your function raised at size 2,000: KeyError: 'boom'``)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return "your function failed"
    first = lines[0]
    if first.endswith(":"):
        first = first[:-1]
        if len(lines) > 1:
            first += f": {lines[-1][:200]}"
    return first


def _metrics(data: dict[str, Any]) -> dict[str, float]:
    reference, student = data["reference"][-1], data["student"][-1]
    metrics = {
        "ratio": round(_ratio(student, reference), 3),
        "student_seconds": round(student, 6),
        "reference_seconds": round(reference, 6),
    }
    if data.get("student_slope") is not None:
        metrics["growth_exponent"] = round(data["student_slope"], 3)
    if "student_peak" in data:
        metrics["peak_memory_bytes"] = float(data["student_peak"])
        metrics["reference_peak_memory_bytes"] = float(data["reference_peak"])
    return metrics


def _score(criterion: BenchmarkCriterion, data: dict[str, Any]) -> CriterionResult:
    stopped = _not_measured(criterion, data)
    if stopped is not None:
        return stopped
    details = timing_lines(data)
    measured = _measures(criterion, data)
    share = criterion.points / len(measured)
    kept = sum(1 for ok, _ in measured if ok)
    parts = [f"{'ok' if ok else 'over'}: {text}" for ok, text in measured]
    score = round(share * kept, 2)
    explanation = f"{kept} of {len(parts)} measures within budget x {format_number(round(share, 2))} points = {format_number(score)}"
    metrics = _metrics(data)
    return result(
        criterion,
        Points(score, explanation),
        "; ".join(parts),
        metrics=metrics,
        details=details,
        verdict="passed" if kept == len(parts) else "failed",
    )


def runner_spec(criterion: BenchmarkCriterion, folder: str, timeout: float) -> dict[str, Any]:
    """What the runner needs, with paths relative to its working folder (the submission)."""
    return {
        "call": criterion.call,
        "inputs": criterion.inputs,
        "compare": criterion.compare,
        "sizes": list(criterion.sizes),
        "repeat": criterion.repeat,
        "memory": criterion.max_memory is not None,
        "call_timeout": criterion.call_timeout,
        "skip_factor": max(SKIP_FACTOR, 4 * (criterion.max_ratio or 0)),
        "budget": max(1.0, timeout - BUDGET_MARGIN),
        "student_root": ".",
        "reference_root": f"../{folder}/reference",
        "rubric_root": f"../{folder}/rubric",
    }


def run_benchmark(criterion: BenchmarkCriterion, ctx: CheckContext) -> CriterionResult:
    """Measure the student's function against the reference's and score it."""
    folder = f"grader/bench-{criterion.id}"
    out = f"out/bench-{criterion.id}.json"
    timeout = float(ctx.limits.timeout)
    with ctx.workspace.exclusive():
        ctx.workspace.add_tree(ctx.loaded.resolve(criterion.reference), f"{folder}/reference")
        for name in criterion.rubric_files:
            ctx.workspace.add_tree(ctx.loaded.resolve(name), f"{folder}/rubric/{name}")
        ctx.workspace.add_tree(RUNNER, f"{folder}/{RUNNER.name}")
        ctx.workspace.write_text(
            f"{folder}/spec.json", json.dumps(runner_spec(criterion, folder, timeout))
        )
        try:
            run = ctx.workspace.run(
                ctx.command(
                    *ISOLATED_PYTHON,
                    f"../{folder}/{RUNNER.name}",
                    f"../{folder}/spec.json",
                    f"../{out}",
                    student_code=True,
                    outputs=(out,),
                )
            )
        finally:
            ctx.workspace.remove(folder)
    raw = step_result(ctx, run, out)
    if raw is None:
        stopped = stopped_summary(run, "the benchmark", ctx.limits)
        return failed(
            criterion,
            stopped
            or f"the benchmark ended without a result (exit code {run.exit_code}): did your code exit the process?",
            verdict=run.verdict if stopped else "failed",
        )
    try:
        return score_benchmark(
            criterion, load_json(raw.decode("utf-8", errors="replace"), "the benchmark")
        )
    except ToolOutputError as exc:
        # The runner writes a whole document as its last act; anything else was written by the
        # code it measured (in the same process), so it is the submission's doing.
        return failed(criterion, f"{exc}: was it overwritten by your code?", verdict="failed")


KIND = CheckKind(
    model=BenchmarkCriterion,
    run=run_benchmark,
    tool="the student's function and the reference's, timed in one process",
    fields="`call`, `inputs`, `sizes` (required); `repeat` (5), `max_ratio`, `max_memory`, `growth` (at least one), `call_timeout` (10), `compare` (`==`), `reference` (reference)",
    score="an equal, all-or-nothing share per measure; 0 for a wrong result, an exception or a call over `call_timeout`",
)
