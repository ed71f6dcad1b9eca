"""The Python files of graded submissions, kept for the similarity report.

``SourceStore`` is what the service asks; ``SqlSourceStore`` keeps them in the ``sources``
table, ``MemorySourceStore`` in memory for tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class SourceStore(Protocol):
    """Sources by submission (the helper building the similarity report owns this)."""

    def save_sources(self, submission_id: str, files: Mapping[str, str]) -> None:
        """Keep a submission's files (path relative to its graded folder -> text)."""

    def sources(self, submission_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The kept files of these submissions; those without are left out."""
