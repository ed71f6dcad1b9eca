"""Prove a rubric: the reference scores 100%, and the starter and samples land in their bands.

The bands come from the folder's ``bands.yaml`` (``grader.rubric.bands``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.model import CriterionResult, Report
from grader.report.wording import format_number
from grader.rubric.bands import Band, load_bands, rubric_file
from grader.sandbox.protocol import Sandbox


@dataclass(frozen=True)
class BandResult:
    """How one folder scored against its band."""

    folder: str
    band: Band
    report: Report

    @property
    def percent(self) -> float:
        """The score in percent of the maximum."""
        return 100.0 * self.report.score / self.report.max_score if self.report.max_score else 0.0

    @property
    def ok(self) -> bool:
        """True when the score lands inside the band and nothing failed on the grader's side."""
        return (
            self.band.min - 0.005 <= self.percent <= self.band.max + 0.005
            and not self.report.platform_failed
        )

    def lines(self) -> list[str]:
        """What ``grader rubric check`` prints for this folder: the verdict against the band,
        where the points went, and for a folder outside its band why each criterion lost them."""
        band = self.band
        verdict = "ok  " if self.ok else "FAIL"
        out = [f"{verdict} {self.folder:<20} {self.percent:6.2f}%  band {band.min:g}-{band.max:g}%"]
        short = [c for c in self.report.criteria if c.score < c.max_score]
        if short:
            lost = " · ".join(
                f"{c.id} {format_number(c.score)}/{format_number(c.max_score)}" for c in short
            )
            out.append(f"     lost: {lost}")
        out.extend(f"     {_why(criterion)}" for criterion in self._explained())
        return out

    def _explained(self) -> list[CriterionResult]:
        """Every grader-side failure; and outside the band, every criterion that lost points."""
        return [
            c
            for c in self.report.criteria
            if c.status == "tool_error" or (not self.ok and c.score < c.max_score)
        ]


def _why(criterion: CriterionResult) -> str:
    """``style: 3 lint findings ...`` on one line; a grader-side failure says so."""
    problem = "tool error in " if criterion.status == "tool_error" else ""
    return f"{problem}{criterion.id}: {' '.join(criterion.summary.split())}"


def check_rubric(
    folder: Path, sandbox: Sandbox, options: GradeOptions | None = None
) -> Iterator[BandResult]:
    """Grade every folder named in ``bands.yaml``, yielding each result as it is known."""
    loaded: LoadedRubric = load_rubric(rubric_file(folder))
    for name, band in load_bands(folder).items():
        yield BandResult(
            folder=name, band=band, report=grade_submission(folder / name, loaded, sandbox, options)
        )
