"""A rubric folder's score bands: where its reference, starter and samples must land.

A rubric folder holds ``rubric.yaml`` and ``bands.yaml``; ``bands.yaml`` maps
each graded folder (relative to the rubric) to the percent band it must land in::

    reference: {min: 100, max: 100}
    starter: {min: 0, max: 30}
    samples/partial: {min: 30, max: 75}
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from grader.errors import RubricError, RubricProblem
from grader.rubric.loader import load_model, outside_folder

RUBRIC_FILE = "rubric.yaml"
BANDS_FILE = "bands.yaml"


class Band(BaseModel):
    """A percent-of-max range a graded folder must land in."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    min: float = Field(ge=0, le=100)
    """Lowest acceptable score, in percent of the maximum."""
    max: float = Field(ge=0, le=100)
    """Highest acceptable score, in percent of the maximum."""

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        return self


class Bands(RootModel[dict[str, Band]]):
    """Score bands by folder, relative to the rubric folder."""


def rubric_file(path: Path) -> Path:
    """``rubrics/week01`` -> ``rubrics/week01/rubric.yaml``; a file is returned as is."""
    try:
        is_dir = path.is_dir()
    except OSError:  # a name too long: loading the path itself reports it
        return path
    return path / RUBRIC_FILE if is_dir else path


def _folder_problem(folder: Path, name: str) -> str | None:
    """Why ``name`` is not a folder inside the rubric folder (it is graded), or None."""
    try:
        outside = outside_folder(folder, name)
        if outside is not None:
            return f"{name!r} {outside}"
        if not (folder / name).is_dir():
            return f"folder {folder / name} does not exist"
    except (OSError, ValueError) as exc:
        return f"{name!r} cannot be read: {getattr(exc, 'strerror', None) or exc}"
    return None


def load_bands(folder: Path) -> dict[str, Band]:
    """The bands of a rubric folder; the reference must be there and must demand 100%."""
    path = folder / BANDS_FILE
    bands, _, _ = load_model(path, Bands)
    problems = [
        RubricProblem(path, None, None, name, message)
        for name in bands.root
        if (message := _folder_problem(folder, name)) is not None
    ]
    reference = bands.root.get("reference")
    if reference is None or reference.min < 100:
        problems.append(
            RubricProblem(
                path, None, None, "reference", "the reference must be listed with min: 100"
            )
        )
    if problems:
        raise RubricError(problems)
    return bands.root
