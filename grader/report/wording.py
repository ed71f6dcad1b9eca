"""How reports write numbers and counts, shared by the scoring sentences and every renderer."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``plural(1, "test")`` -> ``1 test``; ``plural(3, "test")`` -> ``3 tests``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_number(value: float) -> str:
    """Points as people write them: ``10.0`` -> ``10``, ``2.5`` -> ``2.5``."""
    return f"{value:g}"
