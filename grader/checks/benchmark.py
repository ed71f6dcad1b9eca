"""``benchmark``: the student's function against the reference's, timed in the same run.

The reference, the rubric's input generator and the runner (``bench_runner.py`` and its two
siblings) enter the workspace for this step only (the reference is as secret as the hidden
tests); the runner measures both sides in one process, interleaved, in rounds that end as soon
as the verdict is settled (far from every threshold one round decides, near one it goes on to
``repeat``), and writes what it saw as JSON. Scoring is a pure function of that document: each
enabled measure (time ratio, peak memory, growth) is worth an equal share and is all or
nothing, so a submission far from every threshold gets the same points on every run. A wrong
result, an exception, a call stopped far over the reference's time (``stop_ratio``) or over
``call_timeout`` scores 0: a fast wrong answer earns nothing, a hopeless one is not waited for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, PositiveInt, model_validator

from grader.checks.base import (
    ISOLATED_PYTHON,
    CheckContext,
    failed,
    load_json,
    step_result,
    stopped_summary,
)
from grader.checks.bench_score import (
    GROWTH_LIMIT,
    JUDGED_FAILURES,
    REFERENCE_MARGIN,
    Growth,
    growth_limit,
    growth_name,
    score_benchmark,
    timing_lines,
)
from grader.checks.kind import CheckKind
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult
from grader.rubric.model import Bytes, CriterionBase, NamedPath
from grader.sandbox.protocol import Workspace
from grader.sandbox.staging import put_files

__all__ = [  # the scoring's, re-exported: the kind's one module to import
    "JUDGED_FAILURES",
    "ToolOutputError",
    "growth_limit",
    "growth_name",
    "score_benchmark",
    "timing_lines",
]
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
    stop_ratio: float | None = Field(default=None, gt=1, le=1e6)
    """A student's call this many times slower than the reference's CPU time at the same size is stopped and scores 0; default the larger of 20 and 4 x `max_ratio` (50 without `max_ratio`)."""
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
    def stop_after(self) -> float:
        """``stop_ratio``, or its default."""
        if self.stop_ratio is not None:
            return self.stop_ratio
        if self.max_ratio is None:
            return STOP_WITHOUT_RATIO
        return max(SKIP_FACTOR, 4 * self.max_ratio)

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


HARNESS = Path(__file__).resolve().parent.parent / "harness"
RUNNER = HARNESS / "bench_runner.py"
RUNNER_FILES = (RUNNER, HARNESS / "bench_calls.py", HARNESS / "bench_verdict.py")
"""The runner and the modules it loads from its own folder, copied side by side."""
SKIP_FACTOR = 20.0
"""A student call this many times slower than the reference's ends the rounds at that size:
more rounds could not bring the ratio under any sensible ``max_ratio``."""
STOP_WITHOUT_RATIO = 50.0
"""``stop_ratio`` of a criterion without ``max_ratio`` (growth or memory only): a call this many
times slower than the reference's at the same size is stopped and scores 0, as one over
``call_timeout`` does, whatever its growth would have been."""
BUDGET_MARGIN = 3.0
"""Seconds of the step's timeout kept back so the runner reports before it is killed."""


def runner_spec(
    criterion: BenchmarkCriterion, folder: str, timeout: float, *, adaptive: bool = True
) -> dict[str, Any]:
    """What the runner needs, with paths relative to its working folder (the submission);
    ``adaptive=False`` measures every round (``repeat``), to compare the two."""
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
        "adaptive": adaptive,
        "max_ratio": criterion.max_ratio,
        "growth_limit": GROWTH_LIMIT[criterion.growth] if criterion.growth else None,
        "reference_margin": REFERENCE_MARGIN,
        "stop_ratio": criterion.stop_after,
        "student_root": ".",
        "reference_root": f"../{folder}/reference",
        "rubric_root": f"../{folder}/rubric",
    }


def add_runner(workspace: Workspace, folder: str) -> None:
    """Copy the runner and its sibling modules into ``folder`` of the workspace."""
    put_files(workspace, ((f"{folder}/{path.name}", path) for path in RUNNER_FILES))


def run_benchmark(
    criterion: BenchmarkCriterion, ctx: CheckContext, *, adaptive: bool = True
) -> CriterionResult:
    """Measure the student's function against the reference's and score it (``adaptive``:
    see ``runner_spec``)."""
    folder = f"grader/bench-{criterion.id}"
    out = f"out/bench-{criterion.id}.json"
    timeout = float(ctx.limits.timeout)
    spec = runner_spec(criterion, folder, timeout, adaptive=adaptive)
    files: list[tuple[str, str | Path]] = [
        (f"{folder}/reference", ctx.loaded.resolve(criterion.reference)),
        *((f"{folder}/rubric/{name}", ctx.loaded.resolve(name)) for name in criterion.rubric_files),
        *((f"{folder}/{path.name}", path) for path in RUNNER_FILES),
        (f"{folder}/spec.json", json.dumps(spec)),
    ]
    with ctx.workspace.exclusive():
        put_files(ctx.workspace, files)  # one copy into the sandbox, not six
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
    fields="`call`, `inputs`, `sizes` (required); `repeat` (5), `max_ratio`, `max_memory`, `growth` (at least one), `call_timeout` (10), `stop_ratio` (20 or 4 x `max_ratio`; 50), `compare` (`==`), `reference` (reference)",
    score="an equal, all-or-nothing share per measure; 0 for a wrong result, an exception, a call stopped over `stop_ratio` x the reference's time or over `call_timeout`",
)
