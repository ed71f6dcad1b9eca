"""Week 1: streaming sales records.

A different but correct take: built from iterator building blocks
(map, filter, Counter, defaultdict, heapq) instead of explicit loops.
"""

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

FIELD_COUNT = 3


@dataclass(frozen=True)
class Record:
    user_id: str
    country: str
    amount: float


def _to_amount(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _to_record(line: str) -> Record | None:
    stripped = line.strip()
    if stripped.startswith("#"):
        return None
    parts = [part.strip() for part in stripped.split(",")]
    if len(parts) != FIELD_COUNT or not all(parts[:2]):
        return None
    amount = _to_amount(parts[2])
    if amount is None:
        return None
    return Record(user_id=parts[0], country=parts[1].upper(), amount=amount)


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    """Yield a Record per valid line; drop blank, comment, header and bad lines."""
    return (record for record in map(_to_record, lines) if record is not None)


def filter_by_amount(records: Iterable[Record], minimum: float) -> Iterator[Record]:
    """Yield the records with amount >= minimum."""
    return filter(lambda record: record.amount >= minimum, records)


def count_by_country(records: Iterable[Record]) -> dict[str, int]:
    """Number of records per country (first-seen order)."""
    return dict(Counter(record.country for record in records))


def total_by_user(records: Iterable[Record]) -> dict[str, float]:
    """Total amount per user (first-seen order), rounded to cents after summing."""
    totals: defaultdict[str, float] = defaultdict(float)
    for record in records:
        totals[record.user_id] += record.amount
    return {user: round(total, 2) for user, total in totals.items()}


def top_n(counts: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    """Largest n counts; ties are broken alphabetically."""
    return heapq.nsmallest(n, counts.items(), key=lambda item: (-item[1], item[0]))


def invert(mapping: Mapping[K, V]) -> dict[V, list[K]]:
    """Map each value to the list of keys that had it."""
    groups: dict[V, list[K]] = {}
    for key, value in mapping.items():
        if value not in groups:
            groups[value] = []
        groups[value].append(key)
    return groups
