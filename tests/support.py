"""Helpers the tests share: where the rubrics are, and grading with the real tools."""

from __future__ import annotations

from pathlib import Path

from grader.checks.rubric import LoadedRubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.model import Report
from grader.sandbox.protocol import Sandbox

ROOT = Path(__file__).resolve().parent.parent
WEEK01 = ROOT / "rubrics" / "week01-generators"


def grade(path: Path, loaded: LoadedRubric, sandbox: Sandbox, **options: object) -> Report:
    """Grade with the real tools."""
    return grade_submission(path, loaded, sandbox, GradeOptions(**options))  # type: ignore[arg-type]


def by_id(report: Report) -> dict[str, float]:
    """Scores by criterion id."""
    return {criterion.id: criterion.score for criterion in report.criteria}
