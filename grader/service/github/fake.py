"""``MemoryGitHub``: the ``Publisher`` protocol in memory, with faults on demand.

It answers as GitHub does where the jobs can tell: check-run PATCHes replace the
fields they name and append their annotations, a conclusion completes the run,
a comment is found by the marker in its body. Faults are injected per method
(``fail``): raised on the Nth call from now, before the call takes effect or
after it (a review that was created although its request failed), so every
idempotent-publishing path can be driven without a network.

    github = MemoryGitHub()
    github.add_pull("course/alice", 7, diff)
    github.fail("create_review", GitHubUnavailable("502", ambiguous=True), after=True)
    ...  # run a job with Services(github=github, ...)
    [run] = github.check_runs_for("course/alice", sha)
    assert run.conclusion == "success" and len(run.annotations) == 29
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from github.PullRequest import ReviewComment

from grader.errors import GitHubRejected

if TYPE_CHECKING:
    from grader.service.github.publisher import Publisher

T = TypeVar("T")


@dataclass
class CheckRun:
    """A check run as created and then PATCHed."""

    id: int
    repository: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None = None
    output: dict[str, Any] = field(default_factory=dict)
    """The last output's title, summary and text (annotations are kept apart)."""
    annotations: list[dict[str, Any]] = field(default_factory=list)
    """Every annotation sent, in order, across all updates."""
    fields: dict[str, Any] = field(default_factory=dict)
    """Every other field, as last sent (external_id, details_url, started_at...)."""
    updates: list[dict[str, Any]] = field(default_factory=list)
    """Each PATCH's fields, in order."""


@dataclass(frozen=True)
class Status:
    """A commit status."""

    repository: str
    sha: str
    state: str
    description: str
    context: str
    target_url: str | None = None


@dataclass(frozen=True)
class Review:
    """A pull-request review."""

    id: int
    repository: str
    number: int
    commit_sha: str
    body: str
    comments: tuple[dict[str, Any], ...]


@dataclass
class Comment:
    """A pull-request (issue) comment; ``edits`` counts the times it was changed."""

    id: int
    repository: str
    number: int
    body: str
    edits: int = 0


@dataclass
class _Fault:
    error: Exception
    on_call: int
    after: bool


WRITES = (
    "create_check_run",
    "update_check_run",
    "create_status",
    "create_review",
    "upsert_comment",
)
"""The methods that write to GitHub (what its content-creation limits count)."""


class MemoryGitHub:
    """An in-memory GitHub for the jobs: pull-request diffs in, feedback recorded."""

    def __init__(self, *, api_url: str = "https://github.invalid/api/v3") -> None:
        self.api_url = api_url
        self.diffs: dict[tuple[str, int], str] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.statuses: list[Status] = []
        self.reviews: list[Review] = []
        self.comments: dict[int, Comment] = {}
        self.calls: list[tuple[str, str]] = []
        """Every call, in order: (method, repository or installation)."""
        self._counts: Counter[str] = Counter()
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1001)
        self._lock = threading.RLock()
        self.spare_writes = True
        """What ``spare`` answers: False plays a deadline, GitHub's write budget nearly spent."""

    # --- set-up and faults ----------------------------------------------------------------

    def add_pull(self, repository: str, number: int, diff: str) -> None:
        """Give a pull request its unified diff (``pull_diff`` refuses unknown ones with a 404)."""
        self.diffs[(repository.lower(), number)] = diff

    def fail(self, method: str, error: Exception, *, nth: int = 1, after: bool = False) -> None:
        """Raise ``error`` on the ``nth`` call of ``method`` from now; ``after``: once it took effect."""
        if not callable(getattr(self, method, None)) or method.startswith("_"):
            raise ValueError(f"MemoryGitHub has no method {method!r}")
        with self._lock:
            on_call = self._counts[method] + nth
            self._faults.setdefault(method, []).append(_Fault(error, on_call, after))

    def _call(self, method: str, where: str, action: Callable[[], T]) -> T:
        with self._lock:
            self.calls.append((method, where))
            self._counts[method] += 1
            count = self._counts[method]
            due = [f for f in self._faults.get(method, []) if f.on_call == count]
            for fault in due:
                self._faults[method].remove(fault)
            for fault in due:
                if not fault.after:
                    raise fault.error
            result = action()
            for fault in due:
                raise fault.error
            return result

    # --- what was posted -------------------------------------------------------------------

    def check_runs_for(self, repository: str, sha: str) -> list[CheckRun]:
        """The commit's check runs, oldest first."""
        return [
            run
            for run in self.check_runs.values()
            if run.repository == repository.lower() and run.head_sha == sha
        ]

    def statuses_for(self, repository: str, sha: str) -> list[Status]:
        """The commit's statuses, oldest first."""
        return [s for s in self.statuses if s.repository == repository.lower() and s.sha == sha]

    def reviews_for(self, repository: str, number: int) -> list[Review]:
        """The pull request's reviews, oldest first."""
        return [
            r for r in self.reviews if r.repository == repository.lower() and r.number == number
        ]

    def comments_for(self, repository: str, number: int) -> list[Comment]:
        """The pull request's comments, oldest first."""
        return [
            c
            for c in self.comments.values()
            if c.repository == repository.lower() and c.number == number
        ]

    def count(self, method: str) -> int:
        """How many times ``method`` was called."""
        return self._counts[method]

    # --- the Publisher protocol ------------------------------------------------------------

    def spare(self) -> bool:
        """``spare_writes``."""
        return self.spare_writes

    def token(self, installation_id: int | None) -> str:
        return self._call("token", str(installation_id), lambda: f"fake-token-{installation_id}")

    def tarball_url(self, repository: str, sha: str) -> str:
        return f"{self.api_url}/repos/{repository}/tarball/{sha}"

    def pull_diff(self, repository: str, installation_id: int | None, number: int) -> str:
        def read() -> str:
            diff = self.diffs.get((repository.lower(), number))
            if diff is None:
                raise GitHubRejected(f"read the diff of {repository}#{number}: 404", 404)
            return diff

        return self._call("pull_diff", repository, read)

    def create_check_run(self, repository: str, installation_id: int | None, **fields: Any) -> int:
        def create() -> int:
            rest = dict(fields)
            run = CheckRun(
                id=next(self._ids),
                repository=repository.lower(),
                head_sha=str(rest.pop("head_sha")),
                name=str(rest.pop("name")),
                status=str(rest.pop("status", "queued")),
            )
            self.check_runs[run.id] = run
            _apply(run, rest)
            return run.id

        return self._call("create_check_run", repository, create)

    def update_check_run(
        self, repository: str, installation_id: int | None, check_run_id: int, **fields: Any
    ) -> None:
        def update() -> None:
            run = self.check_runs.get(check_run_id)
            if run is None or run.repository != repository.lower():
                raise GitHubRejected(f"update check run {check_run_id}: 404", 404)
            run.updates.append(dict(fields))
            _apply(run, dict(fields))

        self._call("update_check_run", repository, update)

    def create_status(
        self, repository: str, installation_id: int | None, sha: str, **fields: Any
    ) -> None:
        def create() -> None:
            self.statuses.append(Status(repository=repository.lower(), sha=sha, **fields))

        self._call("create_status", repository, create)

    def create_review(
        self,
        repository: str,
        installation_id: int | None,
        number: int,
        *,
        commit_sha: str,
        body: str,
        comments: list[ReviewComment],
    ) -> int:
        def create() -> int:
            review = Review(
                id=next(self._ids),
                repository=repository.lower(),
                number=number,
                commit_sha=commit_sha,
                body=body,
                comments=tuple(dict(c) for c in comments),
            )
            self.reviews.append(review)
            return review.id

        return self._call("create_review", repository, create)

    def upsert_comment(
        self, repository: str, installation_id: int | None, number: int, *, marker: str, body: str
    ) -> int:
        def upsert() -> int:
            for comment in self.comments_for(repository, number):
                if marker in comment.body:
                    comment.body = body
                    comment.edits += 1
                    return comment.id
            made = Comment(next(self._ids), repository.lower(), number, body)
            self.comments[made.id] = made
            return made.id

        return self._call("upsert_comment", repository, upsert)


def _apply(run: CheckRun, fields: dict[str, Any]) -> None:
    """A PATCH as GitHub applies it: named fields replaced, annotations appended."""
    output = fields.pop("output", None)
    if output is not None:
        output = dict(output)
        run.annotations.extend(output.pop("annotations", None) or [])
        run.output = output
    if "status" in fields:
        run.status = str(fields.pop("status"))
    if "conclusion" in fields:
        run.conclusion = str(fields.pop("conclusion"))
        run.status = "completed"
    run.fields.update(fields)


if TYPE_CHECKING:

    def _is_a_publisher(github: MemoryGitHub) -> Publisher:
        return github  # mypy holds the fake to the protocol here
