"""``lint``: ruff with the rubric's rules; the student's ruff configuration never counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from grader.checks.base import (
    CheckContext,
    checked_run,
    failed,
    load_json,
    relative_path,
    result,
    select_files,
    unchecked_files,
    unchecked_result,
)
from grader.checks.kind import CheckKind
from grader.errors import ToolOutputError
from grader.report.model import CriterionResult, Finding
from grader.report.wording import plural
from grader.rubric.model import PointCount, StaticCriterion
from grader.scoring import deduction


class LintCriterion(StaticCriterion):
    """Lint with ruff, using the rubric's rules and never the student's configuration."""

    kind: Literal["lint"]
    """Run `ruff check`."""
    select: tuple[str, ...] = ("E", "F")
    """Ruff rule codes or prefixes to enforce, e.g. `[E, F, B, UP]`."""
    ignore: tuple[str, ...] = ()
    """Ruff rule codes or prefixes to leave out."""
    per_violation: PointCount = 1.0
    """Points deducted per violation (the score never goes below 0)."""


UNPARSED_CODES = ("invalid-syntax", "syntax-error", "E902", "E999")
"""ruff's codes for a file it could not read (E902, io-error) or parse: it linted nothing there."""


def lint_command(criterion: LintCriterion, files: Iterable[str]) -> tuple[str, ...]:
    """``ruff check`` isolated from any configuration, with ``noqa`` comments ignored."""
    argv = [
        "python",
        "-m",
        "ruff",
        "check",
        "--isolated",
        "--no-cache",
        "--ignore-noqa",
        "--exit-zero",
    ]
    argv += [
        "--output-format",
        "json",
        "--target-version",
        "py311",
        "--select",
        ",".join(criterion.select),
    ]
    if criterion.ignore:
        argv += ["--ignore", ",".join(criterion.ignore)]
    return (*argv, "--", *files)


def parse_ruff(stdout: str, files: Iterable[str]) -> list[Finding]:
    """Findings from ``ruff check --output-format json``."""
    data = load_json(stdout, "ruff")
    if not isinstance(data, list):
        raise ToolOutputError("ruff printed JSON that is not a list of violations")
    known = list(files)
    return sorted(
        (_finding(item, known) for item in data),
        key=lambda f: (f.path, f.line or 0, f.col or 0, f.code),
    )


def _finding(item: Any, files: list[str]) -> Finding:
    try:
        location = item.get("location") or {}
        return Finding(
            path=relative_path(str(item["filename"]), files),
            line=location.get("row"),
            col=location.get("column"),
            code=item.get("code") or "syntax-error",
            message=str(item["message"]),
            severity="error",
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ToolOutputError(f"ruff printed a violation without {exc}") from None


def run_lint(criterion: LintCriterion, ctx: CheckContext) -> CriterionResult:
    """Run ruff on the selected files and deduct per violation."""
    files = select_files(criterion, ctx.submission.files)
    if not files:
        return failed(criterion, "no Python files to lint")
    try:
        run = checked_run(ctx, "ruff", lint_command(criterion, files), ok_exits=(0,))
        if run.output_truncated:  # the student's violations outgrew the output: count them
            return _counted_only(criterion, ctx, files)
        findings = parse_ruff(run.stdout, files)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    metrics = {"violations": float(len(findings))}
    unchecked = unchecked_files(criterion, ctx, files, findings, UNPARSED_CODES)
    if unchecked:
        return unchecked_result(criterion, unchecked, findings, metrics)
    points = deduction(criterion.points, criterion.per_violation, len(findings), "violation")
    summary = f"{plural(len(findings), 'violation')} of {', '.join(criterion.select)} in {plural(len(files), 'file')}"
    return result(criterion, points, summary, findings=findings, metrics=metrics)


def statistics_command(criterion: LintCriterion, files: Iterable[str]) -> tuple[str, ...]:
    """The same check, printing one count per rule instead of every violation."""
    argv = list(lint_command(criterion, files))
    argv.insert(argv.index("--"), "--statistics")
    return tuple(argv)


def parse_statistics(stdout: str) -> dict[str, int]:
    """Violations by rule (code, or name for the codeless syntax errors) from ``--statistics``."""
    data = load_json(stdout, "ruff")
    try:
        return {str(item["code"] or item["name"]): int(item["count"]) for item in data}
    except (KeyError, TypeError, ValueError) as exc:
        raise ToolOutputError(f"ruff printed statistics without {exc}") from None


def _counted_only(criterion: LintCriterion, ctx: CheckContext, files: list[str]) -> CriterionResult:
    """Too many violations to list (the report passed the output cap): grade from ruff's counts
    per rule, so a flood of violations is the student's lost points, not the grader's failure."""
    run = checked_run(ctx, "ruff", statistics_command(criterion, files), ok_exits=(0,))
    counts = parse_statistics(run.stdout)
    total = sum(counts.values())
    metrics = {"violations": float(total)}
    unchecked = unchecked_files(criterion, ctx, files, [], UNPARSED_CODES)
    if unchecked:
        return unchecked_result(criterion, unchecked, [], metrics)
    points = deduction(criterion.points, criterion.per_violation, total, "violation")
    worst = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    by_rule = ", ".join(f"{code} x{count}" for code, count in worst)
    summary = f"{plural(total, 'violation')} of {', '.join(criterion.select)} in {plural(len(files), 'file')}, too many to list (most: {by_rule})"
    return result(criterion, points, summary, metrics=metrics)


KIND = CheckKind(
    model=LintCriterion,
    run=run_lint,
    tool="`ruff check --isolated --ignore-noqa`",
    fields="`select` ([E, F]), `ignore` ([]), `per_violation` (1), `include` ([*.py]), `exclude` ([])",
    score="`points - per_violation x violations`, at least 0",
)
