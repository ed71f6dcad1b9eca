"""A check kind: everything about one kind of criterion, registered in one place.

Each check module ends with its ``KIND``; ``grader.checks.registry`` lists them,
and the rubric's union of criteria, the JSON Schema, the docs table and the
workspace setup are all derived from that list, so a new kind is its module,
its test and its line in ``rubrics/README.md``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from grader.checks.base import CheckContext, WorkspaceFile
from grader.report.model import CriterionResult
from grader.rubric.model import CriterionBase

C = TypeVar("C", bound=CriterionBase)


def kind_name(model: type[CriterionBase]) -> str:
    """The kind a criterion model stands for: its ``kind`` field's one Literal value."""
    field = model.model_fields.get("kind")
    annotation = field.annotation if field else None
    values = typing.get_args(annotation)
    if typing.get_origin(annotation) is not typing.Literal or len(values) != 1:
        raise TypeError(f'{model.__name__} needs a field `kind: Literal["<name>"]`')
    return str(values[0])


@dataclass(frozen=True)
class CheckKind(Generic[C]):
    """One kind of check: its criterion model, the function that runs and scores it, the
    grader's files its steps read, and its line of the rubric docs' table of kinds."""

    model: type[C]
    """The criterion model; its ``kind`` Literal is the kind's name in the rubric."""
    run: Callable[[C, CheckContext], CriterionResult]
    """Run the tool in the workspace and score the criterion (the check's only I/O)."""
    tool: str
    """The docs table's *tool* cell: what runs."""
    fields: str
    """The docs table's *fields (default)* cell: the kind's own fields, with their defaults."""
    score: str
    """The docs table's *score* cell: how the points are earned."""
    workspace_files: tuple[WorkspaceFile, ...] = ()
    """The grader's files the kind's steps read, put in the workspace before any check runs."""

    def __post_init__(self) -> None:
        kind_name(self.model)  # fail at import, not at the first rubric, on a model without a kind

    @property
    def name(self) -> str:
        """The kind as the rubric spells it (``kind: lint``)."""
        return kind_name(self.model)

    def docs_row(self) -> str:
        """The kind's row of the Markdown table in ``rubrics/README.md``."""
        return f"| `{self.name}` | {self.tool} | {self.fields} | {self.score} |"
