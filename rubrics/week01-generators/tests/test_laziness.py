"""Hidden tests: the streaming functions must be lazy.

Processing 10 million records only works if nothing builds a list of all of
them. These tests feed endless or booby-trapped inputs: a lazy implementation
pulls only what it needs; an eager one trips the wire (and fails fast here
instead of hanging).
"""

import itertools
import tracemalloc
from collections.abc import Iterable, Iterator
from typing import TypeVar

from records import (
    Record,
    count_by_country,
    filter_by_amount,
    parse_records,
    total_by_user,
)

T = TypeVar("T")


class TrippedWire(Exception):
    """Raised by a source when more items are pulled than a lazy consumer needs."""


class Source(Iterator[T]):
    """Yield from ``items`` (maybe endless), counting pulls; raise after ``limit``."""

    def __init__(self, items: Iterable[T], limit: int) -> None:
        self._items = iter(items)
        self.limit = limit
        self.pulled = 0

    def __next__(self) -> T:
        if self.pulled >= self.limit:
            raise TrippedWire(
                f"pulled more than {self.limit} items from the input: "
                "the function is not lazy (did it build a list?)"
            )
        self.pulled += 1
        return next(self._items)


def endless_lines() -> Iterator[str]:
    """An infinite CSV stream: a header, then records forever."""
    yield "user_id,country,amount\n"
    for i in itertools.count():
        yield f"u{i % 97},{('FR', 'DE', 'IT', 'ES')[i % 4]},{i % 500}.25\n"


def endless_records() -> Iterator[Record]:
    for i in itertools.count():
        yield Record(f"u{i}", "FR", float(i % 10))


def test_parse_records_lazy_returns_iterator_without_reading() -> None:
    source = Source(endless_lines(), limit=1_000)
    result = parse_records(source)
    assert isinstance(result, Iterator), "parse_records must return an iterator (a generator)"
    assert not isinstance(result, (list, tuple)), "parse_records must not return a list"
    assert source.pulled == 0, "nothing may be read before the result is iterated"


def test_parse_records_lazy_on_endless_input() -> None:
    source = Source(endless_lines(), limit=1_000)
    first = list(itertools.islice(parse_records(source), 5))
    assert first == [Record(f"u{i}", ("FR", "DE", "IT", "ES")[i % 4], i + 0.25) for i in range(5)]


def test_parse_records_lazy_pulls_only_what_is_needed() -> None:
    lines = ["user_id,country,amount", "u1,FR,1", "# comment", "", "u2,DE,2", "u3,IT,3"]
    source = Source(lines, limit=5)
    records = parse_records(source)
    assert next(records) == Record("u1", "FR", 1.0)
    assert source.pulled == 2, "the first record needs exactly 2 lines"
    assert next(records) == Record("u2", "DE", 2.0)
    assert source.pulled == 5, "the second record needs exactly 5 lines, no read-ahead"


def test_filter_by_amount_lazy_returns_iterator_without_reading() -> None:
    source = Source(endless_records(), limit=0)
    result = filter_by_amount(source, 10)
    assert isinstance(result, Iterator), "filter_by_amount must return an iterator"
    assert not isinstance(result, (list, tuple)), "filter_by_amount must not return a list"
    assert source.pulled == 0, "nothing may be read before the result is iterated"


def test_filter_by_amount_lazy_on_endless_input() -> None:
    source = Source(endless_records(), limit=1_000)
    got = list(itertools.islice(filter_by_amount(source, 8), 4))
    assert [r.user_id for r in got] == ["u8", "u9", "u18", "u19"]


def test_lazy_pipeline_stops_at_first_match() -> None:
    lines = ["u1,FR,5", "bad", "u2,DE,50", "u3,IT,500"]
    source = Source(lines, limit=3)
    assert next(filter_by_amount(parse_records(source), 10)) == Record("u2", "DE", 50.0)
    assert source.pulled == 3


def test_lazy_pipeline_memory_stays_flat() -> None:
    # 5_000 records held in a list take over 1 MB (the lines alone about
    # 350 kB); streamed, they take a few kB at any moment. The aggregates are
    # tiny (4 countries, 97 users), so peak memory must stay far below that.
    n = 5_000
    tracemalloc.start()
    try:
        counts = count_by_country(
            filter_by_amount(parse_records(itertools.islice(endless_lines(), n + 1)), 0)
        )
        totals = total_by_user(parse_records(itertools.islice(endless_lines(), n + 1)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(counts.values()) == n
    assert len(totals) == 97
    assert peak < 150_000, (
        f"peak memory {peak / 1e3:.0f} kB while streaming {n} lines: "
        "some step keeps all records in memory; use generators"
    )
