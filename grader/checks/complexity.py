"""``complexity``: radon's cyclomatic complexity ranks and maintainability index.

radon reads ``radon.cfg``/``setup.cfg``/``tox.ini`` from its working folder,
so it runs from the grader's folder, never from the student's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field

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

Rank = Literal["A", "B", "C", "D", "E", "F"]
RANK_ORDER: dict[str, int] = {rank: index for index, rank in enumerate("ABCDEF")}


class ComplexityCriterion(StaticCriterion):
    """Measure cyclomatic complexity and maintainability with radon."""

    kind: Literal["complexity"]
    """Run `radon cc` and `radon mi`."""
    max_rank: Rank = "B"
    """Worst cyclomatic-complexity rank allowed for any function (A best, F worst)."""
    min_maintainability: float | None = Field(default=None, ge=0, le=100)
    """Lowest maintainability index (0-100) allowed for any file; none by default."""
    per_violation: PointCount = 1.0
    """Points deducted per function over `max_rank` and per file under `min_maintainability`."""


def cc_command(files: Iterable[str], min_rank: str | None = None) -> tuple[str, ...]:
    """``radon cc -j -s`` from the grader's folder; with ``min_rank``, only blocks ranked so or worse."""
    floor = ("-n", min_rank) if min_rank else ()
    return (
        "python",
        "-m",
        "radon",
        "cc",
        "-j",
        "-s",
        *floor,
        *(f"../submission/{name}" for name in files),
    )


def mi_command(files: Iterable[str]) -> tuple[str, ...]:
    """``radon mi -j -s`` from the grader's folder."""
    return ("python", "-m", "radon", "mi", "-j", "-s", *(f"../submission/{name}" for name in files))


def parse_cc(stdout: str, files: Iterable[str], max_rank: str) -> list[Finding]:
    """One finding per function or method; those worse than ``max_rank`` are errors."""
    data = load_json(stdout, "radon cc")
    if not isinstance(data, dict):
        raise ToolOutputError("radon cc printed JSON that is not an object of files")
    known = list(files)
    findings: list[Finding] = []
    for reported, blocks in data.items():
        path = relative_path(reported, known)
        if isinstance(blocks, dict):  # {"error": "..."}: radon could not parse the file
            findings.append(
                Finding(
                    path=path,
                    code="not-measured",
                    severity="info",
                    message=f"radon could not measure this file: {blocks.get('error', '?')}",
                )
            )
            continue
        findings.extend(_cc_finding(path, block, max_rank) for block in _functions(blocks))
    return sorted(findings, key=lambda f: (f.path, f.line or 0))


def _functions(blocks: Any) -> Iterable[dict[str, Any]]:
    """Functions and methods; a class's own figure is an aggregate and is skipped.

    radon lists each method twice, inside its class and again at the top
    level, so the top-level copy is the one counted.
    """
    if not isinstance(blocks, list):
        raise ToolOutputError("radon cc printed a file entry that is not a list")
    for block in blocks:
        if not isinstance(block, dict):
            raise ToolOutputError("radon cc printed a block that is not an object")
        if block.get("type") != "class":
            yield block


def _cc_finding(path: str, block: dict[str, Any], max_rank: str) -> Finding:
    try:
        rank = str(block["rank"])
        name = (
            f"{block['classname']}.{block['name']}"
            if block.get("classname")
            else str(block["name"])
        )
        too_complex = RANK_ORDER.get(rank, 0) > RANK_ORDER[max_rank]
        return Finding(
            path=path,
            line=block.get("lineno"),
            col=block["col_offset"] + 1 if isinstance(block.get("col_offset"), int) else None,
            code=f"cc-{rank}",
            message=f"{name}: cyclomatic complexity {block['complexity']} (rank {rank}; worst allowed {max_rank})",
            severity="error" if too_complex else "info",
        )
    except (KeyError, TypeError) as exc:
        raise ToolOutputError(f"radon cc printed a block without {exc}") from None


def parse_mi(stdout: str, files: Iterable[str], minimum: float | None) -> list[Finding]:
    """One finding per file below the maintainability minimum (info for the rest)."""
    data = load_json(stdout, "radon mi")
    if not isinstance(data, dict):
        raise ToolOutputError("radon mi printed JSON that is not an object of files")
    known = list(files)
    findings: list[Finding] = []
    for reported, entry in data.items():
        path = relative_path(reported, known)
        if not isinstance(entry, dict) or "error" in entry:
            continue  # unparsable files are already reported by radon cc
        try:
            index = float(entry["mi"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ToolOutputError(f"radon mi printed an entry without a number: {exc}") from None
        low = minimum is not None and index < minimum
        if low:
            findings.append(
                Finding(
                    path=path,
                    code="mi-low",
                    severity="error",
                    message=f"maintainability index {index:.1f} is below {minimum:g}",
                )
            )
    return findings


def run_complexity(criterion: ComplexityCriterion, ctx: CheckContext) -> CriterionResult:
    """Run radon cc (and radon mi when a minimum is set); deduct per violation."""
    files = select_files(criterion, ctx.submission.files)
    if not files:
        return failed(criterion, "no Python files to measure")
    try:
        findings, every_function = _radon_findings(criterion, ctx, files)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    violations = [finding for finding in findings if finding.severity == "error"]
    functions = [finding for finding in findings if finding.code.startswith("cc-")]
    metrics = {"violations": float(len(violations)), "functions": float(len(functions))}
    unchecked = unchecked_files(criterion, ctx, files, findings, ("not-measured",))
    if unchecked:  # radon's not-measured findings become the not-checked ones
        return unchecked_result(criterion, unchecked, violations, metrics)
    points = deduction(criterion.points, criterion.per_violation, len(violations), "violation")
    return result(
        criterion,
        points,
        _complexity_summary(criterion, functions, violations, every_function=every_function),
        findings=violations,
        metrics=metrics,
    )


def _radon_findings(
    criterion: ComplexityCriterion, ctx: CheckContext, files: list[str]
) -> tuple[list[Finding], bool]:
    """The findings, and whether every function is among them (not only those over max_rank)."""
    cc_run = checked_run(ctx, "radon cc", cc_command(files), ok_exits=(0,), cwd="grader")
    every_function = not cc_run.output_truncated
    if cc_run.output_truncated:  # too many functions to list: list only those over max_rank
        over = "ABCDEF"[min(RANK_ORDER[criterion.max_rank] + 1, 5)]
        argv = cc_command(files, min_rank=over)
        cc_run = checked_run(
            ctx, "radon cc", argv, ok_exits=(0,), cwd="grader", reports_findings=True
        )
    findings = parse_cc(cc_run.stdout, files, criterion.max_rank)
    if criterion.min_maintainability is not None:
        mi_run = checked_run(ctx, "radon mi", mi_command(files), ok_exits=(0,), cwd="grader")
        findings += parse_mi(mi_run.stdout, files, criterion.min_maintainability)
    return findings, every_function


def _complexity_summary(
    criterion: ComplexityCriterion,
    functions: list[Finding],
    violations: list[Finding],
    *,
    every_function: bool = True,
) -> str:
    worst = max(
        (finding.code[3:] for finding in functions),
        key=lambda rank: RANK_ORDER.get(rank, 0),
        default="A",
    )
    counted = plural(len(functions), "function")
    if not every_function:  # radon listed only the functions over max_rank
        counted = f"{counted} over rank {criterion.max_rank} (too many functions to list them all)"
    summary = f"{counted}, worst rank {worst} (allowed: {criterion.max_rank})"
    if criterion.min_maintainability is not None:
        low = sum(1 for finding in violations if finding.code == "mi-low")
        summary += (
            f"; {plural(low, 'file')} below maintainability {criterion.min_maintainability:g}"
        )
    return summary


KIND = CheckKind(
    model=ComplexityCriterion,
    run=run_complexity,
    tool="`radon cc -j`, `radon mi -j`",
    fields="`max_rank` (B), `min_maintainability` (none), `per_violation` (1), `include`, `exclude`",
    score="`points - per_violation x (functions over max_rank + files under the minimum)`",
)
