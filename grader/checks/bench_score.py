"""Scoring of the ``benchmark`` kind: a pure function of the runner's JSON report.

Each enabled measure (time ratio, peak memory, growth) is worth an equal, all-or-nothing share;
a failure the student's function caused (a wrong result, an exception, a call stopped or over
its limit) scores 0, one the rubric caused is the platform's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from grader.checks.base import failed, result, size_text
from grader.errors import ToolOutputError
from grader.harness.bench_verdict import growth_allowed
from grader.report.model import CriterionResult
from grader.report.wording import format_number
from grader.scoring import Points

if TYPE_CHECKING:  # the criterion's model imports this module to score
    from grader.checks.benchmark import BenchmarkCriterion

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

REFERENCE_MARGIN = 0.35
"""How much faster than the reference's, in fitted exponent, a student's time may grow."""


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
    larger. A solution one class worse (n^2 against n) is still well over either. The runner
    settles its rounds against the same limit (``growth_allowed``)."""
    return growth_allowed(GROWTH_LIMIT[growth], reference, REFERENCE_MARGIN)


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
    verdict = "timeout" if failure["kind"] in ("timeout", "budget", "stopped") else "failed"
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
    "stopped": "a call stopped far over the reference's time",
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
    if data.get("rounds"):
        metrics["rounds"] = float(data["rounds"])
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
