"""The grader's exceptions: one tree, and what each kind of fault costs.

Every exception the grader raises on purpose is a ``GraderError``. Each class
says on itself whose fault it is (``fault``: the student's, the user's *input*,
or the *platform*'s) and whether a Celery task retries it (``retry``); a retry
waits the error's ``retry_after`` seconds when it carries one, else backoff with
jitter, and counts against the task's retries unless ``counted`` is False. The
service reads these attributes (``grader.service.tasks``), never a list of
classes. ::

    class                        fault     retried  raised by / what happens
    GraderError                  -         -        the root: anything the grader raises on purpose
    +-- InputError               input     no       unusable input; CLI exit code 2
    |   +-- RubricError          input     no       a rubric that does not parse or validate
    |   +-- RosterError          input     no       a roster CSV that cannot be imported: every problem by line
    |   +-- SubmissionPathError  input     no       a submission path missing or unreadable
    |   +-- PayloadError         input     no       a webhook payload lacking a field: 400
    |   +-- CanvasRejected       input     no       Canvas refused the token (401), its rights (403)
    |                                               or the course (404): fix the configuration
    |   +-- ArchiveError         student   no       the student's archive is unsafe or too big: rejected
    +-- StudentFault             student   no       the student's code did it: graded, never retried
    |   +-- OutputFlood          student   no       a static tool's report of the code passed the output cap: 0
    |   +-- RunDeadlineExceeded  student   no       the run passed limits.run_timeout: unfinished steps score 0
    +-- PlatformError            platform  yes      the grader failed: never charged; CLI exit code 3;
        |                                           after the last retry ``failed``, "not graded"
        +-- SandboxError         platform  yes      Docker could not start, copy or run a step
        +-- FetchError           platform  yes*     the tarball download failed (retry_after when told);
        |                                           *not when ``permanent`` (401, 404, 410): ``failed`` at once
        +-- GitHubUnavailable    platform  yes      GitHub or the network failed, or a rate limit (retry_after)
        +-- GitHubRejected       platform  no       GitHub refused for good (404, 422): ``failed`` at once
        +-- RateLimited          platform  yes      no write slot in the shared limiter (retry_after)
        +-- LeaseHeld            platform  yes      another worker holds the submission (retry_after);
        |                                           not counted: waits as long as the lease lasts
        +-- StoreUnavailable     platform  yes      the database failed (SQLAlchemy errors)
        +-- RedisUnavailable     platform  yes      Redis failed (the shared rate limiter)
        +-- CanvasUnavailable    platform  yes      Canvas failed or kept throttling after the retries
        +-- HostError            platform  yes      the worker's own system failed (OSError: disk, socket)
        +-- TaskTimeLimit        platform  yes      the task passed its soft time limit (rubric run_timeout + 240 s)
        +-- ToolOutputError      platform  yes      a grading tool failed or printed garbage: its criterion
                                                    is a ``tool_error`` result, and the report is retried

Foreign exceptions become one of these where they enter: the Docker adapter
raises ``SandboxError``, the GitHub client ``GitHubUnavailable`` or
``GitHubRejected``, the download ``FetchError``; what escapes a job from
SQLAlchemy, Redis, Celery's soft time limit or the operating system is mapped
by ``grader.service.faults.as_grader_error``. Anything else is a bug: it is
not retried.

A student's failing code is never an exception that leaves the pipeline: it is
a graded result with a message (see ``grader.report.model``). Not part of the
tree: private control-flow exceptions that never leave their module
(``grader.service.fetch.extract._TooBig``), and the in-sandbox scripts' own
(``grader.harness``, which runs on the sandbox's interpreter alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

Fault = Literal["student", "input", "platform"]
"""Whose fault an error is: the student's code or archive, the user's input, the grader's."""


def _restore(cls: type[GraderError], args: tuple[Any, ...], state: dict[str, Any]) -> GraderError:
    """Rebuild a pickled error without calling its constructor (whose signature varies)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class GraderError(Exception):
    """Root of every exception the grader raises on purpose."""

    fault: ClassVar[Fault] = "platform"
    """Whose fault it is; each branch sets it."""
    retry: ClassVar[bool] = False
    """True when a task retries it (see ``retried`` for a per-instance refusal)."""
    counted: ClassVar[bool] = True
    """False when a retry does not count against the task's retries."""
    retry_after: float | None = None
    """Seconds to wait before the retry, when the error says (a class default of None)."""

    @property
    def retried(self) -> bool:
        """Whether a task retries this error: the class's ``retry`` unless the instance knows better."""
        return self.retry

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (Celery sends exceptions between processes) whatever the constructor takes."""
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class InputError(GraderError):
    """The rubric or the submission path given by the user cannot be used."""

    fault: ClassVar[Fault] = "input"


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


class CanvasRejected(InputError):
    """Canvas refused the configuration: the token (401), its rights (403), the course (404)."""


@dataclass
class RosterError(InputError):
    """A roster CSV that cannot be imported; carries every problem, each naming line and column
    (the first ``shown`` listed, the rest counted)."""

    problems: list[str] = field(default_factory=list)
    shown: int = 20

    def __str__(self) -> str:
        listed = self.problems[: self.shown]
        more = len(self.problems) - len(listed)
        return "\n".join([*listed, f"... and {more} more"] if more else listed)


class SubmissionPathError(InputError):
    """The submission path is missing, unreadable or not a directory."""


class PayloadError(InputError, ValueError):
    """A webhook payload that lacks what its event must carry (answered 400)."""


class ArchiveError(InputError):
    """The student's archive is too large, broken or unsafe to extract: rejected, not retried."""

    fault: ClassVar[Fault] = "student"

    def __init__(self, message: str, *, entry: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        """The offending entry's name (non-printable characters escaped), or None."""


class StudentFault(GraderError):
    """The student's code caused it: caught in the pipeline and graded, never retried."""

    fault: ClassVar[Fault] = "student"


class OutputFlood(StudentFault):
    """The student's code made a static tool report more than the sandbox keeps (thousands of
    findings): too many to count, so the criterion is a graded 0 that says so."""


class RunDeadlineExceeded(StudentFault):
    """The whole run passed ``limits.run_timeout``: what had not finished scores 0 (timeout)."""


class PlatformError(GraderError):
    """The grader failed for reasons that are not the student's: retry, never charge."""

    retry: ClassVar[bool] = True


class SandboxError(PlatformError):
    """The sandbox could not start, copy files or run a step."""


class FetchError(PlatformError):
    """The download failed; retried unless ``permanent``, after ``retry_after`` when told."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status, or None when no response came (timeout, connection error)."""
        self.permanent = permanent
        """True when retrying cannot help (401, 404, 410, another 4xx, a bad redirect)."""
        self.retry_after = retry_after
        """Seconds the server asked to wait before retrying (``Retry-After`` or the rate-limit reset)."""

    @property
    def retried(self) -> bool:
        return not self.permanent


class GitHubUnavailable(PlatformError):
    """GitHub or the network failed, or a rate limit hit: retry later (after ``delay`` if told).

    ``ambiguous``: a write that failed this way may still have happened.
    """

    def __init__(
        self, message: str, *, delay: float | None = None, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = delay
        self.ambiguous = ambiguous

    @property
    def delay(self) -> float | None:
        """GitHub's wait (``Retry-After`` or the rate limit's reset), the same as ``retry_after``."""
        return self.retry_after


class GitHubRejected(PlatformError):
    """GitHub refused the request for good (it would refuse it again): never retried."""

    retry: ClassVar[bool] = False

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(PlatformError):
    """No write slot within the wait a caller accepts: retry after ``delay`` seconds."""

    def __init__(self, delay: float, why: str) -> None:
        super().__init__(f"{why}: next slot in {delay:.1f} s")
        self.retry_after: float | None = delay

    @property
    def delay(self) -> float:
        return self.retry_after or 0.0


class LeaseHeld(PlatformError):
    """Another worker is grading this submission; try again when its lease ends (not counted)."""

    counted: ClassVar[bool] = False

    def __init__(self, delay: float) -> None:
        super().__init__(f"another worker holds the submission for {delay:.0f} s more")
        self.retry_after: float | None = delay

    @property
    def delay(self) -> float:
        return self.retry_after or 0.0


class StoreUnavailable(PlatformError):
    """The database failed (an SQLAlchemy error escaped a job)."""


class RedisUnavailable(PlatformError):
    """Redis failed (the shared GitHub rate limiter could not be reached)."""


class CanvasUnavailable(PlatformError):
    """Canvas failed or kept throttling after the retries, or could not be reached."""


class HostError(PlatformError):
    """The worker's own system failed (an ``OSError``: a full disk, a socket)."""


class ToolOutputError(PlatformError):
    """A grading tool did not finish or printed what cannot be understood: the pipeline
    scores its criterion 0 as ``tool_error`` and the report is retried, never published."""


class TaskTimeLimit(PlatformError):
    """The task passed its soft time limit (the rubric's run_timeout plus a margin)."""
