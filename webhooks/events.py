"""GitHub webhook payloads, read into the few facts the service acts on.

Each event GitHub sends is parsed with a pydantic model that ignores unknown
fields (GitHub adds them all the time) but is strict and bounded on the ones the
service reads, into one small value: ``Ping``, ``InstallationEvent``,
``PullRequestPush``, ``Rerequest`` or ``Ignored`` (with why). A payload missing
a field the service needs, or holding one of the wrong type, too long for its
column, outside the column's integer range, or not storable text (a lone
surrogate, NUL) raises ``PayloadError`` naming the field, e.g.
``pull_request.head.sha: Field required``. A signed body is still hostile input:
a leaked secret or a compromised App must not be able to crash the door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from grader.errors import PayloadError

GRADED_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


INT32_MAX = 2**31 - 1
"""The store keeps pull request numbers and installation ids in ``INTEGER`` columns."""
INT64_MAX = 2**63 - 1
"""Ids the service reads but does not store (hook, check run) only have to be integers."""
MAX_REPOSITORIES = 10_000
"""An installation's repository list; GitHub sends at most a few thousand per event."""


def _storable(value: str) -> str:
    """Text a database can hold: UTF-8 encodable (no lone surrogate) and without NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode (a lone surrogate)") from None
    if "\0" in value:
        raise ValueError("contains a NUL character")
    return value


_Storable = AfterValidator(_storable)
Action = Annotated[str, Field(max_length=64), _Storable]
"""An event's action (``opened``...): the deliveries table keeps 64 characters."""
ShortAction = Annotated[str, Field(max_length=32), _Storable]
"""An installation's action: the installations table keeps 32 characters."""
Name = Annotated[str, Field(max_length=255), _Storable]
"""A login, repository name or branch: 255-character columns."""
LongText = Annotated[str, Field(max_length=1000), _Storable]
StoredId = Annotated[int, Field(ge=1, le=INT32_MAX)]
AnyId = Annotated[int, Field(ge=-INT64_MAX - 1, le=INT64_MAX)]
Sha = Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")]


class _Lenient(BaseModel):
    """Unknown fields are ignored; known ones are strict (no "2" for 2, no 2.0, no true)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Envelope(_Lenient):
    """What every delivery is read for before anything is stored: its action, if any."""

    action: Action | None = None


class _Account(_Lenient):
    login: Name


class _User(_Lenient):
    """A pull request's author or a delivery's sender."""

    login: Name
    id: AnyId | None = None
    type: Name | None = None
    """``User``, ``Bot`` (github-classroom[bot]...) or ``Organization``."""


class _Repo(_Lenient):
    full_name: Name = Field(pattern=r"^[^/\s]+/[^/\s]+$")


class _Installation(_Lenient):
    id: StoredId


class _Ref(_Lenient):
    sha: Sha
    ref: Name | None = None
    repo: _Repo | None = None
    """None when the fork was deleted."""


class _PullRequest(_Lenient):
    number: StoredId
    head: _Ref
    base: _Ref
    updated_at: datetime | None = Field(default=None, strict=False)
    """When GitHub last changed the pull request (ISO 8601); orders pushes that race."""
    user: _User | None = None
    """Who opened the pull request: the student, unless a bot opened it for them."""


class _PullRequestPayload(_Lenient):
    action: Action
    repository: _Repo
    pull_request: _PullRequest
    installation: _Installation | None = None
    sender: _User | None = None
    """Who caused this delivery (pushed, opened): the student when a bot opened the PR."""


class _CheckRun(_Lenient):
    id: AnyId
    external_id: Name | None = None
    head_sha: Sha


class _CheckRunPayload(_Lenient):
    action: Action
    repository: _Repo
    check_run: _CheckRun
    installation: _Installation | None = None


class _InstallationDetails(_Lenient):
    id: StoredId
    account: _Account


class _InstallationPayload(_Lenient):
    action: ShortAction
    installation: _InstallationDetails
    repositories: list[_Repo] | None = Field(default=None, max_length=MAX_REPOSITORIES)
    repositories_added: list[_Repo] | None = Field(default=None, max_length=MAX_REPOSITORIES)


class _PingPayload(_Lenient):
    hook_id: AnyId | None = None
    zen: LongText | None = None


@dataclass(frozen=True)
class Ping:
    hook_id: int | None


@dataclass(frozen=True)
class InstallationEvent:
    installation_id: int
    account: str
    action: str
    repositories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PullRequestPush:
    """A pull request's head commit to grade."""

    repository: str
    number: int | None
    head_sha: str
    head_repository: str
    head_ref: str | None
    base_sha: str | None
    installation_id: int | None
    updated_at: datetime | None = None
    """GitHub's ``pull_request.updated_at``: orders this push against the pull request's others."""
    author_login: str | None = None
    """The student: the pull request's author, or the sender when a bot opened it; lowercased."""
    author_id: int | None = None


@dataclass(frozen=True)
class Rerequest:
    """Someone pressed "Re-run" on one of the service's check runs."""

    repository: str
    external_id: str | None
    installation_id: int | None


@dataclass(frozen=True)
class Ignored:
    why: str


Event = Ping | InstallationEvent | PullRequestPush | Rerequest | Ignored


def parse(event: str, payload: dict[str, Any]) -> Event:
    """The fact a delivery carries; ``PayloadError`` when a needed field is missing or bad."""
    try:
        action = Envelope.model_validate(payload).action
        if event == "ping":
            return Ping(_PingPayload.model_validate(payload).hook_id)
        if event in ("installation", "installation_repositories"):
            return _installation(_InstallationPayload.model_validate(payload))
        if event == "pull_request":
            if action not in GRADED_ACTIONS:
                return Ignored(f"pull_request action {action!r} is not graded")
            return _pull_request(_PullRequestPayload.model_validate(payload))
        if event == "check_run":
            if action != "rerequested":
                return Ignored(f"check_run action {action!r} is not acted on")
            run = _CheckRunPayload.model_validate(payload)
            return Rerequest(
                repository=run.repository.full_name,
                external_id=run.check_run.external_id,
                installation_id=run.installation.id if run.installation else None,
            )
    except ValidationError as exc:
        raise PayloadError(f"{event} payload: {_explain(exc)}") from None
    return Ignored(f"event {event!r} is not acted on")


def action_of(payload: dict[str, Any]) -> str | None:
    """The payload's action when it is one the deliveries table can hold, else None."""
    try:
        return Envelope.model_validate(payload).action
    except ValidationError:
        return None


def _installation(payload: _InstallationPayload) -> InstallationEvent:
    repos = payload.repositories or payload.repositories_added or []
    return InstallationEvent(
        installation_id=payload.installation.id,
        account=payload.installation.account.login,
        action=payload.action,
        repositories=[repo.full_name for repo in repos],
    )


def _pull_request(payload: _PullRequestPayload) -> PullRequestPush:
    pr = payload.pull_request
    base = payload.repository.full_name
    author = _author(payload)
    return PullRequestPush(
        repository=base,
        number=pr.number,
        head_sha=pr.head.sha,
        head_repository=pr.head.repo.full_name if pr.head.repo is not None else base,
        head_ref=pr.head.ref,
        base_sha=pr.base.sha,
        installation_id=payload.installation.id if payload.installation else None,
        updated_at=pr.updated_at,
        author_login=author.login.lower() if author is not None else None,
        author_id=author.id if author is not None else None,
    )


def _author(payload: _PullRequestPayload) -> _User | None:
    """The student behind a pull request: its author, unless a bot (GitHub Classroom's
    ``github-classroom[bot]`` opens the feedback pull request) opened it; then the sender."""
    user = payload.pull_request.user
    if user is not None and user.type == "Bot" and payload.sender is not None:
        return payload.sender
    return user


def _explain(exc: ValidationError) -> str:
    """The first few problems, each as ``field.path: message`` (never the offending value)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])[:200]}: {error['msg'][:200]}"
        for error in exc.errors(include_url=False, include_input=False)[:5]
    )
