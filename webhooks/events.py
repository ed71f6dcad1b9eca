"""GitHub webhook payloads, read into the few facts the service acts on.

Each event GitHub sends is parsed with a lenient pydantic model (GitHub adds
fields all the time, so unknown ones are ignored) into one small value:
``Ping``, ``InstallationEvent``, ``PullRequestPush``, ``Rerequest`` or
``Ignored`` (with why). A payload missing a field the service needs raises
``PayloadError`` naming the field, e.g. ``pull_request.head.sha: Field required``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.errors import PayloadError

GRADED_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Account(_Lenient):
    login: str


class _Repo(_Lenient):
    full_name: str = Field(pattern=r"^[^/\s]+/[^/\s]+$")


class _Installation(_Lenient):
    id: int


class _Ref(_Lenient):
    sha: str = Field(pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")
    ref: str | None = None
    repo: _Repo | None = None
    """None when the fork was deleted."""


class _PullRequest(_Lenient):
    number: int
    head: _Ref
    base: _Ref


class _PullRequestPayload(_Lenient):
    action: str
    repository: _Repo
    pull_request: _PullRequest
    installation: _Installation | None = None


class _CheckRun(_Lenient):
    id: int
    external_id: str | None = None
    head_sha: str


class _CheckRunPayload(_Lenient):
    action: str
    repository: _Repo
    check_run: _CheckRun
    installation: _Installation | None = None


class _InstallationDetails(_Lenient):
    id: int
    account: _Account


class _InstallationPayload(_Lenient):
    action: str
    installation: _InstallationDetails
    repositories: list[_Repo] | None = None
    repositories_added: list[_Repo] | None = None


class _PingPayload(_Lenient):
    hook_id: int | None = None
    zen: str | None = None


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
    action = payload.get("action")
    try:
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
    return PullRequestPush(
        repository=base,
        number=pr.number,
        head_sha=pr.head.sha,
        head_repository=pr.head.repo.full_name if pr.head.repo is not None else base,
        head_ref=pr.head.ref,
        base_sha=pr.base.sha,
        installation_id=payload.installation.id if payload.installation else None,
    )


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:5]
    )
