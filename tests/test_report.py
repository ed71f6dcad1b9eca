"""Reports people read, compared with golden files (refresh: GRADER_UPDATE_GOLDEN=1 pytest tests/test_report.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from grader.report.model import CriterionResult, Finding, Report, TestResult
from grader.report.render import MARKDOWN_LIMIT, render, render_markdown

GOLDEN = Path(__file__).parent / "golden" / "reports"
UPDATE = os.environ.get("GRADER_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def sloppy() -> Report:
    """A recorded report of the week-1 sloppy sample, submitted two days late."""
    return Report.model_validate_json((GOLDEN / "sloppy.report.json").read_text(encoding="utf-8"))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; refresh with GRADER_UPDATE_GOLDEN=1 if intended"
    )


@pytest.mark.parametrize(("fmt", "name"), [("text", "sloppy.txt"), ("markdown", "sloppy.md")])
def test_rendered_reports_match_their_golden_files(sloppy: Report, fmt: str, name: str) -> None:
    """The text and Markdown reports of a known result are exactly as reviewed."""
    check_golden(name, render(sloppy, fmt))  # type: ignore[arg-type]


def test_the_json_report_round_trips(sloppy: Report) -> None:
    """The JSON report parses back into the same report, with `schema` first."""
    text = sloppy.to_json()
    assert text.lstrip().startswith('{\n  "schema": "grader.report/v1"')
    assert Report.model_validate_json(text) == sloppy


def test_the_golden_report_shows_the_late_penalty_and_the_arithmetic(sloppy: Report) -> None:
    """A late submission's penalty and each criterion's computation are in the text report."""
    text = render(sloppy, "text")
    assert sloppy.late is not None and sloppy.late.days_late == 2
    assert "Late by 2 day(s): 20% deducted" in text
    assert all(
        criterion.explanation in text for criterion in sloppy.criteria if criterion.lost_points
    )


def test_colour_is_only_used_when_asked(sloppy: Report) -> None:
    """ANSI colour codes appear with color=True and never otherwise."""
    assert "\x1b[" in render(sloppy, "text", color=True)
    assert "\x1b[" not in render(sloppy, "text")


def test_markdown_escapes_table_breaking_text(sloppy: Report) -> None:
    """A pipe or a tag in a message cannot break the table or inject HTML."""
    criterion = sloppy.criteria[1].model_copy(update={"summary": "a | b <script>", "score": 0.0})
    text = render_markdown(sloppy.model_copy(update={"criteria": (criterion,)}))
    row = next(line for line in text.splitlines() if "a \\| b" in line)
    cells = re.split(r"(?<!\\)\|", row)
    assert len(cells) == 6  # four cells between the outer pipes: nothing split the summary
    assert "&lt;script&gt;" in row


def test_markdown_stays_within_githubs_limit(sloppy: Report) -> None:
    """A report with thousands of findings is cut below GitHub's 65,536-character limit, and says so."""
    findings = tuple(
        Finding(path=f"f{i}.py", line=i, code="E501", message="x" * 200, severity="error")
        for i in range(2000)
    )
    criteria = tuple(
        CriterionResult(
            id=f"c{n}",
            kind="lint",
            title=f"Lint {n}",
            score=0,
            max_score=1,
            summary="many",
            explanation="1 - 1 x 2000 = 0",
            findings=findings,
        )
        for n in range(40)
    )
    text = render_markdown(sloppy.model_copy(update={"criteria": criteria}))
    assert len(text) < 65536
    assert "cut to fit" in text
    assert len(text) > MARKDOWN_LIMIT / 2


def test_hidden_tests_leak_nothing_into_any_format(sloppy: Report) -> None:
    """A redacted test shows only its outcome in text, Markdown and JSON."""
    hidden = TestResult(name="hidden test 1", outcome="failed", message=None, hidden=True)
    criterion = sloppy.criteria[0].model_copy(update={"tests": (hidden,)})
    report = sloppy.model_copy(update={"criteria": (criterion,)})
    for fmt in ("text", "markdown", "json"):
        rendered = render(report, fmt)  # type: ignore[arg-type]
        assert "hidden test 1" in rendered
        assert "test_parse" not in rendered
