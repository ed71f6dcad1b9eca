"""Settings from the environment (``GRADER_*``), read once at each entry point."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    sandbox: Literal["local"] = "local"
    """Which sandbox runs submissions by default."""
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=64)
    """Criteria graded at the same time for one submission."""
