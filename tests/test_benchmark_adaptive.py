"""The benchmark's adaptive rounds: they end once the verdict is settled, and give the verdict of
the full measurement; a call far over the reference's time is stopped there.

``replay`` runs the adaptive scheme on the calls a full measurement recorded (every round's
time, per side and size, as the runner writes them under ``calls``): it stops at the first
round ``settled`` accepts, and the score of the report built from the rounds so far must equal
the score of the report built from all of them.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import grade
from test_benchmark import LINEAR, QUADRATIC, SPEED, criterion, make_rubric, submission

from grader.checks.bench_score import GROWTH_LIMIT, REFERENCE_MARGIN, score_benchmark
from grader.checks.benchmark import BenchmarkCriterion
from grader.checks.rubric import load_rubric
from grader.harness.bench_calls import on_limit
from grader.harness.bench_runner import run
from grader.harness.bench_verdict import Goals, settled, slope
from grader.sandbox.protocol import Sandbox

Calls = list[list[float]]


def goals_of(benchmark: BenchmarkCriterion) -> Goals:
    """The runner's goals for a criterion (as ``runner_spec`` gives them)."""
    return Goals(
        max_ratio=benchmark.max_ratio,
        growth_limit=GROWTH_LIMIT[benchmark.growth] if benchmark.growth else None,
        reference_margin=REFERENCE_MARGIN,
    )


def report_after(
    sizes: list[int], reference: Calls, student: Calls, rounds: int, peaks: tuple[int, int]
) -> dict[str, Any]:
    """The runner's report had it stopped after ``rounds`` rounds."""
    best_reference = [min(calls[:rounds]) for calls in reference]
    best_student = [min(calls[:rounds]) for calls in student]
    return {
        "sizes": sizes,
        "reference": best_reference,
        "student": best_student,
        "failure": None,
        "reference_slope": slope(sizes, best_reference),
        "student_slope": slope(sizes, best_student),
        "reference_peak": peaks[0],
        "student_peak": peaks[1],
    }


def replay(
    benchmark: BenchmarkCriterion,
    reference: Calls,
    student: Calls,
    peaks: tuple[int, int] = (0, 0),
) -> tuple[int, float, float]:
    """Rounds the adaptive scheme runs, its score, and the full measurement's score."""
    sizes = list(benchmark.sizes)
    repeat = min(len(calls) for calls in student)
    goals = goals_of(benchmark)
    rounds = next(
        (
            k
            for k in range(1, repeat + 1)
            if settled(
                sizes,
                [min(c[:k]) for c in reference],
                [min(c[:k]) for c in student],
                goals,
                k,
            )
        ),
        repeat,
    )
    adaptive = score_benchmark(benchmark, report_after(sizes, reference, student, rounds, peaks))
    full = score_benchmark(benchmark, report_after(sizes, reference, student, repeat, peaks))
    return rounds, adaptive.score, full.score


def test_far_from_every_threshold_one_round_decides() -> None:
    goals = Goals(max_ratio=3.0, growth_limit=1.4)
    sizes = [1000, 2000, 4000]
    reference = [0.01, 0.02, 0.04]
    assert settled(sizes, reference, [0.011, 0.022, 0.045], goals, 1)  # x1.1, linear
    assert settled(sizes, reference, [0.2, 0.8, 3.2], goals, 1)  # x80, quadratic


def test_near_a_threshold_the_rounds_go_on() -> None:
    goals = Goals(max_ratio=3.0)
    sizes = [1000]
    assert not settled(sizes, [0.01], [0.028], goals, 1)  # x2.8 against x3
    assert not settled(sizes, [0.01], [0.028], goals, 5)
    assert not settled(sizes, [0.01], [0.04], goals, 1)  # x4: a round may still be off by half
    assert settled(sizes, [0.01], [0.04], goals, 3)  # after three, x4 is over for good


def test_growth_near_its_limit_is_not_settled() -> None:
    goals = Goals(growth_limit=1.4)
    sizes = [1000, 2000, 4000]
    near = [0.01, 0.0263, 0.069]  # about n^1.4
    assert not settled(sizes, [0.01, 0.02, 0.04], near, goals, 1)
    inflated_reference = [0.01, 0.026, 0.068]  # the machine makes the reference n^1.4: limit 1.73
    assert not settled(sizes, inflated_reference, [0.01, 0.0303, 0.0919], goals, 1)  # n^1.6
    assert settled(sizes, [0.01, 0.02, 0.04], [0.01, 0.02, 0.04], goals, 1)


def test_memory_alone_needs_one_round_and_missing_sizes_none() -> None:
    assert settled([1000], [0.01], [0.5], Goals(), 1)
    assert not settled([1000, 2000], [0.01], [0.5], Goals(max_ratio=3.0), 1)
    assert not settled([1000], [0.01], [0.01], Goals(max_ratio=3.0), 0)


@given(
    ratio=st.floats(0.05, 100),
    noise=st.lists(st.floats(1.0, 1.4), min_size=10, max_size=10),
)
def test_a_settled_time_verdict_is_the_full_measurements(ratio: float, noise: list[float]) -> None:
    """Rounds that are off by up to 40 % (always slower: a CPU time is never too short) never
    settle on the wrong side of ``max_ratio``."""
    benchmark = criterion(max_memory=None, growth=None, sizes=[1000], repeat=5)
    reference = [[0.01 * factor for factor in noise[:5]]]
    student = [[0.01 * ratio * factor for factor in noise[5:]]]
    rounds, adaptive, full = replay(benchmark, reference, student)
    assert adaptive == full
    assert 1 <= rounds <= 5


# Every call of full measurements (all `repeat` rounds, adaptive off), recorded by
# bench/benchmark_speed.py on the rubrics' reference and samples (`calls` in the runner's report).
RECORDED: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_full_measurements_get_the_same_verdict_adaptively(name: str) -> None:
    recorded = RECORDED[name]
    benchmark = criterion(**recorded["criterion"])
    calls = recorded["calls"]
    peaks = (recorded.get("reference_peak", 0), recorded.get("student_peak", 0))
    rounds, adaptive, full = replay(benchmark, calls["reference"], calls["student"], peaks)
    assert adaptive == full
    assert rounds <= benchmark.repeat


# --- real runs -------------------------------------------------------------


@pytest.mark.slow
def test_adaptive_and_full_agree_and_far_from_thresholds_rounds_are_few(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    rubric = load_rubric(
        make_rubric(tmp_path, SPEED.replace("repeat: 3", "repeat: 5")) / "rubric.yaml"
    )
    linear = grade(submission(tmp_path / "linear", LINEAR), rubric, sandbox).criteria[0]
    assert linear.score == 9, linear.summary
    assert linear.metrics["rounds"] < 5
    quadratic = grade(submission(tmp_path / "quadratic", QUADRATIC), rubric, sandbox).criteria[0]
    assert quadratic.score in (0, 3), quadratic.summary  # stopped, or over on time and growth


@pytest.mark.slow
def test_a_call_that_never_returns_is_stopped_at_a_multiple_of_the_reference(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    hangs = "def total(values):\n    while True:\n        pass\n"
    result = grade(submission(tmp_path, hangs), rubric, sandbox).criteria[0]
    assert (result.score, result.verdict) == (0, "timeout")
    assert "stopped at size 40,000" in result.summary
    assert "x20 the reference's time" in result.summary


# --- the runner in this process (small, fast functions) -----------------------


@pytest.fixture
def limits_handled() -> Iterator[None]:
    """The runner's signal handlers, as its ``main`` installs them."""
    before = {number: signal.getsignal(number) for number in (signal.SIGALRM, signal.SIGPROF)}
    for number in before:
        signal.signal(number, on_limit)
    yield
    for number, handler in before.items():
        signal.signal(number, handler)


def runner_spec_for(tmp_path: Path, student: str, **extra: object) -> dict[str, Any]:
    """A spec over a linear reference and ``student`` as ``calc.py``, sizes 2,000 to 8,000."""
    for side, source in (("reference", LINEAR), ("student", student)):
        (tmp_path / side).mkdir(exist_ok=True)
        (tmp_path / side / "calc.py").write_text(source)
    (tmp_path / "bench.py").write_text("def make_input(size):\n    return (range(size),)\n")
    return {
        "call": "calc:total",
        "inputs": "bench.py:make_input",
        "sizes": [2000, 4000, 8000],
        "repeat": 5,
        "memory": False,
        "call_timeout": 30,
        "skip_factor": 20,
        "budget": 60,
        "adaptive": True,
        "max_ratio": 3.0,
        "growth_limit": 1.4,
        "stop_ratio": 20,
        "student_root": str(tmp_path / "student"),
        "reference_root": str(tmp_path / "reference"),
        "rubric_root": str(tmp_path),
    } | extra


@pytest.mark.usefixtures("limits_handled")
def test_a_call_that_never_returns_is_stopped_long_before_call_timeout(tmp_path: Path) -> None:
    hangs = "def total(values):\n    while True:\n        pass\n"
    report = run(runner_spec_for(tmp_path, hangs))
    assert report["failure"]["kind"] == "stopped"
    assert "stopped at size 2,000" in report["failure"]["message"]
    assert report["seconds"] < 30  # the call_timeout: it never came to that
    assert score_benchmark(criterion(), report).score == 0


@pytest.mark.usefixtures("limits_handled")
def test_without_goals_every_round_is_measured(tmp_path: Path) -> None:
    full = run(runner_spec_for(tmp_path, LINEAR, adaptive=False, repeat=2))
    assert full["rounds"] == 2
    assert [len(calls) for calls in full["calls"]["student"]] == [2, 2, 2]
    assert full["failure"] is None
