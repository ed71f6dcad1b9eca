"""One probe of ``grader rubric size-bench``: the reference's best time at one size.

The benchmark's own runner times the reference against itself in a sandbox, exactly as in
grading (``bench_sizing`` climbs the ladder of sizes and proposes from these timings).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from grader.checks.base import ISOLATED_PYTHON
from grader.checks.benchmark import RUNNER, BenchmarkCriterion
from grader.errors import InputError
from grader.sandbox.protocol import Command, Workspace

PROBE_REPEAT = 3
"""Calls per side and size while climbing the ladder; the best counts."""
PROBE_CALL_LIMIT = 30.0
"""Seconds one reference call may take while probing; a slower size ends the ladder."""
PROBE_STEP_TIMEOUT = 300.0
"""Seconds one probe (one size) may take in all, input generation included."""


@dataclass(frozen=True)
class Timing:
    """The reference's best call at one size."""

    size: int
    seconds: float | None
    """Best CPU seconds of one call, or None when the size could not be timed (``why``)."""
    why: str = ""
    """Why the size could not be timed: too slow, or out of memory; it ends the ladder."""


def probe_spec(criterion: BenchmarkCriterion, size: int) -> dict[str, object]:
    """The runner's spec to time the reference against itself at one size (paths as
    ``_open_probe`` lays the workspace out: the reference is the submission)."""
    return {
        "call": criterion.call,
        "inputs": criterion.inputs,
        "compare": criterion.compare,
        "sizes": [size],
        "repeat": PROBE_REPEAT,
        "memory": False,
        "call_timeout": PROBE_CALL_LIMIT,
        "skip_factor": math.inf,
        "budget": PROBE_STEP_TIMEOUT,
        "student_root": ".",
        "reference_root": ".",
        "rubric_root": "../grader/sizing/rubric",
    }


OUT_OF_MEMORY = "out of memory (the rubric's limits.memory): the ladder ends below this size"


def read_probe(document: dict[str, Any], size: int) -> Timing:
    """The best of both sides' times (both are the reference), or why there is none: a call
    too slow or out of memory ends the ladder; any other failure is the rubric's to fix."""
    fault = document.get("rubric_fault")
    failure = document.get("failure")
    said = str(fault or (failure or {}).get("message", ""))
    if "MemoryError" in said:
        return Timing(size, None, OUT_OF_MEMORY)
    if fault:
        raise InputError(f"the benchmark cannot run the reference: {fault}")
    if isinstance(failure, dict):
        if failure.get("kind") in ("timeout", "budget"):
            return Timing(size, None, f"a call took over {PROBE_CALL_LIMIT:g} s")
        if failure.get("kind") == "wrong":
            raise InputError(
                f"two imports of the reference disagree at size {size:,} on the same input: "
                "make the input generator deterministic (random.Random(size)), or give the "
                "criterion a `compare` for results of two different classes"
            )
        raise InputError(f"the reference failed at size {size:,}: {failure.get('message')}")
    times = [*document.get("reference", []), *document.get("student", [])]
    if not times:
        raise InputError(f"timing the reference at size {size:,} gave no time")
    return Timing(size, float(min(times)))


def probe(workspace: Workspace, criterion: BenchmarkCriterion, size: int) -> Timing:
    """The reference's best CPU seconds at one size, timed by the benchmark's own runner."""
    out = "out/sizing.json"
    workspace.write_text("grader/sizing/spec.json", json.dumps(probe_spec(criterion, size)))
    run = workspace.run(
        Command(
            argv=(
                *ISOLATED_PYTHON,
                f"../grader/sizing/{RUNNER.name}",
                "../grader/sizing/spec.json",
                f"../{out}",
            ),
            timeout=PROBE_STEP_TIMEOUT,
            runs_student_code=True,
            outputs=(out,),
        )
    )
    raw = workspace.read_bytes(out, 1024 * 1024)
    if raw is not None:
        return read_probe(json.loads(raw), size)
    if run.timed_out:
        return Timing(size, None, f"the size took over {PROBE_STEP_TIMEOUT:g} s in all")
    if run.oom_killed or "MemoryError" in run.stderr:
        return Timing(size, None, OUT_OF_MEMORY)
    raise InputError(
        f"timing the reference at size {size:,} ended without a result "
        f"(exit code {run.exit_code}): {run.stderr.strip()[-600:]}"
    )
