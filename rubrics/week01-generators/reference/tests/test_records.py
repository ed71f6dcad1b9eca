import itertools
from collections.abc import Iterator

from records import (
    Record,
    count_by_country,
    filter_by_amount,
    invert,
    parse_records,
    top_n,
    total_by_user,
)

SAMPLE = [
    "user_id,country,amount\n",
    "u1,fr,10.5\n",
    "# a comment\n",
    "\n",
    "u2,DE,3\n",
    "u1, FR , 4.5\n",
    "u3,IT\n",
    "u4,ES,lots\n",
    "u5,PT,nan\n",
    ",NL,1\n",
]


def test_parse_keeps_only_valid_lines() -> None:
    assert list(parse_records(SAMPLE)) == [
        Record("u1", "FR", 10.5),
        Record("u2", "DE", 3.0),
        Record("u1", "FR", 4.5),
    ]


MALFORMED = [
    "",
    "   ",
    "# x",
    "user_id,country,amount",
    "a,b",
    "a,b,c,d",
    "a,b,x",
    "a,b,inf",
    ",b,1",
]


def test_parse_skips_every_kind_of_bad_line() -> None:
    for line in MALFORMED:
        assert list(parse_records([line])) == [], line


def test_parse_is_lazy() -> None:
    endless = itertools.cycle(["u1,FR,1", "junk"])
    result = parse_records(endless)
    assert isinstance(result, Iterator)
    assert len(list(itertools.islice(result, 3))) == 3


def test_filter_by_amount() -> None:
    records = [Record("a", "FR", 1.0), Record("b", "FR", 2.0), Record("c", "FR", 3.0)]
    assert [r.user_id for r in filter_by_amount(records, 2)] == ["b", "c"]


def test_count_and_total() -> None:
    records = list(parse_records(SAMPLE))
    assert count_by_country(records) == {"FR": 2, "DE": 1}
    assert total_by_user(iter(records)) == {"u1": 15.0, "u2": 3.0}
    assert total_by_user([Record("x", "FR", 0.1), Record("x", "FR", 0.2)]) == {"x": 0.3}


def test_top_n() -> None:
    counts = {"b": 2, "a": 2, "c": 3}
    assert top_n(counts, 2) == [("c", 3), ("a", 2)]
    assert top_n(counts, 0) == []
    assert top_n(counts, 9) == [("c", 3), ("a", 2), ("b", 2)]


def test_invert() -> None:
    inverted = invert({"a": 1, "b": 2, "c": 1})
    assert inverted == {1: ["a", "c"], 2: ["b"]}
    inverted[1].append("z")
    assert inverted[2] == ["b"]
