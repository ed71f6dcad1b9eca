"""The ``benchmark`` kind: scoring the runner's report, and real runs of the runner.

Real runs use small, trusted functions (linear, quadratic, wrong, raising,
hanging, memory-hungry) in a rubric folder made in ``tmp_path``; they go
through the local sandbox, and one through Docker.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import by_id, grade

from grader.checks.benchmark import (
    BenchmarkCriterion,
    ToolOutputError,
    growth_limit,
    growth_name,
    score_benchmark,
)
from grader.checks.rubric import load_rubric
from grader.harness.bench_runner import slope
from grader.sandbox.protocol import Sandbox

LINEAR = """
def total(values):
    return sum(len(str(v)) for v in values)
"""
QUADRATIC = """
def total(values):
    result = 0
    for v in values:
        result += len(str(v))
    # Pointless work, n^2 / 2500 steps: it outweighs the linear part at every size measured, so
    # the fitted exponent sits near 2, far from the linear limit (1.4) whatever the host's load.
    return result + sum(0 for _ in range(len(values) ** 2 // 2500))
"""
BENCH = """
def make_input(size):
    return (range(size),)
"""


def criterion(**fields: object) -> BenchmarkCriterion:
    base: dict[str, object] = {
        "id": "speed",
        "kind": "benchmark",
        "points": 9,
        "call": "calc:total",
        "inputs": "bench.py:make_input",
        "sizes": [1000, 2000, 4000],
        "max_ratio": 2.0,
        "max_memory": "1MiB",
        "growth": "linear",
    }
    return BenchmarkCriterion.model_validate(base | fields)


def report(reference: list[float], student: list[float], **extra: object) -> dict[str, object]:
    sizes = [1000, 2000, 4000][: len(reference)]
    return {
        "sizes": [1000, 2000, 4000],
        "reference": reference,
        "student": student,
        "failure": None,
        "reference_slope": slope(sizes, reference),
        "student_slope": slope(sizes, student),
        "reference_peak": 1000,
        "student_peak": 2000,
    } | extra


def test_all_measures_within_budget_earn_every_point() -> None:
    result = score_benchmark(criterion(), report([0.01, 0.02, 0.04], [0.012, 0.024, 0.05]))
    assert result.score == 9
    assert result.metrics["ratio"] == pytest.approx(1.25)
    assert result.details[0].split() == ["size", "reference", "yours", "ratio"]
    assert "x1.25" in result.details[-1]


def test_each_measure_is_an_equal_all_or_nothing_share() -> None:
    slow = score_benchmark(criterion(), report([0.01, 0.02, 0.04], [0.03, 0.06, 0.12]))
    assert slow.score == 6
    assert "over: time x3.00" in slow.summary
    quadratic = score_benchmark(criterion(), report([0.01, 0.02, 0.04], [0.01, 0.04, 0.16]))
    assert quadratic.score == 3  # over on time and growth, memory still fine
    assert "n^2.00 (quadratic)" in quadratic.summary
    hungry = score_benchmark(
        criterion(), report([0.01, 0.02, 0.04], [0.01, 0.02, 0.04], student_peak=5 * 2**20)
    )
    assert hungry.score == 6
    assert "peak memory 5 MiB" in hungry.summary


def test_growth_allows_what_the_machine_does_to_the_reference_too() -> None:
    """The limit is the class's, or the reference's own exponent plus a margin if larger."""
    assert growth_limit("linear", 0.9) == 1.4
    assert growth_limit("linear", 1.3) == pytest.approx(1.65)
    assert growth_limit("linear", None) == 1.4
    inflated = report([0.01, 0.025, 0.06], [0.01, 0.026, 0.066])  # both ~n^1.3
    assert score_benchmark(criterion(), inflated).score == 9
    quadratic = report([0.01, 0.025, 0.06], [0.01, 0.04, 0.16])
    assert "over: time grows like n^2.00" in score_benchmark(criterion(), quadratic).summary


def test_only_the_enabled_measures_share_the_points() -> None:
    only_time = criterion(max_memory=None, growth=None)
    assert only_time.measures == ("time",)
    assert score_benchmark(only_time, report([0.01, 0.02, 0.04], [0.03, 0.06, 0.12])).score == 0


def test_a_failure_scores_zero_and_shows_what_was_measured() -> None:
    data = report(
        [0.01],
        [0.02],
        failure={"kind": "wrong", "message": "your result differs at size 40,000", "size": 2000},
    )
    result = score_benchmark(criterion(), data)
    assert result.score == 0
    assert result.status == "graded"
    assert result.summary == "your result differs at size 40,000"
    assert any("1,000" in line for line in result.details)
    timeout = score_benchmark(
        criterion(), report([], [], failure={"kind": "timeout", "message": "slow", "size": 1000})
    )
    assert timeout.verdict == "timeout"
    assert timeout.details == ("slow",)


@pytest.mark.parametrize("kind", ["wrong", "exception", "timeout"])
def test_what_the_function_did_is_a_graded_zero_not_an_incomplete_report(kind: str) -> None:
    """A wrong result, an exception or a slow call is the student's failure: graded 0 with the
    reason, and the hint, never "could not be graded"."""
    failure = {
        "kind": kind,
        "message": "your function raised at size 2,000:\nTraceback\nKeyError: 'boom'",
    }
    result = score_benchmark(criterion(hint="Read the statement."), report([], [], failure=failure))
    assert (result.score, result.status) == (0, "graded")
    assert "could not be graded" not in result.explanation
    assert result.hint == "Read the statement."


def test_a_summary_never_ends_in_a_dangling_colon() -> None:
    """The traceback's last line completes a first line that ends in a colon."""
    failure = {
        "kind": "exception",
        "message": "your function raised at size 2,000:\nTraceback (most recent call last):\n"
        "  File \"calc.py\", line 2, in total\nKeyError: 'boom'",
        "size": 2000,
    }
    result = score_benchmark(criterion(), report([], [], failure=failure))
    assert result.summary == "your function raised at size 2,000: KeyError: 'boom'"
    missing = {
        "kind": "import",
        "message": "cannot import calc:total from your code:\nImportError: no",
        "size": None,
    }
    not_run = score_benchmark(criterion(), report([], [], failure=missing))
    assert (
        not_run.summary == "not measured: cannot import calc:total from your code: ImportError: no"
    )


def test_a_broken_rubric_is_the_platforms_fault() -> None:
    result = score_benchmark(criterion(), report([], [], rubric_fault="the reference failed"))
    assert result.status == "tool_error"
    with pytest.raises(ToolOutputError, match="incomplete"):
        score_benchmark(criterion(), {"sizes": [1]})


@pytest.mark.parametrize(
    ("exponent", "name"),
    [(0.1, "constant"), (0.97, "linear"), (1.1, "nlogn"), (1.9, "quadratic"), (3.2, "cubic")],
)
def test_growth_names(exponent: float, name: str) -> None:
    assert growth_name(exponent, 100_000) == name


def test_slope_of_known_curves() -> None:
    sizes = [1000, 2000, 4000, 8000]
    assert slope(sizes, [n * 1e-6 for n in sizes]) == pytest.approx(1.0)
    assert slope(sizes, [n * n * 1e-9 for n in sizes]) == pytest.approx(2.0)
    assert slope([1000], [0.1]) is None


def test_rubric_paths_and_fields_are_validated() -> None:
    with pytest.raises(ValueError, match="at least one of"):
        criterion(max_ratio=None, max_memory=None, growth=None)
    with pytest.raises(ValueError, match="ascending"):
        criterion(sizes=[4000, 1000, 2000])
    with pytest.raises(ValueError, match="at least 3 sizes"):
        criterion(sizes=[1000, 2000])


# --- real runs -------------------------------------------------------------


def make_rubric(tmp_path: Path, benchmark: str, bench: str = BENCH) -> Path:
    """A rubric folder with a linear reference, ``bench.py`` and one benchmark criterion."""
    folder = tmp_path / "rubric"
    (folder / "reference").mkdir(parents=True)
    (folder / "reference" / "calc.py").write_text(LINEAR)
    (folder / "bench.py").write_text(textwrap.dedent(bench))
    (folder / "rubric.yaml").write_text(
        "id: bench\ntitle: Bench\nlimits: {timeout: 60}\ncriteria:\n"
        + textwrap.indent(textwrap.dedent(benchmark).strip(), "  ")
        + "\n"
    )
    return folder


SPEED = """
- id: speed
  kind: benchmark
  points: 9
  call: "calc:total"
  inputs: "bench.py:make_input"
  sizes: [40000, 80000, 160000, 320000]
  repeat: 3
  max_ratio: 3
  max_memory: 256KiB
  growth: linear
  call_timeout: 5
"""
PATIENT = SPEED.replace("call_timeout: 5", "call_timeout: 5\n  stop_ratio: 1000")
"""``SPEED`` measured to the end, however slow the student's calls (for what the ratio shows)."""


def submission(tmp_path: Path, source: str, name: str = "calc.py") -> Path:
    folder = tmp_path / "student"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source))
    return folder


@pytest.mark.slow
def test_the_reference_itself_earns_every_point(tmp_path: Path, sandbox: Sandbox) -> None:
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    result = grade(rubric.folder / "reference", rubric, sandbox).criteria[0]
    assert result.score == 9, result.summary
    assert result.verdict == "passed"
    assert len(result.details) == 5  # header and four sizes
    assert 0.6 < result.metrics["growth_exponent"] < 1.4


@pytest.mark.slow
def test_a_quadratic_function_loses_growth_and_time(tmp_path: Path, sandbox: Sandbox) -> None:
    """Measured to the end (a large ``stop_ratio``), it keeps the memory share; by default it is
    stopped once a call is over 20 times the reference's, and scores 0."""
    rubric = load_rubric(make_rubric(tmp_path / "patient", PATIENT) / "rubric.yaml")
    result = grade(submission(tmp_path, QUADRATIC), rubric, sandbox).criteria[0]
    assert result.score == 3, result.summary  # memory is all it keeps
    assert "over: time" in result.summary and "(quadratic)" in result.summary
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    stopped = grade(submission(tmp_path, QUADRATIC), rubric, sandbox).criteria[0]
    assert (stopped.score, stopped.verdict) == (0, "timeout"), stopped.summary
    assert "more than x20 the reference's time" in stopped.summary


@pytest.mark.slow
def test_a_list_of_the_whole_input_is_over_the_memory_budget(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    hungry = "def total(values):\n    kept = [len(str(v)) for v in values]\n    return sum(kept)\n"
    result = grade(submission(tmp_path, hungry), rubric, sandbox).criteria[0]
    assert "over: peak memory" in result.summary
    assert result.metrics["peak_memory_bytes"] > 256 * 1024
    assert result.score == 6


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "summary"),
    [
        (
            "def total(values):\n    return sum(len(str(v)) for v in values) + 1\n",
            "differs from the reference's",
        ),
        ("def total(values):\n    raise KeyError('boom')\n", "your function raised at size 40,000"),
        ("def total(values):\n    while True:\n        pass\n", "stopped at size 40,000"),
        ("def totl(values):\n    return 0\n", "cannot import calc:total"),
    ],
    ids=["wrong", "raises", "hangs", "missing"],
)
def test_what_goes_wrong_scores_zero_and_is_named(
    tmp_path: Path, sandbox: Sandbox, source: str, summary: str
) -> None:
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    result = grade(submission(tmp_path, source), rubric, sandbox).criteria[0]
    assert result.score == 0
    assert summary in result.summary + "\n".join(result.details)
    assert "bench_runner" not in "\n".join(result.details)  # the runner's frames are cut


@pytest.mark.slow
def test_iterators_are_consumed_and_compare_is_the_rubrics(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    bench = """
    def make_input(size):
        return (iter(range(size)),)

    def same(mine, theirs):
        return sorted(mine) == sorted(theirs)
    """
    folder = make_rubric(
        tmp_path, SPEED.replace("call_timeout: 5", 'compare: "bench.py:same"'), bench
    )
    (folder / "reference" / "calc.py").write_text(
        "def total(values):\n    for v in values:\n        yield len(str(v))\n"
    )
    rubric = load_rubric(folder / "rubric.yaml")
    backwards = "def total(values):\n    return reversed([len(str(v)) for v in values])\n"
    result = grade(submission(tmp_path, backwards), rubric, sandbox).criteria[0]
    assert "over: peak memory" in result.summary  # the same values, but all held at once
    assert result.score == 6


@pytest.mark.slow
def test_the_student_cannot_stop_the_clock(tmp_path: Path, sandbox: Sandbox) -> None:
    cheat = """
    import time

    time.perf_counter = lambda: 0.0

    def total(values):
        values = list(values)
        return sum(len(str(v)) for v in values for _ in range(30)) // 30
    """
    rubric = load_rubric(make_rubric(tmp_path, PATIENT) / "rubric.yaml")
    result = grade(submission(tmp_path, cheat), rubric, sandbox).criteria[0]
    assert result.metrics["student_seconds"] > 0
    assert "over: time" in result.summary


@pytest.mark.slow
def test_a_generator_with_a_round_parameter_keeps_a_cache_from_faking_speed(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    cached = """
    import functools

    @functools.lru_cache(maxsize=None)
    def total(values):
        return sum(len(str(v)) for v in values for _ in range(30)) // 30
    """
    same_input = "def make_input(size):\n    return (tuple(range(size)),)\n"
    per_round = "def make_input(size, round_):\n    return (tuple(range(round_, size + round_)),)\n"
    results = []
    for number, bench in enumerate((same_input, per_round)):
        rubric = load_rubric(make_rubric(tmp_path / str(number), PATIENT, bench) / "rubric.yaml")
        results.append(
            grade(submission(tmp_path / str(number), cached), rubric, sandbox).criteria[0]
        )
    assert "ok: time" in results[0].summary  # repeats of one input: the cache answers
    assert "over: time" in results[1].summary  # a new input each round: it cannot


@pytest.mark.slow
def test_work_handed_to_a_thread_is_counted(tmp_path: Path, sandbox: Sandbox) -> None:
    offload = """
    import threading

    def total(values):
        out = []
        worker = threading.Thread(
            target=lambda: out.append(sum(len(str(v)) for v in values for _ in range(30)) // 30)
        )
        worker.start()
        worker.join()
        return out[0]
    """
    rubric = load_rubric(make_rubric(tmp_path, PATIENT) / "rubric.yaml")
    result = grade(submission(tmp_path, offload), rubric, sandbox).criteria[0]
    assert result.metrics["ratio"] > 10, result.details
    assert "over: time" in result.summary


@pytest.mark.docker
@pytest.mark.slow
def test_the_benchmark_runs_in_the_docker_sandbox(tmp_path: Path, docker_grading: Sandbox) -> None:
    rubric = load_rubric(make_rubric(tmp_path, SPEED) / "rubric.yaml")
    scores = by_id(grade(submission(tmp_path, QUADRATIC), rubric, docker_grading))
    assert scores == {"speed": 0}  # stopped far over the reference's time
    reference = grade(rubric.folder / "reference", rubric, docker_grading).criteria[0]
    assert reference.score == 9, reference.summary
