"""The grader's exceptions: one root, two branches.

::

    GraderError                      anything the grader raises on purpose
    ├── InputError                   the user's input is unusable (CLI exit code 2)
    │   ├── RubricError              a rubric that does not parse or validate
    │   └── SubmissionPathError      a submission path that is missing or unreadable
    └── PlatformError                the grader itself failed (CLI exit code 3); retried
        └── SandboxError             the sandbox could not run a step

A student's failing code is never an exception: it is a graded result with a
message (see ``grader.report.model``). Only the two branches above escape the
pipeline, and each maps to one CLI exit code and one retry policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class GraderError(Exception):
    """Root of every exception the grader raises on purpose."""


class InputError(GraderError):
    """The rubric or the submission path given by the user cannot be used."""


@dataclass(frozen=True)
class RubricProblem:
    """One thing wrong with a rubric, located in its file."""

    path: Path
    """The rubric file."""
    line: int | None
    """1-based line of the offending node, when known."""
    column: int | None
    """1-based column of the offending node, when known."""
    field: str
    """Dotted location of the field, e.g. ``criteria[2].points``."""
    message: str
    """What is wrong, and the near miss when there is one."""

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class RubricError(InputError):
    """A rubric that does not parse or validate; carries every problem found."""

    problems: list[RubricProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class SubmissionPathError(InputError):
    """The submission path is missing, unreadable or not a directory."""


class PlatformError(GraderError):
    """The grader failed for reasons that are not the student's: retry, never charge."""


class SandboxError(PlatformError):
    """The sandbox could not start, copy files or run a step."""
