"""Week 1 records processing."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Record:
    user_id: str
    country: str
    amount: float


def parse_records(lines: Iterable[str]) -> list[Record]:
    """Parse the lines into records."""
    result = []
    for line in lines:
        line = line.strip()
        if line == "" or line.startswith("#") or line.startswith("user_id"):
            continue
        parts = line.split(",")
        if len(parts) != 3:
            continue
        user_id, country, amount = [p.strip() for p in parts]
        result.append(Record(user_id, country.upper(), float(amount)))
    return result


def filter_by_amount(records: Iterable[Record], minimum: float) -> Iterator[Record]:
    for record in records:
        if record.amount >= minimum:
            yield record


def count_by_country(records: Iterable[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.country] = counts.get(record.country, 0) + 1
    return counts


def total_by_user(records):
    totals = {}
    for record in records:
        totals[record.user_id] = totals.get(record.user_id, 0) + record.amount
    return {user: round(total, 2) for user, total in totals.items()}


def top_n(counts: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    if n == 0:
        return []
    return sorted(counts.items(), key=lambda item: item[1], reverse=True)[:n]


def invert(mapping: Mapping[Any, Any]) -> dict[Any, list[Any]]:
    result: dict[Any, list[Any]] = {}
    for key, value in mapping.items():
        if value in result:
            result[value].append(key)
        else:
            result[value] = [key]
    return result
