"""The one list of check kinds, and everything derived from it.

The rubric's union of criteria (keyed on ``kind``), the ``Rubric`` model, the
JSON Schema editors complete with, the table of kinds in ``rubrics/README.md``,
the grader's files every workspace gets, and the dispatch from a criterion to
its check all come from ``KINDS``. A new kind is its module in
``grader/checks/`` ending in a ``KIND``, its line in ``KINDS``, its test, and
its row of the docs table (``grader rubric kinds`` prints the table; a test
fails while README's differs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

from pydantic import Field, create_model, field_validator

from grader.checks import (
    benchmark,
    complexity,
    coverage,
    lint,
    security,
    test_quality,
    tests,
    typecheck,
)
from grader.checks.base import CheckContext, WorkspaceFile
from grader.checks.kind import CheckKind
from grader.report.model import CriterionResult
from grader.rubric.model import (
    CriterionBase,
    CriterionId,
    LatePolicy,
    Limits,
    RubricModel,
    Submission,
)
from grader.rubric.services import MAX_SERVICES, Service, Variant, unique_kinds

KINDS: tuple[CheckKind[Any], ...] = (
    tests.KIND,
    lint.KIND,
    typecheck.KIND,
    security.KIND,
    complexity.KIND,
    coverage.KIND,
    benchmark.KIND,
    test_quality.KIND,
)
"""Every kind of check, in the order of the schema's union and of the docs table."""

MAX_CRITERIA = 100
"""Most criteria in one rubric; a shipped rubric has 6 to 9."""

DOCS_HEADER = "| kind | tool | fields (default) | score |\n| --- | --- | --- | --- |"


def criterion_union(kinds: Iterable[CheckKind[Any]]) -> Any:
    """The kinds' criterion models as one union keyed on ``kind``."""
    models = tuple(kind.model for kind in kinds)
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (a runtime tuple)


if TYPE_CHECKING:
    # The union is built at run time; to mypy a criterion is what every kind shares, and
    # each check gets its own model through its kind's typed ``run``.
    Criterion: TypeAlias = CriterionBase
else:
    Criterion = criterion_union(KINDS)


class Rubric(RubricModel):
    """An assignment's grading rubric."""

    id: CriterionId
    """Assignment identifier, e.g. `week01-generators`."""
    title: str
    """Assignment title shown at the top of every report."""
    submission: Submission = Submission()
    """Where the submission is and what it must contain."""
    limits: Limits = Limits()
    """Resource limits for the student's code."""
    criteria: tuple[Criterion, ...] = Field(min_length=1, max_length=MAX_CRITERIA)
    """What is graded, in the order it is reported (at most 100 criteria)."""
    late: LatePolicy | None = None
    """Late policy; none means no penalty."""
    services: tuple[Service, ...] = Field(default=(), max_length=MAX_SERVICES)
    """Sidecar services each submission's grading gets a fresh copy of (at most 4, each kind
    once), reachable from its sandbox only, their settings in every step's environment."""

    image: Variant | None = None
    """A heavier sandbox for the whole grading: `spark` (Java 17 and PySpark, for local mode);
    unset: the standard one. Named in the report; built by `grader sandbox build --variant`."""

    @field_validator("services")
    @classmethod
    def _one_of_each(cls, services: tuple[Service, ...]) -> tuple[Service, ...]:
        return unique_kinds(services)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        seen: set[str] = set()
        for criterion in criteria:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} is used twice")
            seen.add(criterion.id)
        return criteria

    @property
    def max_score(self) -> float:
        """The most points a submission can earn."""
        return sum(criterion.points for criterion in self.criteria)


@dataclass(frozen=True)
class CheckRegistry:
    """A set of kinds: the rubric model that accepts them, their checks, schema and docs.

    ``REGISTRY`` holds ``KINDS``; a registry with more kinds (a test's, a course's
    own) is built with ``with_kinds`` and loads and grades rubrics the same way.
    """

    kinds: tuple[CheckKind[Any], ...]
    _by_model: dict[type[CriterionBase], CheckKind[Any]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        names = [kind.name for kind in self.kinds]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"check kinds registered twice: {', '.join(twice)}")
        object.__setattr__(self, "_by_model", {kind.model: kind for kind in self.kinds})

    def with_kinds(self, *kinds: CheckKind[Any]) -> CheckRegistry:
        """This registry with more kinds after its own."""
        return CheckRegistry((*self.kinds, *kinds))

    @property
    def names(self) -> tuple[str, ...]:
        """The kinds as rubrics spell them, in order."""
        return tuple(kind.name for kind in self.kinds)

    @cached_property
    def rubric(self) -> type[Rubric]:
        """The ``Rubric`` model whose criteria are exactly these kinds."""
        if self.kinds == KINDS:
            return Rubric
        criteria: Any = tuple[criterion_union(self.kinds), ...]  # type: ignore[misc]
        description = Rubric.model_fields["criteria"].description
        return create_model(
            "Rubric",
            __base__=Rubric,
            __doc__=Rubric.__doc__,
            criteria=(
                criteria,
                Field(min_length=1, max_length=MAX_CRITERIA, description=description),
            ),
        )

    def kind_of(self, criterion: CriterionBase) -> CheckKind[Any]:
        """The kind a criterion belongs to."""
        try:
            return self._by_model[type(criterion)]
        except KeyError:
            raise TypeError(f"no check kind is registered for {type(criterion).__name__}") from None

    def run_check(self, criterion: CriterionBase, ctx: CheckContext) -> CriterionResult:
        """Run the check for one criterion."""
        return self.kind_of(criterion).run(criterion, ctx)

    @property
    def workspace_files(self) -> tuple[WorkspaceFile, ...]:
        """The grader's files every kind's steps read, each once, in the kinds' order."""
        files: dict[str, WorkspaceFile] = {}
        for kind in self.kinds:
            for file in kind.workspace_files:
                if files.setdefault(file.path, file) != file:
                    raise ValueError(f"two kinds put different files at {file.path}")
        return tuple(files.values())

    def json_schema(self) -> dict[str, object]:
        """The rubric's JSON Schema, for editors (shipped as ``rubrics/schema.json``)."""
        schema: dict[str, object] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://grader.dev/schemas/rubric.json",
        }
        schema.update(self.rubric.model_json_schema())
        return schema

    def docs_table(self) -> str:
        """The Markdown table of kinds in ``rubrics/README.md``, one row per kind."""
        return "\n".join([DOCS_HEADER, *(kind.docs_row() for kind in self.kinds)]) + "\n"


REGISTRY = CheckRegistry(KINDS)
"""The grader's kinds."""


def run_check(criterion: CriterionBase, ctx: CheckContext) -> CriterionResult:
    """Run the check for one criterion, with the kinds its rubric was loaded with."""
    return ctx.loaded.registry.run_check(criterion, ctx)


def rubric_json_schema() -> dict[str, object]:
    """The rubric's JSON Schema, for editors."""
    return REGISTRY.json_schema()
