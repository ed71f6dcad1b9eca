"""Settings from the environment (``GRADER_*``), read once at each entry point."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ByteSize, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader"


class Settings(BaseSettings):
    """The grader's configuration; every field can be set as ``GRADER_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="GRADER_", frozen=True, extra="ignore", use_attribute_docstrings=True
    )

    cache_dir: Path = Field(default_factory=_default_cache)
    """Where tool caches live between runs (mypy's typeshed cache makes type checks fast)."""
    sandbox: Literal["docker", "local"] = "docker"
    """Which sandbox runs submissions by default: `docker`, or `local` for trusted code only."""
    sandbox_image: str = "grader-sandbox:latest"
    """The Docker sandbox's image, as `grader sandbox build` tags it."""
    debian_mirror: str = "http://deb.debian.org/debian"
    """Where debootstrap fetches Debian packages for the local base image."""
    max_memory: ByteSize = ByteSize(4 * 1024**3)
    """Operator cap: the most memory a rubric may give the student's code."""
    max_cpus: float = Field(default=4.0, gt=0)
    """Operator cap: the most CPU cores a rubric may give a sandbox."""
    max_pids: int = Field(default=1024, ge=16)
    """Operator cap: the most processes and threads a rubric may allow."""
    max_timeout: int = Field(default=900, ge=1)
    """Operator cap: the longest step a rubric may allow, in seconds."""
    max_run_timeout: int = Field(default=1800, ge=1)
    """Operator cap: the longest grading run a rubric may allow, in seconds."""
    max_disk: ByteSize = ByteSize(2 * 1024**3)
    """Operator cap: the most writable space a rubric may give a sandbox."""
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)
    """Criteria graded at the same time for one submission."""
