"""Streaming record processing with generators and comprehensions.

Every function must work on any iterable and read it at most once, so the same
code handles a ten-line list in a test and a ten-million-line file in
production without ever holding all records in memory.

Replace each ``raise NotImplementedError`` with your implementation. Keep the
names and signatures: the hidden tests import them.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass  # TODO: records must be immutable (see the README)
class Record:
    """One sale: who paid, from which country, how much. Immutable."""

    user_id: str
    country: str
    amount: float


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    """Lazily turn lines of ``user_id,country,amount`` into records.

    Strip each line and each field; upper-case the country. Skip blank lines,
    ``#`` comments, the header line and malformed lines (not exactly 3 fields,
    empty user id or country, amount not a finite number). Pull lines from
    ``lines`` one at a time, only as the result is iterated.
    """
    raise NotImplementedError


def filter_by_amount(records: Iterable[Record], minimum: float) -> Iterator[Record]:
    """Lazily keep the records whose amount is at least ``minimum``."""
    raise NotImplementedError


def count_by_country(records: Iterable[Record]) -> dict[str, int]:
    """Count records per country, countries in order of first appearance."""
    raise NotImplementedError


def total_by_user(records: Iterable[Record]) -> dict[str, float]:
    """Sum the amounts per user, each total rounded to 2 decimal places.

    Users appear in order of first appearance. Round once, after summing, so
    ``0.1 + 0.2`` gives ``0.3``.
    """
    raise NotImplementedError


def top_n(counts: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` largest counts: count descending, then key ascending.

    ``n <= 0`` gives ``[]``; ``n`` larger than ``counts`` gives all of them.
    """
    raise NotImplementedError


def invert(mapping: Mapping[K, V]) -> dict[V, list[K]]:
    """Group the keys of ``mapping`` by their value.

    Values appear in order of first appearance, and each list keeps the keys
    in the mapping's order. Every list is a new, independent object.
    """
    raise NotImplementedError
