"""A report as the submission page shows it: the content of the pull request's feedback
(``grader.report.render.render_markdown``), laid out by a template instead of Markdown.

Why a template and not the Markdown rendered to HTML: the Markdown carries raw HTML
(``<details>``, ``<sub>``) that GitHub sanitises and a Markdown library would pass through, so
rendering it here would make the report's text (a student's file names, their test output)
markup; the template autoescapes all of it. The order and the cuts are the Markdown's: the
score, the late penalty, problems with the submission, a table of criteria, then each
criterion that lost points with its explanation, measurements, failing tests (at most
``MAX_ITEMS``), findings and hint.

Staff see the report as stored, hidden tests marked as such; a student sees what the pull
request shows: a hidden test keeps only its outcome (``auth.student_report``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from grader.report.model import CriterionResult, Finding, Report, TestResult
from grader.report.render import MAX_ITEMS, late_text

Mark = Literal["full", "lost", "error"]


@dataclass(frozen=True)
class CriterionView:
    """One criterion, with what its details section lists."""

    result: CriterionResult
    mark: Mark
    failing: list[TestResult]
    findings: list[Finding]
    more: int
    """Failing tests and findings left out of the lists."""
    detailed: bool
    """Worth a details section: lost points, findings, failing tests or measurements."""


@dataclass(frozen=True)
class ReportView:
    """A report ready for the template."""

    report: Report
    late: str | None
    criteria: list[CriterionView]
    tools: str
    hidden_tests: int
    """Tests marked hidden (shown to staff with a mark; a student sees their outcome only)."""


def parse_report(raw: dict[str, Any] | None) -> Report | None:
    """The stored ``grader.report/v1`` document as a ``Report``; None when there is none or it
    is not one this version reads (the page then says so instead of failing)."""
    if raw is None:
        return None
    try:
        return Report.model_validate(raw)
    except ValidationError:
        return None


def report_view(report: Report, *, staff: bool) -> ReportView:
    """What the template shows of the report (already reduced to the student's view by
    ``auth.student_report`` for a student): hidden tests are counted for staff."""
    shown = report
    tools = ", ".join(f"{name} {version}" for name, version in sorted(shown.tools.items()))
    hidden = sum(1 for c in report.criteria for test in c.tests if test.hidden) if staff else 0
    return ReportView(
        shown, late_text(shown), [_criterion(c) for c in shown.criteria], tools, hidden
    )


def _criterion(criterion: CriterionResult) -> CriterionView:
    failing = [test for test in criterion.tests if test.outcome != "passed"]
    findings = sorted(criterion.findings, key=lambda f: (f.severity == "info", f.path, f.line or 0))
    more = max(0, len(failing) - MAX_ITEMS) + max(0, len(findings) - MAX_ITEMS)
    mark: Mark = (
        "error" if criterion.status != "graded" else ("lost" if criterion.lost_points else "full")
    )
    detailed = bool(criterion.lost_points or findings or failing or criterion.details)
    return CriterionView(criterion, mark, failing[:MAX_ITEMS], findings[:MAX_ITEMS], more, detailed)


def where(finding: Finding) -> str:
    """``path:line:col`` of a finding, as far as it is known."""
    place = finding.path
    if finding.line is not None:
        place += f":{finding.line}"
        if finding.col is not None:
            place += f":{finding.col}"
    return place
