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
from hypothesis import example, given
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
    assert not settled(sizes, [0.01], [0.04], goals, 5)  # never within x1.45 of x3 (TIME_FLOOR)
    assert settled(sizes, [0.01], [0.045], goals, 3)  # after three, x4.5 is over for good


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
@example(ratio=2.0, noise=[1.0] * 5 + [1.25, 1.25, 1.0, 1.0, 1.0])  # two slow rounds at x2
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
# `bench/benchmark_speed.py ... --record` on the rubrics' references and samples that were
# measured to the end (in the Docker sandbox, a loaded host), with the criterion's settings then.
RECORDED: dict[str, dict[str, Any]] = {
    "week01-generators/reference": {
        "calls": {
            "reference": [
                [0.008923, 0.008747, 0.008783],
                [0.016503, 0.016987, 0.017205],
                [0.036375, 0.034864, 0.035073],
                [0.070285, 0.071831, 0.068258],
            ],
            "student": [
                [0.008422, 0.008638, 0.008515],
                [0.017625, 0.017022, 0.016474],
                [0.036011, 0.034771, 0.033813],
                [0.071689, 0.070324, 0.071707],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "repeat": 3,
            "sizes": [2500, 5000, 10000, 20000],
        },
        "reference_peak": 5336,
        "student_peak": 5232,
    },
    "week01-generators/samples/good": {
        "calls": {
            "reference": [
                [0.00872, 0.008484, 0.009845],
                [0.016756, 0.016827, 0.01689],
                [0.034359, 0.034511, 0.035061],
                [0.070372, 0.071195, 0.067389],
            ],
            "student": [
                [0.00974, 0.009679, 0.009191],
                [0.01925, 0.019048, 0.018863],
                [0.039421, 0.038216, 0.037799],
                [0.078713, 0.075593, 0.077869],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "repeat": 3,
            "sizes": [2500, 5000, 10000, 20000],
        },
        "reference_peak": 5336,
        "student_peak": 5640,
    },
    "week01-generators/samples/partial": {
        "calls": {
            "reference": [
                [0.009022, 0.008379, 0.00903],
                [0.017356, 0.017467, 0.017302],
                [0.035542, 0.034638, 0.035209],
                [0.075441, 0.071111, 0.071112],
            ],
            "student": [
                [0.008624, 0.008715, 0.008447],
                [0.017671, 0.016782, 0.016611],
                [0.036042, 0.03514, 0.033958],
                [0.074009, 0.067375, 0.070754],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "repeat": 3,
            "sizes": [2500, 5000, 10000, 20000],
        },
        "reference_peak": 5336,
        "student_peak": 4580162,
    },
    "week01-generators/samples/sloppy": {
        "calls": {
            "reference": [
                [0.008803, 0.008226, 0.008385],
                [0.016728, 0.016369, 0.016512],
                [0.033708, 0.033795, 0.033732],
                [0.069089, 0.071136, 0.066094],
            ],
            "student": [
                [0.020762, 0.019651, 0.020157],
                [0.040564, 0.039919, 0.039932],
                [0.082852, 0.079072, 0.080165],
                [0.163785, 0.157613, 0.160023],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "repeat": 3,
            "sizes": [2500, 5000, 10000, 20000],
        },
        "reference_peak": 5336,
        "student_peak": 18205,
    },
    "week04-pandas/reference": {
        "calls": {
            "reference": [[0.007953, 0.005063, 0.005319]],
            "student": [[0.005845, 0.005523, 0.005078]],
        },
        "criterion": {"max_ratio": 3.0, "repeat": 3, "sizes": [100000]},
        "reference_peak": 0,
        "student_peak": 0,
    },
    "week04-pandas/samples/partial": {
        "calls": {
            "reference": [[0.007639, 0.005356, 0.005045]],
            "student": [[0.005097, 0.004981, 0.004889]],
        },
        "criterion": {"max_ratio": 3.0, "repeat": 3, "sizes": [100000]},
        "reference_peak": 0,
        "student_peak": 0,
    },
    "week04-pandas/samples/sloppy": {
        "calls": {
            "reference": [[0.007734, 0.00517, 0.005115]],
            "student": [[0.004004, 0.003813, 0.003902]],
        },
        "criterion": {"max_ratio": 3.0, "repeat": 3, "sizes": [100000]},
        "reference_peak": 0,
        "student_peak": 0,
    },
    "week08-large-files/reference": {
        "calls": {
            "reference": [
                [0.009707, 0.010769, 0.010224],
                [0.019964, 0.021146, 0.020893],
                [0.039584, 0.040028, 0.040989],
            ],
            "student": [
                [0.010352, 0.010198, 0.010109],
                [0.020164, 0.02001, 0.020815],
                [0.043213, 0.041865, 0.039047],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "max_ratio": 3.0,
            "repeat": 3,
            "sizes": [12500, 25000, 50000],
        },
        "reference_peak": 675457,
        "student_peak": 675393,
    },
    "week08-large-files/samples/sloppy": {
        "calls": {
            "reference": [
                [0.009994, 0.009883, 0.009906],
                [0.019047, 0.019469, 0.019124],
                [0.037771, 0.038539, 0.038418],
            ],
            "student": [
                [0.011453, 0.011154, 0.011004],
                [0.021779, 0.021353, 0.022054],
                [0.043268, 0.043866, 0.04489],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "max_ratio": 3.0,
            "repeat": 3,
            "sizes": [12500, 25000, 50000],
        },
        "reference_peak": 675457,
        "student_peak": 130393,
    },
    "week08-large-files/samples/slurp": {
        "calls": {
            "reference": [
                [0.010076, 0.009804, 0.009992],
                [0.01915, 0.01939, 0.019085],
                [0.038206, 0.038305, 0.038289],
            ],
            "student": [
                [0.010838, 0.01006, 0.010298],
                [0.020784, 0.020564, 0.020581],
                [0.041397, 0.040599, 0.040657],
            ],
        },
        "criterion": {
            "growth": "linear",
            "max_memory": 2097152,
            "max_ratio": 3.0,
            "repeat": 3,
            "sizes": [12500, 25000, 50000],
        },
        "reference_peak": 675537,
        "student_peak": 5904526,
    },
    "week10-performance/reference": {
        "calls": {
            "reference": [
                [0.005798, 0.005331, 0.005489, 0.006505, 0.005626],
                [0.011839, 0.011155, 0.011225, 0.015152, 0.011766],
                [0.02624, 0.028467, 0.025367, 0.030181, 0.026375],
                [0.062081, 0.061172, 0.064458, 0.068934, 0.060869],
            ],
            "student": [
                [0.005357, 0.005609, 0.005205, 0.005606, 0.005285],
                [0.011366, 0.01138, 0.010714, 0.012175, 0.012437],
                [0.025049, 0.026591, 0.026479, 0.031994, 0.031951],
                [0.066548, 0.058172, 0.066164, 0.065729, 0.072729],
            ],
        },
        "criterion": {
            "growth": "nlogn",
            "max_ratio": 3.0,
            "repeat": 5,
            "sizes": [4000, 8000, 16000, 32000],
        },
        "reference_peak": 0,
        "student_peak": 0,
    },
    "week10-performance/samples/quadratic": {
        "calls": {
            "reference": [
                [0.005935, 0.005641, 0.005672, 0.006514, 0.006382],
                [0.012466, 0.012802, 0.012145, 0.011958, 0.013787],
                [0.027558, 0.02764, 0.029361, 0.028848, 0.027525],
                [0.063782, 0.059135, 0.062259, 0.065219, 0.060924],
            ],
            "student": [
                [0.008879, 0.008804, 0.008436, 0.00941, 0.00857],
                [0.023896, 0.02508, 0.023898, 0.024538, 0.02628],
                [0.084711, 0.073633, 0.077167, 0.083657, 0.091412],
                [0.41918, 0.285024, 0.412329, 0.310941, 0.473936],
            ],
        },
        "criterion": {
            "growth": "nlogn",
            "max_ratio": 3.0,
            "repeat": 5,
            "sizes": [4000, 8000, 16000, 32000],
        },
        "reference_peak": 0,
        "student_peak": 0,
    },
    "week10-performance/samples/sloppy": {
        "calls": {
            "reference": [
                [0.005911, 0.005459, 0.006084, 0.005416, 0.005747],
                [0.012828, 0.011698, 0.014884, 0.011832, 0.011938],
                [0.025525, 0.028711, 0.027784, 0.029826, 0.026912],
                [0.064431, 0.072004, 0.059836, 0.065141, 0.061445],
            ],
            "student": [
                [0.005843, 0.005937, 0.005898, 0.006481, 0.005975],
                [0.013701, 0.012069, 0.015312, 0.012263, 0.013188],
                [0.027506, 0.028731, 0.030646, 0.029974, 0.029471],
                [0.066966, 0.06836, 0.067028, 0.071631, 0.06777],
            ],
        },
        "criterion": {
            "growth": "nlogn",
            "max_ratio": 3.0,
            "repeat": 5,
            "sizes": [4000, 8000, 16000, 32000],
        },
        "reference_peak": 0,
        "student_peak": 0,
    },
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_full_measurements_get_the_same_verdict_adaptively(name: str) -> None:
    recorded = RECORDED[name]
    unset: dict[str, object] = {"max_ratio": None, "max_memory": None, "growth": None}
    benchmark = criterion(**(unset | recorded["criterion"]))
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
