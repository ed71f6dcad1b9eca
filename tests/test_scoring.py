"""Scoring arithmetic: properties that hold for every input, and the sentences that explain it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from grader.rubric.model import LatePolicy
from grader.scoring import (
    WeightedOutcome,
    apply_late_policy,
    deduction,
    proportional,
    share_passed,
    threshold_findings,
    unchecked_points,
)

SLACK = 0.01
"""Scores are rounded to hundredths, so a bound may be off by up to half a hundredth."""

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
DAY = timedelta(days=1)

points_st = st.floats(min_value=0, max_value=1000)
per_item_st = st.floats(min_value=0, max_value=100)
counts_st = st.integers(min_value=0, max_value=1000)
outcome_st = st.builds(
    WeightedOutcome,
    name=st.sampled_from(["test_a", "test_b", "test_c"]),
    # Rubric weights are 0 or ordinary numbers; subnormal weights (5e-324) make points x earned
    # underflow before the division, which the report describes separately.
    weight=st.just(0.0) | st.floats(min_value=0.001, max_value=100),
    passed=st.booleans(),
)
outcomes_st = st.lists(outcome_st, max_size=20)
threshold_st = st.sampled_from(["low", "medium", "high"])
policy_st = st.builds(
    LatePolicy,
    due=st.just(DUE),
    penalty_per_day=st.floats(min_value=0, max_value=100),
    max_days=st.integers(min_value=0, max_value=30),
    grace_minutes=st.integers(min_value=0, max_value=24 * 60),
)
offset_st = st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=40))


def is_hundredths(score: float) -> bool:
    """The score has at most two decimals."""
    return round(score, 2) == score


# deduction


@given(points_st, per_item_st, counts_st)
def test_deduction_stays_between_zero_and_the_points(
    points: float, per_item: float, count: int
) -> None:
    """A deduction never goes below 0 nor above the criterion's points."""
    score = deduction(points, per_item, count, "violation").score
    assert 0 <= score <= points + SLACK
    assert is_hundredths(score)


@given(points_st, per_item_st, counts_st, st.integers(min_value=1, max_value=100))
def test_more_violations_never_score_more(
    points: float, per_item: float, count: int, more: int
) -> None:
    """Adding violations never raises the score."""
    fewer = deduction(points, per_item, count, "violation").score
    assert deduction(points, per_item, count + more, "violation").score <= fewer


@given(points_st, per_item_st)
def test_no_violations_keep_full_points(points: float, per_item: float) -> None:
    """With no violations the score is the full points."""
    assert deduction(points, per_item, 0, "violation").score == pytest.approx(points, abs=SLACK)


def test_deduction_explains_the_arithmetic() -> None:
    """The explanation shows the points, the deduction per item, the count and the result."""
    points = deduction(10, 1, 3, "violation")
    assert points.score == 7
    assert "3 violations" in points.explanation
    assert "= 7" in points.explanation


def test_deduction_uses_the_singular_for_one_item() -> None:
    """One item is named in the singular."""
    explanation = deduction(10, 1, 1, "error").explanation
    assert "1 error " in explanation
    assert "errors" not in explanation


def test_deduction_without_items_says_so() -> None:
    """No items is explained as full points."""
    explanation = deduction(10, 1, 0, "violation").explanation
    assert "no violations" in explanation
    assert "10 of 10" in explanation


def test_deduction_floors_at_zero_and_says_so() -> None:
    """Deductions beyond the points give 0, and the explanation says it never goes below 0."""
    points = deduction(5, 2, 10, "violation")
    assert points.score == 0
    assert "= 0" in points.explanation
    assert "never below 0" in points.explanation


def test_deduction_is_rounded_to_hundredths() -> None:
    """Floating-point noise never reaches the score (1 - 3 x 0.1 is 0.7, not 0.7000000000000001)."""
    assert deduction(1, 0.1, 3, "violation").score == 0.7


# share_passed


@given(points_st, outcomes_st)
def test_share_passed_stays_between_zero_and_the_points(
    points: float, outcomes: list[WeightedOutcome]
) -> None:
    """The share of points earned is never below 0 nor above the criterion's points."""
    score = share_passed(points, outcomes).score
    assert 0 <= score <= points + SLACK
    assert is_hundredths(score)


@given(points_st, outcomes_st, st.data())
def test_passing_one_more_test_never_scores_less(
    points: float, outcomes: list[WeightedOutcome], data: st.DataObject
) -> None:
    """Turning a failing test into a passing one never lowers the score."""
    failing = [index for index, outcome in enumerate(outcomes) if not outcome.passed]
    assume(failing)
    index = data.draw(st.sampled_from(failing))
    better = list(outcomes)
    better[index] = WeightedOutcome(outcomes[index].name, outcomes[index].weight, passed=True)
    assert share_passed(points, better).score >= share_passed(points, outcomes).score


@given(points_st, outcomes_st, st.data())
def test_order_of_outcomes_does_not_matter(
    points: float, outcomes: list[WeightedOutcome], data: st.DataObject
) -> None:
    """Listing the same tests in another order gives the same score."""
    shuffled = data.draw(st.permutations(outcomes))
    assert share_passed(points, shuffled).score == pytest.approx(
        share_passed(points, outcomes).score, abs=SLACK
    )


@given(points_st, st.lists(outcome_st, min_size=1, max_size=20))
def test_all_passing_earns_full_points(points: float, outcomes: list[WeightedOutcome]) -> None:
    """When every weighted test passes, the score is the full points."""
    assume(sum(outcome.weight for outcome in outcomes) > 0)
    passing = [WeightedOutcome(o.name, o.weight, passed=True) for o in outcomes]
    assert share_passed(points, passing).score == pytest.approx(points, abs=SLACK)


@given(points_st, st.lists(outcome_st, max_size=20))
def test_no_weight_scores_zero(points: float, outcomes: list[WeightedOutcome]) -> None:
    """Without any test weight (no tests, or all of weight 0), nothing is earned."""
    weightless = [WeightedOutcome(o.name, 0.0, o.passed) for o in outcomes]
    points_earned = share_passed(points, weightless)
    assert points_earned.score == 0
    assert "no graded tests ran" in points_earned.explanation


def test_share_passed_explains_equal_weights_by_count() -> None:
    """With equal weights the explanation counts tests and does not mention weight."""
    outcomes = [
        WeightedOutcome("a", 1, True),
        WeightedOutcome("b", 1, True),
        WeightedOutcome("c", 1, False),
    ]
    points = share_passed(9, outcomes)
    assert points.score == 6
    assert "2 of 3 tests passed" in points.explanation
    assert "weight" not in points.explanation
    assert "= 6" in points.explanation


def test_share_passed_explains_weights_when_they_differ() -> None:
    """With unequal weights the explanation gives the weight earned out of the total."""
    outcomes = [WeightedOutcome("a", 2, True), WeightedOutcome("b", 1, False)]
    points = share_passed(9, outcomes)
    assert points.score == 6
    assert "1 of 2 tests passed" in points.explanation
    assert "weight 2 of 3" in points.explanation


# threshold_findings


@given(points_st, st.none() | per_item_st, counts_st, threshold_st)
def test_threshold_findings_stay_between_zero_and_the_points(
    points: float, per_finding: float | None, count: int, threshold: str
) -> None:
    """The security score is never below 0 nor above the criterion's points."""
    score = threshold_findings(points, per_finding, count, threshold).score
    assert 0 <= score <= points + SLACK


@given(
    points_st,
    st.none() | per_item_st,
    counts_st,
    st.integers(min_value=1, max_value=100),
    threshold_st,
)
def test_more_findings_never_score_more(
    points: float, per_finding: float | None, count: int, more: int, threshold: str
) -> None:
    """Adding findings at or above the threshold never raises the score."""
    fewer = threshold_findings(points, per_finding, count, threshold).score
    assert threshold_findings(points, per_finding, count + more, threshold).score <= fewer


@given(points_st, st.integers(min_value=1, max_value=1000), threshold_st)
def test_any_finding_costs_everything_without_per_finding(
    points: float, count: int, threshold: str
) -> None:
    """Without ``per_finding``, a single finding at or above the threshold costs all the points."""
    assert threshold_findings(points, None, count, threshold).score == 0


def test_threshold_findings_without_findings_name_the_threshold() -> None:
    """Without findings the explanation names the threshold and gives the full points."""
    clean = threshold_findings(5, None, 0, "medium")
    assert clean.score == 5
    assert "no findings of medium severity or above" in clean.explanation
    assert "5 of 5" in clean.explanation


def test_threshold_findings_deduct_per_finding() -> None:
    """With ``per_finding``, each finding at or above the threshold costs that many points."""
    found = threshold_findings(5, 1, 2, "high")
    assert found.score == 3
    assert "= 3" in found.explanation
    assert "high" in found.explanation


def test_threshold_findings_explanation_pluralises_findings() -> None:
    """Several findings are called ``findings``, in plain English."""
    explanation = threshold_findings(5, 1, 2, "high").explanation
    assert "2 findings of high severity or above" in explanation
    assert "+s" not in explanation


# proportional

target_st = st.floats(min_value=1, max_value=100)
value_st = st.floats(min_value=-10, max_value=200)


@given(points_st, value_st, target_st)
def test_proportional_stays_between_zero_and_the_points(
    points: float, value: float, target: float
) -> None:
    """A proportional score is never below 0 nor above the criterion's points."""
    score = proportional(points, value, target).score
    assert 0 <= score <= points + SLACK
    assert is_hundredths(score)


@given(points_st, value_st, value_st, target_st)
def test_proportional_is_monotone_in_the_value(
    points: float, one: float, other: float, target: float
) -> None:
    """A higher value never scores less."""
    low, high = sorted((one, other))
    assert proportional(points, low, target).score <= proportional(points, high, target).score


@given(points_st, target_st, st.floats(min_value=0, max_value=100))
def test_proportional_is_full_at_or_above_the_target(
    points: float, target: float, above: float
) -> None:
    """Reaching the target, or going past it, earns the full points."""
    assert proportional(points, target + above, target).score == pytest.approx(points, abs=SLACK)


def test_proportional_explains_the_ratio() -> None:
    """Below the target the explanation shows the ratio; at or above it, the full points."""
    half = proportional(10, 40, 80)
    assert half.score == 5
    assert "40% < 80%" in half.explanation
    assert "= 5" in half.explanation
    full = proportional(10, 90, 80)
    assert full.score == 10
    assert "90% >= 80%" in full.explanation
    assert "10 of 10" in full.explanation


# late policy


def deadline(policy: LatePolicy) -> datetime:
    """The due date plus the grace period."""
    return policy.due + timedelta(minutes=policy.grace_minutes)


@given(points_st, policy_st, st.timedeltas(min_value=-3 * DAY, max_value=timedelta(0)))
def test_on_time_submission_is_unchanged(
    score: float, policy: LatePolicy, early: timedelta
) -> None:
    """A submission at or before the deadline plus grace keeps its score and is accepted."""
    late = apply_late_policy(score, policy, deadline(policy) + early)
    assert late.score == pytest.approx(score, abs=SLACK)
    assert (late.days_late, late.penalty_percent, late.accepted) == (0, 0, True)


@given(points_st, policy_st, offset_st, offset_st)
def test_later_never_scores_more(
    score: float, policy: LatePolicy, one: timedelta, other: timedelta
) -> None:
    """Submitting later never earns more than submitting earlier."""
    earlier, later = sorted((one, other))
    early = apply_late_policy(score, policy, policy.due + earlier)
    late = apply_late_policy(score, policy, policy.due + later)
    assert late.score <= early.score
    assert late.days_late >= early.days_late


@given(points_st, policy_st, offset_st)
def test_late_score_stays_between_zero_and_the_score(
    score: float, policy: LatePolicy, offset: timedelta
) -> None:
    """A late penalty never makes a score negative or larger, and never deducts over 100%."""
    late = apply_late_policy(score, policy, policy.due + offset)
    assert 0 <= late.score <= score + SLACK
    assert 0 <= late.penalty_percent <= 100
    assert is_hundredths(late.score)


@given(points_st, policy_st, st.timedeltas(min_value=timedelta(microseconds=1), max_value=40 * DAY))
def test_past_max_days_scores_zero_and_is_not_accepted(
    score: float, policy: LatePolicy, beyond: timedelta
) -> None:
    """A submission more than ``max_days`` after the deadline scores 0 and is not accepted."""
    late = apply_late_policy(score, policy, deadline(policy) + policy.max_days * DAY + beyond)
    assert late.days_late > policy.max_days
    assert (late.score, late.accepted) == (0, False)


@given(points_st, policy_st, st.timedeltas(min_value=timedelta(microseconds=1), max_value=40 * DAY))
def test_a_started_day_counts_as_a_whole_day(
    score: float, policy: LatePolicy, after: timedelta
) -> None:
    """Days late is the number of started days after the deadline plus grace."""
    late = apply_late_policy(score, policy, deadline(policy) + after)
    started_days = -(-after // DAY)
    assert late.days_late == started_days


@given(points_st, policy_st, offset_st, st.integers(min_value=-12, max_value=14))
def test_time_zone_of_the_submission_does_not_matter(
    score: float, policy: LatePolicy, offset: timedelta, hours: int
) -> None:
    """The same instant written in another time zone gets the same penalty."""
    instant = policy.due + offset
    elsewhere = instant.astimezone(timezone(timedelta(hours=hours)))
    assert apply_late_policy(score, policy, elsewhere) == apply_late_policy(score, policy, instant)


@pytest.mark.parametrize(
    ("after_due", "days_late"),
    [
        (timedelta(seconds=1), 1),
        (timedelta(hours=23, minutes=59), 1),
        (DAY, 1),
        (DAY + timedelta(seconds=1), 2),
        (3 * DAY, 3),
    ],
)
def test_days_late_examples(after_due: timedelta, days_late: int) -> None:
    """One second late is one day late; exactly one day late is still one day."""
    policy = LatePolicy(due=DUE, penalty_per_day=10, max_days=5)
    assert apply_late_policy(80, policy, DUE + after_due).days_late == days_late


@pytest.mark.parametrize(
    ("after_due", "accepted_on_time"),
    [
        (timedelta(minutes=29, seconds=59), True),
        (timedelta(minutes=30), True),
        (timedelta(minutes=30, seconds=1), False),
    ],
)
def test_grace_minutes_are_on_time(after_due: timedelta, accepted_on_time: bool) -> None:
    """Within the grace minutes a submission is on time; one second after them it is a day late."""
    policy = LatePolicy(due=DUE, penalty_per_day=10, max_days=5, grace_minutes=30)
    late = apply_late_policy(80, policy, DUE + after_due)
    assert (late.days_late == 0) is accepted_on_time
    assert late.score == (80 if accepted_on_time else 72)


def test_late_penalty_deducts_a_percentage_per_day() -> None:
    """Two days late at 10% per day keeps 80% of the score."""
    policy = LatePolicy(due=DUE, penalty_per_day=10, max_days=5)
    late = apply_late_policy(80, policy, DUE + DAY + timedelta(hours=1))
    assert (late.score, late.days_late, late.penalty_percent, late.accepted) == (64, 2, 20, True)


def test_what_could_not_be_checked_scores_zero_and_names_the_files() -> None:
    """Nothing for a check that could not read a file, with the first five files named."""
    one = unchecked_points(5, ["records.py"])
    assert one.score == 0
    assert one.explanation.startswith("1 file could not be checked (records.py)")
    many = unchecked_points(10, [f"m{n}.py" for n in range(7)])
    assert "(m0.py, m1.py, m2.py, m3.py, m4.py and 2 more)" in many.explanation
    assert many.explanation.endswith("0 of 10")
