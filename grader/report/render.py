"""Render a ``Report`` for people: a terminal (text), a pull request (Markdown), machines (JSON).

Pure functions of the report. Hidden tests were already redacted by the
check, so nothing here can leak them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from grader.report.model import CriterionResult, Finding, Report, TestResult
from grader.report.wording import format_number

Format = Literal["text", "markdown", "json"]

MAX_ITEMS = 30
"""Findings or failing tests listed per criterion; the rest are counted."""
MARKDOWN_LIMIT = 60000
"""GitHub refuses review bodies over 65,536 characters; stay well below."""


def render(report: Report, fmt: Format, *, color: bool = False, width: int = 100) -> str:
    """The report in one of the three formats."""
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, color=color, width=width)


def _mark(criterion: CriterionResult) -> str:
    if criterion.status != "graded":
        return "!"
    return "✓" if not criterion.lost_points else "✗"


def _failing(tests: Iterable[TestResult]) -> list[TestResult]:
    return [test for test in tests if test.outcome != "passed"]


def _counted(findings: Iterable[Finding]) -> list[Finding]:
    """Findings worth listing: errors and warnings first, then advice."""
    return sorted(findings, key=lambda f: (f.severity == "info", f.path, f.line or 0))


def _where(finding: Finding) -> str:
    where = finding.path
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.col is not None:
            where += f":{finding.col}"
    return where


# --- text ---------------------------------------------------------------


def render_text(report: Report, *, color: bool = False, width: int = 100) -> str:
    """A terminal report, coloured when ``color`` is set."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False
    )
    _text_header(console, report)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("", "criterion", "score", "summary"):
        table.add_column(column, justify="right" if column == "score" else "left")
    styles = {"✓": "green", "✗": "yellow", "!": "red"}
    for criterion in report.criteria:
        mark = _mark(criterion)
        table.add_row(
            Text(mark, style=styles[mark]),
            escape(criterion.title),
            f"{format_number(criterion.score)} / {format_number(criterion.max_score)}",
            escape(criterion.summary),
        )
    console.print()
    console.print(table)
    for criterion in report.criteria:
        _text_details(console, criterion)
    tools = ", ".join(f"{name} {version}" for name, version in sorted(report.tools.items()))
    console.print(
        Text(
            f"\nGraded in {report.duration:.1f} s by grader {report.grader_version} ({tools})",
            style="dim",
        )
    )
    return buffer.getvalue()


def late_text(report: Report) -> str | None:
    """The late penalty in a sentence, as every rendering (and the console) says it."""
    if report.late is None:
        return None
    detail = (
        "not accepted: past the last day"
        if not report.late.accepted
        else f"{format_number(report.late.penalty_percent)}% deducted"
    )
    return f"Late by {report.late.days_late} day(s): {detail}"


def _text_header(console: Console, report: Report) -> None:
    score_style = "bold green" if report.score >= report.max_score else "bold yellow"
    console.print(
        Text(report.rubric.title, style="bold"), Text(f"({report.rubric.id})", style="dim")
    )
    console.print(
        Text.assemble(
            "Score: ",
            (f"{format_number(report.score)} / {format_number(report.max_score)}", score_style),
            f"   status: {report.status}",
        )
    )
    late = late_text(report)
    if late:
        console.print(Text(late, style="yellow"))
    if report.submission.problems:
        console.print(Text("\nProblems with the submission", style="bold red"))
        for problem in report.submission.problems:
            console.print(Text(f"  {_where(problem)}  {problem.code}  {problem.message}"))


def _worth_detailing(criterion: CriterionResult) -> bool:
    """Lost points, findings, failing tests or measurements: something to show below the table."""
    return bool(
        criterion.lost_points
        or criterion.findings
        or _failing(criterion.tests)
        or criterion.details
    )


def _text_details(console: Console, criterion: CriterionResult) -> None:
    failing = _failing(criterion.tests)
    findings = _counted(criterion.findings)
    if not _worth_detailing(criterion):
        return
    console.print(
        Text(
            f"\n{criterion.title}: {format_number(criterion.score)} / {format_number(criterion.max_score)}",
            style="bold",
        )
    )
    console.print(Text(f"  {criterion.explanation}", style="dim"))
    for line in criterion.details:
        console.print(Text(f"    {line}"))
    for test in failing[:MAX_ITEMS]:
        console.print(Text.assemble("  ", (test.outcome.upper(), "red"), f" {test.name}"))
        for line in (test.message or "").splitlines()[:8]:
            console.print(Text(f"      {line}", style="dim"))
    for finding in findings[:MAX_ITEMS]:
        console.print(
            Text(
                f"  {_where(finding)}  {finding.code}  {finding.message}",
                style="dim" if finding.severity == "info" else "",
            )
        )
    more = _more(failing, findings)
    if more:
        console.print(Text(f"  ... and {more} more (see --format json)", style="dim"))
    _text_hint(console, criterion)


def _text_hint(console: Console, criterion: CriterionResult) -> None:
    if criterion.hint:
        console.print(Text.assemble("  hint: ", (criterion.hint, "cyan")))
    if criterion.learn_more:
        console.print(Text(f"  learn more: {criterion.learn_more}", style="cyan"))


def _more(failing: list[TestResult], findings: list[Finding]) -> int:
    """How many items were left out of the lists."""
    return max(0, len(failing) - MAX_ITEMS) + max(0, len(findings) - MAX_ITEMS)


# --- markdown -----------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\n", " ")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _code_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}text\n{text}\n{fence}"


def render_markdown(report: Report) -> str:
    """A pull-request comment: a score table, then the details of every criterion that lost points."""
    lines = _markdown_header(report)
    lines += ["| | Criterion | Score | Summary |", "|---|---|---:|---|"]
    marks = {"✓": "✅", "✗": "❌", "!": "⚠️"}
    for criterion in report.criteria:
        lines.append(
            f"| {marks[_mark(criterion)]} | {_cell(criterion.title)} | {format_number(criterion.score)} / {format_number(criterion.max_score)} | {_cell(criterion.summary)} |"
        )
    lines.append("")
    for criterion in report.criteria:
        lines += _markdown_details(criterion)
    tools = ", ".join(f"{name} {version}" for name, version in sorted(report.tools.items()))
    lines += [
        f"<sub>grader {report.grader_version} · rubric `{report.rubric.sha256[:12]}` · {tools}</sub>",
        "",
    ]
    text = "\n".join(lines)
    if len(text) > MARKDOWN_LIMIT:
        text = (
            text[:MARKDOWN_LIMIT]
            + "\n\n_The report was cut to fit on GitHub; the JSON report has everything._\n"
        )
    return text


def _markdown_header(report: Report) -> list[str]:
    icon = (
        "✅" if report.score >= report.max_score else ("⚠️" if report.status != "graded" else "📝")
    )
    lines = [
        f"## {icon} {_cell(report.rubric.title)}: {format_number(report.score)} / {format_number(report.max_score)}",
        "",
    ]
    late = late_text(report)
    if late:
        lines += [f"> **{late}**", ""]
    if report.submission.problems:
        lines += ["**Problems with the submission**", ""]
        lines += [
            f"- `{_cell(_where(problem))}` {_cell(problem.message)}"
            for problem in report.submission.problems
        ]
        lines.append("")
    return lines


def _markdown_details(criterion: CriterionResult) -> list[str]:
    failing = _failing(criterion.tests)
    findings = _counted(criterion.findings)
    if not _worth_detailing(criterion):
        return []
    lines = [
        f"<details><summary><b>{_cell(criterion.title)}</b>: {format_number(criterion.score)} / {format_number(criterion.max_score)}</summary>",
        "",
    ]
    lines += [f"_{_cell(criterion.explanation)}_", ""]
    if criterion.details:
        lines += [_code_block("\n".join(criterion.details)), ""]
    for test in failing[:MAX_ITEMS]:
        lines.append(f"- **{test.outcome}** `{_cell(test.name)}`")
        if test.message:
            lines += ["", _code_block("\n".join(test.message.splitlines()[:15])), ""]
    lines += [
        f"- `{_cell(_where(finding))}` **{_cell(finding.code)}** {_cell(finding.message)}"
        for finding in findings[:MAX_ITEMS]
    ]
    more = _more(failing, findings)
    if more:
        lines.append(f"- … and {more} more")
    if criterion.hint:
        link = f" ([learn more]({criterion.learn_more}))" if criterion.learn_more else ""
        lines += ["", f"> 💡 {_cell(criterion.hint)}{link}"]
    lines += ["", "</details>", ""]
    return lines
