"""GitHub, as the workers use it: check runs, reviews, comments, statuses, diffs, tarballs.

PyGithub does the HTTP, with a GitHub App (installation tokens minted on
first use and refreshed before they expire) or a plain token. Its own retries
are off: PyGithub re-sends a POST that got a 5xx, which can post the same
feedback twice (``shared/github/PYGITHUB.md``). Instead every call here
raises one of two errors of the tree (``grader.errors``), re-exported here:

* ``GitHubUnavailable`` - GitHub or the network failed, or a rate limit hit:
  retried (after ``retry_after`` when GitHub said how long). A write that
  failed this way may still have happened (``ambiguous``).
* ``GitHubRejected`` - GitHub refused the request for good (404, 422...):
  never retried; the submission fails at once, "not graded".

Every content-creating request first takes a slot from the shared limiter, and
a ``Retry-After`` from GitHub pauses all workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException
from github.PullRequest import ReviewComment

from grader.errors import GitHubRejected, GitHubUnavailable, PlatformError
from grader.service.github.ratelimit import Limiter
from grader.settings import ServiceSettings

__all__ = ["GitHubClient"]

T = TypeVar("T")
TIMEOUT = 20
DIFF_MEDIA_TYPE = "application/vnd.github.diff"
SECONDARY_WAIT = 60.0
"""GitHub's advice when a secondary limit gives no ``Retry-After``: wait a minute."""


class GitHubClient:
    """One process's GitHub access, shared by its tasks (thread-safe)."""

    def __init__(self, settings: ServiceSettings, limiter: Limiter) -> None:
        problems = settings.github_problems()
        if problems:
            raise PlatformError("; ".join(problems))
        self.settings = settings
        self.limiter = limiter
        self.api_url = settings.github_api_url.rstrip("/")
        self._clients: dict[int | None, tuple[Github, Auth.Auth]] = {}
        self._lock = threading.Lock()
        key = settings.private_key()
        self._app = (
            Auth.AppAuth(settings.github_app_id, key)
            if settings.github_app_id is not None and key
            else None
        )

    def _client(self, installation_id: int | None) -> tuple[Github, Auth.Auth]:
        """A PyGithub client for an installation (App) or for the token."""
        key = installation_id if self._app is not None else None
        with self._lock:
            if key not in self._clients:
                auth: Auth.Auth
                if self._app is not None:
                    if installation_id is None:
                        raise GitHubRejected("a GitHub App needs the event's installation id", 400)
                    auth = self._app.get_installation_auth(installation_id)
                elif self.settings.github_token is not None:
                    auth = Auth.Token(self.settings.github_token.get_secret_value())
                else:  # pragma: no cover - __init__ refused settings with neither
                    raise GitHubRejected("no GitHub credentials", 401)
                client = Github(
                    auth=auth,
                    base_url=self.api_url,
                    timeout=TIMEOUT,
                    retry=None,
                    lazy=True,
                    per_page=100,
                    seconds_between_requests=None,
                    seconds_between_writes=None,
                )
                self._clients[key] = (client, auth)
            return self._clients[key]

    def spare(self) -> bool:
        """Whether a write that can be left out fits the shared limiter's budget now."""
        return self.limiter.spare()

    def token(self, installation_id: int | None) -> str:
        """An access token for downloads outside PyGithub (minted if needed)."""
        _client, auth = self._client(installation_id)
        return self._call(lambda: auth.token, what="mint an installation token")

    def _call(self, fn: Callable[[], T], *, what: str, write: bool = False) -> T:
        if write:
            self.limiter.acquire()
        try:
            return fn()
        except GithubException as exc:
            raise self._translate(exc, what, write) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise GitHubUnavailable(
                f"{what}: GitHub did not answer ({type(exc).__name__})", ambiguous=write
            ) from None

    def _translate(self, exc: GithubException, what: str, write: bool) -> PlatformError:
        status = exc.status
        headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
        message = _message(exc)
        delay = _rate_limit_delay(status, headers, message)
        if delay is not None:
            self.limiter.pause(delay)
            return GitHubUnavailable(f"{what}: rate limited ({status} {message})", delay=delay)
        if status >= 500 or status in (401, 408):
            return GitHubUnavailable(f"{what}: GitHub answered {status} {message}", ambiguous=write)
        return GitHubRejected(f"{what}: GitHub answered {status} {message}", status)

    # --- reads --------------------------------------------------------------------------

    def pull_diff(self, repository: str, installation_id: int | None, number: int) -> str:
        """The pull request's unified diff."""
        client, _ = self._client(installation_id)

        def get() -> str:
            status, headers, body = client.requester.requestJson(
                "GET",
                f"/repos/{repository}/pulls/{number}",
                headers={"Accept": DIFF_MEDIA_TYPE},
            )
            if status >= 400:
                raise GithubException(status, body, headers)
            return body

        return self._call(get, what=f"read the diff of {repository}#{number}")

    def tarball_url(self, repository: str, sha: str) -> str:
        return f"{self.api_url}/repos/{repository}/tarball/{sha}"

    # --- writes -------------------------------------------------------------------------

    def create_check_run(self, repository: str, installation_id: int | None, **fields: Any) -> int:
        client, _ = self._client(installation_id)

        def post() -> int:
            _headers, data = client.requester.requestJsonAndCheck(
                "POST", f"/repos/{repository}/check-runs", input=_dated(fields)
            )
            return int(data["id"])

        return self._call(post, what=f"create a check run on {repository}", write=True)

    def update_check_run(
        self, repository: str, installation_id: int | None, check_run_id: int, **fields: Any
    ) -> None:
        client, _ = self._client(installation_id)

        def patch() -> None:
            client.requester.requestJsonAndCheck(
                "PATCH",
                f"/repos/{repository}/check-runs/{check_run_id}",
                input=_dated(fields),
            )

        self._call(patch, what=f"update check run {check_run_id} on {repository}", write=True)

    def create_status(
        self, repository: str, installation_id: int | None, sha: str, **fields: Any
    ) -> None:
        client, _ = self._client(installation_id)
        self._call(
            lambda: client.get_repo(repository).get_commit(sha).create_status(**fields),
            what=f"set the commit status of {sha[:12]} on {repository}",
            write=True,
        )

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
        client, _ = self._client(installation_id)

        def post() -> int:
            pull = client.get_repo(repository).get_pull(number)
            commit = client.get_repo(repository).get_commit(commit_sha)
            made = pull.create_review(commit=commit, body=body, event="COMMENT", comments=comments)
            return int(made.id)

        return self._call(post, what=f"post a review on {repository}#{number}", write=True)

    def upsert_comment(
        self, repository: str, installation_id: int | None, number: int, *, marker: str, body: str
    ) -> int:
        """Edit the comment that carries ``marker``, or create it: safe to repeat."""
        client, _ = self._client(installation_id)
        issue = client.get_repo(repository).get_issue(number)
        existing = self._call(
            lambda: next(
                (c for c in issue.get_comments() if marker in (c.body or "")),
                None,
            ),
            what=f"list the comments of {repository}#{number}",
        )
        if existing is not None:
            found = existing
            self._call(
                lambda: found.edit(body),
                what=f"edit comment {found.id} on {repository}#{number}",
                write=True,
            )
            return int(found.id)
        made = self._call(
            lambda: issue.create_comment(body),
            what=f"comment on {repository}#{number}",
            write=True,
        )
        return int(made.id)


def _dated(fields: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as GitHub's ``YYYY-MM-DDTHH:MM:SSZ``."""
    return {
        name: value.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(value, "strftime") else value
        for name, value in fields.items()
    }


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        return str(data.get("message", ""))[:300]
    return str(data)[:300]


def _rate_limit_delay(status: int, headers: dict[str, str], message: str) -> float | None:
    """Seconds to wait when the answer is a rate limit, else None."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(1.0, float(retry_after))
        except ValueError:
            return SECONDARY_WAIT
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(1.0, float(headers.get("x-ratelimit-reset", "0")) - time.time() + 1)
        except ValueError:
            return SECONDARY_WAIT
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_WAIT
    return None
