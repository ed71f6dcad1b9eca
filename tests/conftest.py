"""Shared fixtures: the week-1 rubric, a local sandbox with a warm tool cache, and copies of samples."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from jobs_support import JobHarness, install, make_harness
from support import WEEK01

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.sandbox.docker import from_settings
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import Sandbox
from grader.settings import Settings

# Fuzz budgets: `make test` runs every fuzz suite on the bounded default; `make fuzz` selects the
# fuzz-marked tests under the long profile. Neither has a deadline: a slow example is reported by
# the test's own bounds (time, memory), not by Hypothesis's per-example timer.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")


@pytest.fixture(scope="session")
def week01() -> LoadedRubric:
    """The week-1 rubric, loaded once."""
    return load_rubric(WEEK01 / "rubric.yaml")


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> LocalSandbox:
    """A local sandbox whose mypy cache is shared by the session's tests."""
    return LocalSandbox(tmp_path_factory.mktemp("grader-cache"))


@pytest.fixture
def sample(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Copy a week-1 folder (``reference``, ``samples/partial``...) into a scratch folder to change it."""

    copies = iter(range(1000))

    def copy(name: str) -> Path:
        target = tmp_path / f"{name.replace('/', '-')}-{next(copies)}"
        shutil.copytree(WEEK01 / name, target)
        return target

    return copy


@pytest.fixture(scope="session")
def docker_grading() -> Sandbox:
    """The Docker sandbox as the CLI and the worker make it (the engine, the image, the caps)."""
    return from_settings(Settings())


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JobHarness:
    """The jobs over MemoryStore and MemoryGitHub, downloads and grading canned (milliseconds a test)."""
    return install(make_harness(tmp_path), monkeypatch)
