"""The check kinds: each runs its tool in the workspace and scores its criterion.

Every check module keeps its I/O in one ``run_*`` function; parsing and
scoring are pure functions beside it, tested against recorded tool output.
"""

from __future__ import annotations

from grader.checks.base import CheckContext
from grader.checks.benchmark import run_benchmark
from grader.checks.complexity import run_complexity
from grader.checks.coverage import run_coverage
from grader.checks.lint import run_lint
from grader.checks.security import run_security
from grader.checks.test_quality import run_test_quality
from grader.checks.tests import run_tests
from grader.checks.typecheck import run_types
from grader.report.model import CriterionResult
from grader.rubric.model import (
    BenchmarkCriterion,
    ComplexityCriterion,
    CoverageCriterion,
    Criterion,
    LintCriterion,
    SecurityCriterion,
    TestQualityCriterion,
    TestsCriterion,
    TypesCriterion,
)

__all__ = ["CheckContext", "run_check"]


def run_check(criterion: Criterion, ctx: CheckContext) -> CriterionResult:
    """Run the check for one criterion."""
    match criterion:
        case TestsCriterion():
            return run_tests(criterion, ctx)
        case LintCriterion():
            return run_lint(criterion, ctx)
        case TypesCriterion():
            return run_types(criterion, ctx)
        case SecurityCriterion():
            return run_security(criterion, ctx)
        case ComplexityCriterion():
            return run_complexity(criterion, ctx)
        case CoverageCriterion():
            return run_coverage(criterion, ctx)
        case BenchmarkCriterion():
            return run_benchmark(criterion, ctx)
        case TestQualityCriterion():
            return run_test_quality(criterion, ctx)
    raise AssertionError(
        f"no check for kind {criterion.kind!r}"
    )  # unreachable: the union is closed
