"""Streaming record processing with generators and comprehensions.

Every function works on any iterable and reads it exactly once, so the same
code handles a ten-line list in a test and a ten-million-line file in
production without ever holding all records in memory.
"""

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Record:
    """One sale: who paid, from which country, how much."""

    user_id: str
    country: str
    amount: float


def _parse_line(line: str) -> Record | None:
    """Parse one ``user_id,country,amount`` line, or return None to skip it."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    fields = [field.strip() for field in text.split(",")]
    if len(fields) != 3:
        return None
    user_id, country, raw_amount = fields
    try:
        amount = float(raw_amount)
    except ValueError:
        return None  # includes the header line: "amount" is not a number
    if not (user_id and country and math.isfinite(amount)):
        return None
    return Record(user_id, country.upper(), amount)


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    """Lazily turn lines of ``user_id,country,amount`` into records.

    Blank lines, ``#`` comments, the header line and malformed lines are
    skipped. Lines are pulled from ``lines`` one at a time, only as the
    result is iterated.
    """
    for line in lines:
        record = _parse_line(line)
        if record is not None:
            yield record


def filter_by_amount(records: Iterable[Record], minimum: float) -> Iterator[Record]:
    """Lazily keep the records whose amount is at least ``minimum``."""
    return (record for record in records if record.amount >= minimum)


def count_by_country(records: Iterable[Record]) -> dict[str, int]:
    """Count records per country, countries in order of first appearance."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record.country] = counts.get(record.country, 0) + 1
    return counts


def total_by_user(records: Iterable[Record]) -> dict[str, float]:
    """Sum the amounts per user, each total rounded to 2 decimal places.

    Users appear in order of first appearance. Rounding happens once, after
    summing, so ``0.1 + 0.2`` gives ``0.3``.
    """
    totals: dict[str, float] = {}
    for record in records:
        totals[record.user_id] = totals.get(record.user_id, 0.0) + record.amount
    return {user: round(total, 2) for user, total in totals.items()}


def top_n(counts: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` largest counts: count descending, then key ascending."""
    if n <= 0:
        return []
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def invert(mapping: Mapping[K, V]) -> dict[V, list[K]]:
    """Group the keys of ``mapping`` by their value.

    Values appear in order of first appearance, and each list keeps the keys
    in the mapping's order. Every list is a new, independent object.
    """
    inverted: dict[V, list[K]] = {}
    for key, value in mapping.items():
        inverted.setdefault(value, []).append(key)
    return inverted
