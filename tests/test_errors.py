"""The error tree: every exception the grader raises is a ``GraderError`` that says whose fault it is and whether it is retried."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError

import grader
import webhooks
from grader import errors
from grader.errors import (
    ArchiveError,
    FetchError,
    GitHubRejected,
    GitHubUnavailable,
    GraderError,
    HostError,
    LeaseHeld,
    PlatformError,
    RateLimited,
    RedisUnavailable,
    RubricError,
    StoreUnavailable,
    TaskTimeLimit,
)
from grader.service.faults import as_grader_error

PENDING: set[str] = set()
"""Exceptions still defined outside ``grader.errors`` in a module another change owns; each
moves into the tree with that change (and out of this set: the test fails until it does)."""


def _tree(root: type[GraderError] = GraderError) -> list[type[GraderError]]:
    found = [root]
    for sub in root.__subclasses__():
        found += _tree(sub)
    return found


def _every_module() -> list[str]:
    """Every module of the grader and the webhook app, but entry scripts and the in-sandbox ones."""
    names = []
    for package in (grader, webhooks):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.startswith("grader.harness") and not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def test_every_class_of_the_tree_says_whose_fault_it_is_and_whether_it_is_retried() -> None:
    """Each class carries the facts the service reads: ``fault``, ``retry``, ``counted``."""
    for cls in _tree():
        assert cls.fault in ("student", "input", "platform"), cls
        assert isinstance(cls.retry, bool), cls
        assert isinstance(cls.counted, bool), cls


def test_the_docstring_draws_every_class_of_the_tree() -> None:
    """The tree in ``grader.errors``'s docstring names every class there is."""
    for module in _every_module():
        importlib.import_module(module)
    doc = errors.__doc__ or ""
    missing = [cls.__name__ for cls in _tree() if f" {cls.__name__} " not in doc]
    assert missing == []


def test_every_public_exception_of_the_grader_is_in_the_tree() -> None:
    """No module defines a public exception outside ``GraderError`` (private control flow aside;
    the console's HTTP answers, starlette's ``HTTPException``: a 401, 403 or 404, not a fault)."""
    from starlette.exceptions import HTTPException

    outside = set()
    for name in _every_module():
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseException)
                and cls.__module__ == name
                and not cls_name.startswith("_")
                and not issubclass(cls, GraderError | HTTPException)
            ):
                outside.add(f"{name}.{cls_name}")
    assert outside - PENDING == set()
    assert outside >= PENDING, "moved into the tree: drop it from PENDING"


def test_every_class_is_defined_in_grader_errors() -> None:
    """The tree has one home, so a reader finds every exception in one file."""
    assert {cls.__module__ for cls in _tree()} == {"grader.errors"}


SAMPLES: dict[type[GraderError], GraderError] = {
    FetchError: FetchError("x", status=429, permanent=False, retry_after=7.0),
    ArchiveError: ArchiveError("y", entry="a/b"),
    GitHubUnavailable: GitHubUnavailable("z", delay=3.0, ambiguous=True),
    GitHubRejected: GitHubRejected("refused", 422),
    RateLimited: RateLimited(2.5, "used up"),
    LeaseHeld: LeaseHeld(12.0),
    RubricError: RubricError([]),
}


@pytest.mark.parametrize("cls", _tree(), ids=lambda cls: cls.__name__)
def test_every_class_survives_pickling(cls: type[GraderError]) -> None:
    """Celery sends exceptions between processes, whatever their constructor takes."""
    exc = SAMPLES.get(cls) or cls("boom")
    back = pickle.loads(pickle.dumps(exc))  # noqa: S301
    assert type(back) is cls
    assert (str(back), back.args, back.__dict__) == (str(exc), exc.args, exc.__dict__)
    assert (back.retried, back.retry_after) == (exc.retried, exc.retry_after)


def test_a_refusal_for_good_is_never_retried() -> None:
    """``GitHubRejected`` and a permanent ``FetchError`` are platform faults not retried."""
    assert GitHubRejected("no", 404).fault == "platform"
    assert not GitHubRejected("no", 404).retried
    assert not FetchError("gone", status=404, permanent=True).retried
    assert FetchError("busy", status=503).retried


def test_waits_the_errors_carry_are_their_retry_after() -> None:
    """Every error that knows how long to wait says so in ``retry_after``."""
    assert FetchError("slow down", status=429, retry_after=60).retry_after == 60
    assert GitHubUnavailable("limited", delay=30).retry_after == 30
    assert RateLimited(4, "used up").retry_after == 4
    assert LeaseHeld(20).retry_after == 20
    assert PlatformError("x").retry_after is None


def test_waiting_for_another_workers_lease_is_not_counted() -> None:
    """A held lease is waited out, however long, without using up the task's retries."""
    assert LeaseHeld(5).retried and not LeaseHeld.counted
    assert GitHubUnavailable("x").counted


@pytest.mark.parametrize(
    ("foreign", "ours"),
    [
        (OperationalError("SELECT 1", {}, Exception("gone")), StoreUnavailable),
        (redis.ConnectionError("refused"), RedisUnavailable),
        (SoftTimeLimitExceeded(), TaskTimeLimit),
        (OSError(28, "No space left on device"), HostError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
def test_foreign_faults_become_retried_platform_errors(
    foreign: BaseException, ours: type[GraderError]
) -> None:
    """What escapes a job from the database, Redis, Celery or the system is mapped into the tree."""
    mapped = as_grader_error(foreign)
    assert type(mapped) is ours
    assert mapped.fault == "platform" and mapped.retried
    assert type(foreign).__name__ in str(mapped)


def test_a_bug_is_not_a_fault_of_the_tree() -> None:
    """Anything else (a bug) maps to nothing, so no task retries it; the tree's own pass through."""
    assert as_grader_error(KeyError("x")) is None
    rejected = GitHubRejected("no", 422)
    assert as_grader_error(rejected) is rejected
