"""``security``: bandit, with ``# nosec`` comments ignored and no configuration file read."""

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
from grader.scoring import threshold_findings

Severity = Literal["low", "medium", "high"]
SEVERITY_ORDER: dict[str, int] = {"low": 1, "medium": 2, "high": 3}


class SecurityCriterion(StaticCriterion):
    """Scan for security problems with bandit."""

    kind: Literal["security"]
    """Run `bandit`."""
    fail_on: Severity = "medium"
    """Lowest severity that costs points; findings below it are shown as advice."""
    min_confidence: Severity = "low"
    """Lowest bandit confidence that costs points."""
    per_finding: PointCount | None = None
    """Points deducted per finding at or above the thresholds; default: all the points."""
    skip: tuple[str, ...] = ()
    """Bandit test ids to skip, e.g. `[B101]`."""


BANDIT_ISSUES_EXIT = 1


def security_command(
    criterion: SecurityCriterion, files: Iterable[str], *, counted_only: bool = False
) -> tuple[str, ...]:
    """``bandit`` on explicit files: given no folder, it looks for no ``.bandit`` file.

    ``counted_only`` leaves out the findings below the rubric's thresholds (the advice)."""
    argv = ["python", "-m", "bandit", "-f", "json", "-q", "--ignore-nosec"]
    if criterion.skip:
        argv += ["-s", ",".join(criterion.skip)]
    if counted_only:
        argv += ["--severity-level", criterion.fail_on]
        argv += ["--confidence-level", criterion.min_confidence]
    return (*argv, "--", *files)


def parse_bandit(stdout: str, files: Iterable[str], criterion: SecurityCriterion) -> list[Finding]:
    """Findings from ``bandit -f json``; those below the rubric's thresholds are ``info``."""
    data = load_json(stdout, "bandit")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ToolOutputError("bandit printed JSON without a results list")
    known = list(files)
    findings = [_finding(item, known, criterion) for item in data["results"]]
    for error in data.get("errors") or []:
        name = relative_path(str(error.get("filename", "?")), known)
        findings.append(
            Finding(
                path=name,
                code="not-scanned",
                severity="info",
                message=f"bandit could not scan this file: {error.get('reason', 'unknown reason')}",
            )
        )
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.code))


def _finding(item: Any, files: list[str], criterion: SecurityCriterion) -> Finding:
    try:
        severity = str(item["issue_severity"]).lower()
        confidence = str(item["issue_confidence"]).lower()
        counts = (
            SEVERITY_ORDER.get(severity, 0) >= SEVERITY_ORDER[criterion.fail_on]
            and SEVERITY_ORDER.get(confidence, 0) >= SEVERITY_ORDER[criterion.min_confidence]
        )
        return Finding(
            path=relative_path(str(item["filename"]), files),
            line=item.get("line_number"),
            col=item["col_offset"] + 1 if isinstance(item.get("col_offset"), int) else None,
            code=str(item["test_id"]),
            message=f"{item['issue_text']} (severity {severity}, confidence {confidence})",
            severity="error" if counts else "info",
        )
    except (KeyError, TypeError) as exc:
        raise ToolOutputError(f"bandit printed a result without {exc}") from None


def run_security(criterion: SecurityCriterion, ctx: CheckContext) -> CriterionResult:
    """Run bandit; full points with nothing at or above the thresholds."""
    files = select_files(criterion, ctx.submission.files)
    if not files:
        return failed(criterion, "no Python files to scan")
    try:
        run = checked_run(
            ctx, "bandit", security_command(criterion, files), ok_exits=(0, BANDIT_ISSUES_EXIT)
        )
        if run.output_truncated:  # the advice outgrew the output: list only what counts
            argv = security_command(criterion, files, counted_only=True)
            run = checked_run(
                ctx, "bandit", argv, ok_exits=(0, BANDIT_ISSUES_EXIT), reports_findings=True
            )
        findings = parse_bandit(run.stdout, files, criterion)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    counted = sum(1 for finding in findings if finding.severity == "error")
    unchecked = unchecked_files(criterion, ctx, files, findings, ("not-scanned",))
    if unchecked:
        scanned = [finding for finding in findings if finding.code != "not-scanned"]
        return unchecked_result(criterion, unchecked, scanned, {"findings": float(counted)})
    points = threshold_findings(criterion.points, criterion.per_finding, counted, criterion.fail_on)
    return result(
        criterion,
        points,
        _security_summary(criterion, findings, counted),
        findings=findings,
        metrics={"findings": float(counted)},
    )


def _security_summary(criterion: SecurityCriterion, findings: list[Finding], counted: int) -> str:
    below = sum(
        1 for finding in findings if finding.code != "not-scanned" and finding.severity == "info"
    )
    summary = f"{plural(counted, 'finding')} of {criterion.fail_on} severity or above"
    return summary + (f", {below} below the threshold" if below else "")


KIND = CheckKind(
    model=SecurityCriterion,
    run=run_security,
    tool="`bandit -f json --ignore-nosec`",
    fields="`fail_on` (medium), `min_confidence` (low), `per_finding` (all the points), `skip` ([]), `include`, `exclude`",
    score="full points with no finding at or above both thresholds, else `points - per_finding x findings`",
)
