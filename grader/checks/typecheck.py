"""``types``: mypy with the grader's configuration file, never the student's."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal

from grader.checks.base import (
    CheckContext,
    WorkspaceFile,
    checked_run,
    failed,
    first_line,
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


class TypesCriterion(StaticCriterion):
    """Type-check with mypy."""

    kind: Literal["types"]
    """Run `mypy`."""
    strict: bool = False
    """Run mypy in `--strict` mode."""
    ignore_missing_imports: bool = True
    """Ignore third-party packages that ship no type information."""
    per_error: PointCount = 1.0
    """Points deducted per mypy error (the score never goes below 0)."""


MYPY_BLOCKING_EXIT = 2
UNPARSED_CODES = ("syntax", "blocking")
"""mypy's codes for a file it could not parse or decode (``parse_blocking``)."""
MYPY_CONFIG = "grader/mypy.ini"
MYPY_CONFIG_TEXT = "[mypy]\n# The grader's own configuration: passing it explicitly stops mypy reading the student's.\n"


def types_command(
    criterion: TypesCriterion, files: Iterable[str], cache_dir: str | None
) -> tuple[str, ...]:
    """``mypy`` with JSON output; ``--config-file`` keeps the student's mypy.ini/pyproject out."""
    argv = ["python", "-m", "mypy", "--config-file", f"../{MYPY_CONFIG}", "--output", "json"]
    argv += ["--no-error-summary", "--show-column-numbers", "--show-error-codes", "--no-pretty"]
    argv += ["--explicit-package-bases", "--python-version", "3.11"]
    argv += ["--cache-dir", cache_dir] if cache_dir else ["--cache-dir", "../out/.mypy_cache"]
    if criterion.strict:
        argv.append("--strict")
    if criterion.ignore_missing_imports:
        argv.append("--ignore-missing-imports")
    return (*argv, "--", *files)


def cache_name(criterion: TypesCriterion) -> str:
    """mypy's flags are part of its cache key: one cache per set of flags, so none thrashes."""
    name = "mypy-strict" if criterion.strict else "mypy"
    return name + ("-ignore-missing" if criterion.ignore_missing_imports else "")


def parse_mypy(stdout: str, files: Iterable[str]) -> list[Finding]:
    """Findings from ``mypy --output json`` (one JSON object per line; notes become ``info``)."""
    known = list(files)
    findings: list[Finding] = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            findings.append(_mypy_finding(json.loads(line), known))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ToolOutputError(
                f"mypy printed something other than JSON on line {number}: {line[:200]!r} ({exc})"
            ) from None
    return findings


def _mypy_finding(item: dict[str, Any], files: list[str]) -> Finding:
    line = item.get("line")
    column = item.get("column")  # 0-based in mypy's JSON, unlike its text output
    hint = f" ({item['hint']})" if item.get("hint") else ""
    return Finding(
        path=relative_path(str(item["file"]), files),
        line=line if isinstance(line, int) and line > 0 else None,
        col=column + 1 if isinstance(column, int) and column >= 0 else None,
        code=item.get("code") or "error",
        message=str(item["message"]) + hint,
        severity="error" if item.get("severity") == "error" else "info",
    )


def parse_blocking(stderr: str, files: Iterable[str]) -> list[Finding]:
    """Errors mypy prints as text before it can check anything (e.g. a file that is not UTF-8).

    Only lines naming one of the submission's files count: anything else is
    mypy failing, not the student.
    """
    known = list(files)
    findings = []
    for line in stderr.splitlines():
        name, sep, message = line.partition(": error: ")
        if sep and name in known:
            findings.append(
                Finding(path=name, code="blocking", message=message.strip(), severity="error")
            )
    return findings


def run_types(criterion: TypesCriterion, ctx: CheckContext) -> CriterionResult:
    """Run mypy on the selected files and deduct per error."""
    files = select_files(criterion, ctx.submission.files)
    if not files:
        return failed(criterion, "no Python files to type-check")
    try:
        findings = _mypy_findings(criterion, ctx, files)
    except ToolOutputError as exc:
        return failed(criterion, str(exc), tool_fault=True)
    errors = [finding for finding in findings if finding.severity == "error"]
    unchecked = unchecked_files(criterion, ctx, files, findings, UNPARSED_CODES)
    if unchecked:  # mypy stops at a file it cannot parse: it checked none of them
        return unchecked_result(criterion, unchecked, findings, {"errors": float(len(errors))})
    points = deduction(criterion.points, criterion.per_error, len(errors), "error")
    mode = "mypy --strict" if criterion.strict else "mypy"
    summary = f"{plural(len(errors), mode + ' error')} in {plural(len(files), 'file')}"
    return result(
        criterion, points, summary, findings=findings, metrics={"errors": float(len(errors))}
    )


def _mypy_findings(criterion: TypesCriterion, ctx: CheckContext, files: list[str]) -> list[Finding]:
    """mypy's findings; exit 1 means type errors, 2 a blocking error in the student's code or a crash."""
    argv = types_command(criterion, files, ctx.workspace.cache_dir(cache_name(criterion)))
    run = checked_run(ctx, "mypy", argv, ok_exits=(0, 1, MYPY_BLOCKING_EXIT), reports_findings=True)
    findings = parse_mypy(run.stdout, files)
    if run.exit_code == MYPY_BLOCKING_EXIT and not findings:
        findings = parse_blocking(run.stderr, files)
    if run.exit_code != 0 and not any(finding.severity == "error" for finding in findings):
        raise ToolOutputError(
            f"mypy failed (exit code {run.exit_code}) without naming an error: {first_line(run)}"
        )
    return findings


KIND = CheckKind(
    model=TypesCriterion,
    run=run_types,
    tool="`mypy --output json` with the grader's config file",
    fields="`strict` (false), `ignore_missing_imports` (true), `per_error` (1), `include`, `exclude`",
    score="`points - per_error x errors`, at least 0",
    workspace_files=(WorkspaceFile(MYPY_CONFIG, MYPY_CONFIG_TEXT),),
)
