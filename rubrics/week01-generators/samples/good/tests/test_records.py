import itertools

import pytest

from records import (
    Record,
    count_by_country,
    filter_by_amount,
    invert,
    parse_records,
    top_n,
    total_by_user,
)


@pytest.fixture
def records() -> list[Record]:
    return [
        Record("ann", "FR", 10.0),
        Record("bob", "DE", 2.5),
        Record("ann", "FR", 0.25),
        Record("cid", "IT", 40.0),
    ]


def test_parse_good_and_bad_lines() -> None:
    lines = [
        "user_id,country,amount",
        "ann, fr ,10",
        "",
        "# note",
        "bob,DE",
        "bob,DE,x",
        "c,IT,-1",
    ]
    assert list(parse_records(lines)) == [
        Record("ann", "FR", 10.0),
        Record("c", "IT", -1.0),
    ]


def test_parse_rejects_non_finite_and_empty_fields() -> None:
    assert list(parse_records(["a,FR,nan", "a,FR,inf", ",FR,1", "a,,1"])) == []


def test_parse_works_on_an_endless_stream() -> None:
    endless = itertools.repeat("ann,FR,1")
    assert len(list(itertools.islice(parse_records(endless), 10))) == 10


def test_filter(records: list[Record]) -> None:
    assert [r.amount for r in filter_by_amount(records, 10)] == [10.0, 40.0]


def test_counts_and_totals(records: list[Record]) -> None:
    assert count_by_country(records) == {"FR": 2, "DE": 1, "IT": 1}
    assert total_by_user(records) == {"ann": 10.25, "bob": 2.5, "cid": 40.0}


def test_top_n_ties_and_bounds() -> None:
    counts = {"DE": 1, "FR": 2, "BE": 1}
    assert top_n(counts, 2) == [("FR", 2), ("BE", 1)]
    assert top_n(counts, -1) == []


def test_invert_groups() -> None:
    assert invert({"ann": "FR", "bob": "DE", "cid": "FR"}) == {
        "FR": ["ann", "cid"],
        "DE": ["bob"],
    }
