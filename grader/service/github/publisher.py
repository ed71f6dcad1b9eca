"""``Publisher``: the GitHub calls the jobs make, whoever answers them.

``GitHubClient`` (``client.py``) makes them over HTTP with PyGithub;
``MemoryGitHub`` (``fake.py``) keeps them in memory, with injectable faults,
for tests and trials. Both raise only the error tree's GitHub errors
(``GitHubUnavailable``, ``GitHubRejected``) and the limiter's ``RateLimited``.
"""

from __future__ import annotations

from typing import Any, Protocol

from github.PullRequest import ReviewComment


class Publisher(Protocol):
    """Reads a pull request and its head commit; writes check runs, statuses, reviews, comments."""

    def token(self, installation_id: int | None) -> str:
        """An access token for downloads outside the client (the tarball)."""

    def tarball_url(self, repository: str, sha: str) -> str:
        """Where the commit's tarball is downloaded from."""

    def pull_diff(self, repository: str, installation_id: int | None, number: int) -> str:
        """The pull request's unified diff."""

    def spare(self) -> bool:
        """Whether a write that can be left out (a check run shown queued) fits GitHub's
        content-creation budget now; False leaves it out."""

    def create_check_run(self, repository: str, installation_id: int | None, **fields: Any) -> int:
        """Create a check run (GitHub's fields: name, head_sha, status...); returns its id."""

    def update_check_run(
        self, repository: str, installation_id: int | None, check_run_id: int, **fields: Any
    ) -> None:
        """PATCH a check run; annotations in ``output`` are appended to the earlier ones."""

    def create_status(
        self, repository: str, installation_id: int | None, sha: str, **fields: Any
    ) -> None:
        """Set a commit status (state, description, context, target_url)."""

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
        """Post a COMMENT review, inline comments and all or nothing; returns its id."""

    def upsert_comment(
        self, repository: str, installation_id: int | None, number: int, *, marker: str, body: str
    ) -> int:
        """Edit the pull request's comment that carries ``marker``, or create it; returns its id."""
