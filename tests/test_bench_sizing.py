"""``grader rubric size-bench``: a benchmark's sizes, repeat and call timeout from the reference's timings.

The proposal is a pure function of timings, tested on synthetic references (linear,
quadratic, constant, tiny, slow, too slow); the ladder is driven by ``next_size`` on the same
synthetic clocks. Real runs time a small reference in ``tmp_path`` with the local sandbox, and
(slow) week 10's reference.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from grader.checks import bench_sizing
from grader.checks.bench_sizing import (
    HEADROOM,
    LARGEST_TIME,
    QUADRATIC_MARGIN,
    SMALLEST_TIME,
    BenchSource,
    Goals,
    Proposal,
    Timing,
    best_effort,
    draft_criterion,
    next_size,
    propose,
    round_timeout,
    size_benchmark,
)
from grader.checks.benchmark import BenchmarkCriterion
from grader.checks.rubric import load_rubric
from grader.cli import rubric_tools
from grader.cli.commands import app
from grader.errors import InputError
from grader.rubric.model import Limits
from grader.sandbox.local import LocalSandbox

RUBRICS = Path(__file__).resolve().parent.parent / "rubrics"
RATIO_3 = Goals(max_ratio=3.0, step_timeout=60)
GROWTH_ONLY = Goals(max_ratio=None, step_timeout=60)


def climb(clock: Callable[[int], float | None], start: int, goals: Goals) -> list[Timing]:
    """The ladder ``size_benchmark`` would time, on a synthetic clock."""
    timings: list[Timing] = []
    while (size := next_size(timings, start, goals)) is not None:
        timings.append(Timing(size, clock(size)))
        assert len(timings) < 60, "the ladder does not end"
    return timings


def assert_bounds_a_quadratic(proposal: Proposal) -> None:
    """The proposal's promise: a fine submission fits, a quadratic one hits the timeout."""
    assert proposal.bounded
    assert list(proposal.sizes) == sorted(set(proposal.sizes)) and len(proposal.sizes) >= 3
    assert proposal.times[0] >= SMALLEST_TIME or proposal.sizes[0] == 1
    assert proposal.call_timeout >= HEADROOM * proposal.fine_seconds
    assert proposal.quadratic_seconds >= QUADRATIC_MARGIN * proposal.call_timeout
    calls = proposal.repeat * len(proposal.sizes)
    assert proposal.quadratic_step_seconds() <= calls * (proposal.call_timeout + proposal.times[-1])


def test_a_linear_reference_gets_a_timeout_that_stops_a_quadratic_submission() -> None:
    """1 µs per item: the ladder starts where a call takes 5 ms and stops once the quadratic
    model needs twice the timeout; the timeout leaves x3 headroom over max_ratio x the reference."""
    proposal = propose(climb(lambda n: n * 1e-6, 1000, RATIO_3), RATIO_3)
    assert proposal is not None
    assert_bounds_a_quadratic(proposal)
    assert proposal.sizes[0] == 8000
    assert (
        proposal.sizes[-1] == 256_000
    )  # 0.256 s: a quadratic call needs 8.2 s, the timeout is 2.5 s
    assert proposal.call_timeout == 2.5
    assert proposal.repeat == 3
    assert proposal.warnings() == []


def test_a_quadratic_reference_cannot_bound_a_quadratic_submission() -> None:
    """A reference that is itself quadratic reaches LARGEST_TIME before the model (a quadratic
    submission tied at the smallest size is then cubic-like) needs twice the timeout: the best
    effort is proposed, with the warning."""
    timings = climb(lambda n: (n / 1000) ** 2 * 1e-3, 1000, RATIO_3)
    assert propose(timings, RATIO_3) is None
    proposal = best_effort(timings, RATIO_3)
    assert proposal is not None and not proposal.bounded
    assert proposal.times[-1] <= LARGEST_TIME
    assert proposal.warnings()


def test_a_tiny_reference_climbs_until_calls_are_long_enough_to_time() -> None:
    """A nanosecond per item: the ladder climbs from 1,000 to millions, not stopping at noise."""
    timings = climb(lambda n: n * 1e-9, 1000, GROWTH_ONLY)
    proposal = propose(timings, GROWTH_ONLY)
    assert proposal is not None
    assert_bounds_a_quadratic(proposal)
    assert proposal.sizes[0] >= 5_000_000
    assert proposal.call_timeout >= HEADROOM * 5 * proposal.times[-1]  # x5 without max_ratio


def test_a_slow_reference_walks_down_before_it_climbs() -> None:
    """A millisecond per item from a start of 1,000 (a second a call): halve down to calls of
    about 5 ms, then propose small sizes."""
    timings = climb(lambda n: n * 1e-3, 1000, RATIO_3)
    assert min(t.size for t in timings) < 16
    proposal = propose(timings, RATIO_3)
    assert proposal is not None
    assert_bounds_a_quadratic(proposal)
    assert proposal.sizes[-1] < 1000


def test_a_constant_reference_still_bounds_the_model() -> None:
    """A reference that takes 0.4 s whatever the size walks down to size 1 and spreads wide."""
    proposal = propose(climb(lambda _n: 0.4, 64, RATIO_3), RATIO_3)
    assert proposal is not None
    assert_bounds_a_quadratic(proposal)


def test_a_reference_too_slow_to_bound_gets_a_best_effort_with_a_warning() -> None:
    """When a call times out (None) before a bounding span is found, the widest span that was
    timed is proposed, marked unbounded, with a warning that says so."""
    timings = [Timing(1000, 0.006), Timing(2000, 0.012), Timing(4000, 0.024), Timing(8000, None)]
    assert next_size(timings, 1000, RATIO_3) is None
    assert propose(timings, RATIO_3) is None
    proposal = best_effort(timings, RATIO_3)
    assert proposal is not None and not proposal.bounded
    assert proposal.sizes == (1000, 2000, 4000)
    assert "the timeout may not stop it" in proposal.warnings()[0]


def test_the_ladder_stops_past_the_largest_time() -> None:
    """A reference whose call passes LARGEST_TIME ends the ladder, bounded or not."""
    timings = [Timing(1000, 0.006), Timing(2000, 0.1), Timing(4000, LARGEST_TIME * 2)]
    assert next_size(timings, 1000, RATIO_3) is None


def test_fewer_than_three_sizes_give_no_proposal() -> None:
    assert best_effort([Timing(1000, 0.01), Timing(2000, None)], RATIO_3) is None


def test_a_step_budget_too_small_for_the_repeats_is_warned_about() -> None:
    """Timed calls of a submission at the ratio taking over half of limits.timeout are named."""
    tight = Goals(max_ratio=3.0, step_timeout=4)
    proposal = propose(climb(lambda n: n * 1e-6, 1000, tight), tight)
    assert proposal is not None
    assert any("limits.timeout" in warning for warning in proposal.warnings())


def test_a_size_out_of_memory_or_too_slow_ends_the_ladder_and_says_why() -> None:
    """A MemoryError in the generator or the reference (the rubric's limits.memory), or a
    call over the probe's limit, is the ladder's end, not an error; other failures are."""
    oom = {
        "rubric_fault": "the rubric's input generator failed: ... numpy._core._exceptions._ArrayMemoryError: Unable to allocate"
    }
    assert bench_sizing.read_probe(oom, 4_800_000) == Timing(
        4_800_000, None, bench_sizing.OUT_OF_MEMORY
    )
    slow = {"failure": {"kind": "timeout", "message": "one call took longer than 30 s", "size": 9}}
    assert bench_sizing.read_probe(slow, 9).why == "a call took over 30 s"
    raised = {
        "failure": {"kind": "exception", "message": "your function raised: KeyError", "size": 9}
    }
    with pytest.raises(InputError, match="the reference failed at size 9"):
        bench_sizing.read_probe(raised, 9)
    timed = {"reference": [0.02, 0.01], "student": [0.015], "failure": None}
    assert bench_sizing.read_probe(timed, 9) == Timing(9, 0.01)
    timings = [
        Timing(1000, 0.006),
        Timing(2000, 0.012),
        Timing(4000, 0.024),
        Timing(8000, None, "out of memory"),
    ]
    assert next_size(timings, 1000, RATIO_3) is None


@pytest.mark.parametrize(
    ("seconds", "rounded"), [(0.2, 0.5), (1.0, 1.0), (1.01, 1.5), (9.9, 10.0), (10.2, 11.0)]
)
def test_timeouts_are_rounded_up_to_values_worth_writing(seconds: float, rounded: float) -> None:
    assert round_timeout(seconds) == rounded


@given(
    per_item=st.floats(min_value=1e-9, max_value=1e-4),
    start=st.sampled_from([100, 1000, 16_000]),
    max_ratio=st.sampled_from([None, 1.5, 3.0, 10.0]),
)
def test_any_linear_reference_gets_a_bounding_proposal(
    per_item: float, start: int, max_ratio: float | None
) -> None:
    """Whatever a linear reference's speed and the start, the ladder ends with a proposal that
    lets a fine submission through and stops a quadratic one."""
    goals = Goals(max_ratio=max_ratio, step_timeout=600)
    proposal = propose(climb(lambda n: n * per_item, start, goals), goals)
    assert proposal is not None
    assert_bounds_a_quadratic(proposal)


def test_the_snippet_pasted_into_the_criterion_validates() -> None:
    """The printed YAML, merged into week 10's criterion, is a valid benchmark."""
    proposal = propose(climb(lambda n: n * 2e-6, 1000, RATIO_3), RATIO_3)
    assert proposal is not None
    loaded = load_rubric(RUBRICS / "week10-performance" / "rubric.yaml")
    [speed] = [c for c in loaded.rubric.criteria if isinstance(c, BenchmarkCriterion)]
    pasted = speed.model_dump(exclude_none=True) | yaml.safe_load(proposal.yaml())
    merged = BenchmarkCriterion.model_validate(pasted)
    assert merged.sizes == proposal.sizes
    assert merged.call_timeout == proposal.call_timeout


# --- real runs -------------------------------------------------------------

REFERENCE = """
def total(values):
    return sum(len(str(v)) for v in values)
"""


def small_rubric(tmp_path: Path, bench: str, benchmark: str = "") -> Path:
    """A rubric folder with a linear reference and one benchmark criterion."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "calc.py").write_text(REFERENCE)
    (tmp_path / "bench.py").write_text(textwrap.dedent(bench))
    criterion = benchmark or (
        "- {id: speed, kind: benchmark, points: 5, call: 'calc:total', "
        "inputs: 'bench.py:make_input', sizes: [1000, 2000, 4000], max_ratio: 2}"
    )
    (tmp_path / "rubric.yaml").write_text(
        f"id: sizing\ntitle: Sizing\nlimits: {{timeout: 60}}\ncriteria:\n  {criterion}\n"
    )
    return tmp_path / "rubric.yaml"


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter targets, so a real ladder takes well under a second."""
    monkeypatch.setattr(bench_sizing, "SMALLEST_TIME", 0.001)
    monkeypatch.setattr(bench_sizing, "MIN_CALL_TIMEOUT", 0.005)


@pytest.mark.slow  # a few seconds: one interpreter per size, on a loaded host
@pytest.mark.usefixtures("quick")
def test_a_real_reference_is_timed_up_the_ladder(tmp_path: Path) -> None:
    """The benchmark's own runner times the reference locally; the proposal bounds the model."""
    loaded = load_rubric(
        small_rubric(tmp_path, "def make_input(size):\n    return (range(size),)\n")
    )
    [speed] = loaded.rubric.criteria
    assert isinstance(speed, BenchmarkCriterion)
    seen: list[Timing] = []
    timings, proposal = size_benchmark(
        LocalSandbox(), BenchSource.of(loaded), speed, start=16000, progress=seen.append
    )
    assert seen == timings and len(timings) >= 3
    assert all(t.seconds is not None and t.seconds > 0 for t in timings)
    assert proposal is not None and proposal.bounded
    assert proposal.quadratic_seconds >= 2 * proposal.call_timeout


def test_the_command_prints_the_timings_and_the_snippet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`grader rubric size-bench` prints each size timed, the table, the arithmetic and YAML to
    paste (the timing itself faked here: the real one is tested above)."""
    clock = [Timing(1000 * 2**k, 1e-6 * 1000 * 2**k) for k in range(9)]

    def measured(*_args: object, progress: Callable[[Timing], None], **_kw: object) -> object:
        for timing in clock:
            progress(timing)
        return clock, propose(clock, RATIO_3)

    monkeypatch.setattr(rubric_tools, "size_benchmark", measured)
    rubric = small_rubric(tmp_path, "def make_input(size):\n    return (range(size),)\n")
    result = CliRunner().invoke(app, ["rubric", "size-bench", str(rubric.parent)])
    assert result.exit_code == 0, result.output
    assert "size      256,000: reference 256.0 ms" in result.output
    assert "the quadratic one would need 8.19 s and is stopped" in result.output
    snippet = result.output.split("# paste into criterion 'speed':\n")[1]
    assert yaml.safe_load(snippet) == {
        "sizes": [8000, 16000, 32000, 64000, 128000, 256000],
        "repeat": 3,
        "call_timeout": 2.5,
    }


def test_a_reference_that_disagrees_with_itself_is_the_rubrics_problem(tmp_path: Path) -> None:
    """Two imports of the reference compared on one input must agree: a generator that is not
    deterministic (or results of two classes without `compare`) is named."""
    bench = """
    import random
    def make_input(size):
        return (range(random.randrange(1, size)),)
    """
    loaded = load_rubric(small_rubric(tmp_path, bench))
    [speed] = loaded.rubric.criteria
    assert isinstance(speed, BenchmarkCriterion)
    with pytest.raises(InputError, match="deterministic"):
        size_benchmark(LocalSandbox(), BenchSource.of(loaded), speed, start=1000)


def test_a_rubric_without_that_benchmark_exits_2(tmp_path: Path) -> None:
    """Naming a criterion that is not a benchmark is unusable input, and says which exist."""
    rubric = small_rubric(tmp_path, "def make_input(size):\n    return (range(size),)\n")
    result = CliRunner().invoke(app, ["rubric", "size-bench", str(rubric), "--criterion", "nope"])
    assert result.exit_code == 2
    assert "no benchmark criterion 'nope' (benchmarks: speed)" in result.output


@pytest.mark.slow
def test_week10s_reference_gets_a_bounding_proposal() -> None:
    """Week 10's sessionizer (n log n): sizes up to about 128,000 and a timeout of seconds, not 10."""
    loaded = load_rubric(RUBRICS / "week10-performance" / "rubric.yaml")
    [speed] = [c for c in loaded.rubric.criteria if isinstance(c, BenchmarkCriterion)]
    _, proposal = size_benchmark(LocalSandbox(), BenchSource.of(loaded), speed)
    assert proposal is not None and proposal.bounded
    assert proposal.call_timeout < speed.call_timeout
    assert proposal.quadratic_seconds >= 2 * proposal.call_timeout
    assert math.isfinite(proposal.quadratic_step_seconds())


@pytest.mark.parametrize(
    ("first", "last", "kept"),
    [
        (0, 4, [0, 1, 2, 3, 4]),
        (0, 6, [0, 2, 4, 6]),
        (0, 7, [0, 1, 3, 5, 7]),
        (3, 13, [3, 5, 7, 9, 11, 13]),
    ],
)
def test_a_long_ladder_is_thinned_evenly_from_the_top(
    first: int, last: int, kept: list[int]
) -> None:
    """Seven doublings become steps of 4 from the largest size down, not an uneven pick."""
    assert bench_sizing._thin(range(first, last + 1)) == kept


def test_a_benchmark_the_rubric_does_not_have_yet_can_be_sized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--call`, `--inputs` (and `--compare`, `--reference`, `--max-ratio`) size a draft
    criterion in a folder that has no rubric yet, under the default limits."""
    small_rubric(tmp_path, "def make_input(size):\n    return (range(size),)\n")
    (tmp_path / "rubric.yaml").unlink()
    clock = [Timing(1000 * 2**k, 1e-6 * 1000 * 2**k) for k in range(9)]
    seen: list[tuple[BenchSource, BenchmarkCriterion, int | None]] = []

    def measured(
        _sandbox: object,
        source: BenchSource,
        criterion: BenchmarkCriterion,
        start: int | None,
        **_kw: object,
    ) -> object:
        seen.append((source, criterion, start))
        return clock, propose(clock, Goals.of(criterion, source.limits.timeout))

    monkeypatch.setattr(rubric_tools, "size_benchmark", measured)
    result = CliRunner().invoke(
        app,
        [
            "rubric",
            "size-bench",
            str(tmp_path),
            "--call",
            "calc:total",
            "--inputs",
            "bench.py:make_input",
            "--max-ratio",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    [(source, criterion, start)] = seen
    assert (source.folder, source.limits.timeout) == (tmp_path, 120)
    assert (criterion.call, criterion.inputs, criterion.max_ratio) == (
        "calc:total",
        "bench.py:make_input",
        3.0,
    )
    assert start is None and criterion.sizes[0] // 16 == 1000
    assert "call_timeout: 2.5" in result.output


def test_a_draft_names_what_is_missing_or_malformed(tmp_path: Path) -> None:
    """A draft's call must be module:function and its files must exist, named by option."""
    source = BenchSource(tmp_path, Limits())
    with pytest.raises(InputError, match="--call: String should match pattern"):
        draft_criterion(source, "calc", "bench.py:make_input")
    with pytest.raises(InputError, match=r"--reference: .* is not a folder"):
        draft_criterion(source, "calc:total", "bench.py:make_input")
    result = CliRunner().invoke(
        app, ["rubric", "size-bench", str(tmp_path), "--call", "calc:total"]
    )
    assert result.exit_code == 2
    assert "--call needs --inputs" in result.output
