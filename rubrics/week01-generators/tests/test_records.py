"""Hidden tests: behaviour of every function in records.py, edge cases included."""

import dataclasses

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


def parse(*lines: str) -> list[Record]:
    return list(parse_records(lines))


# --- Record ----------------------------------------------------------------


def test_record_is_a_frozen_dataclass() -> None:
    record = Record("u1", "FR", 9.5)
    assert (record.user_id, record.country, record.amount) == ("u1", "FR", 9.5)
    assert record == Record(user_id="u1", country="FR", amount=9.5), "records compare by value"
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.amount = 0.0  # type: ignore[misc]


# --- parse_records -----------------------------------------------------------


def test_parse_valid_lines() -> None:
    got = parse("u1,FR,12.5", "u2,DE,3")
    assert got == [Record("u1", "FR", 12.5), Record("u2", "DE", 3.0)]


def test_parse_strips_whitespace_and_line_endings() -> None:
    got = parse("u1,FR,12.5\n", "u2,DE,3\r\n", "  u3 , IT ,  7.25  \n")
    assert got == [
        Record("u1", "FR", 12.5),
        Record("u2", "DE", 3.0),
        Record("u3", "IT", 7.25),
    ], "strip the line ending and the spaces around every field"


def test_parse_uppercases_country() -> None:
    got = parse("u1,fr,1", "u2,De,2")
    assert [r.country for r in got] == ["FR", "DE"], "country codes are upper-cased"
    assert [r.user_id for r in got] == ["u1", "u2"], "user ids keep their case"


def test_parse_skips_blank_lines_comments_and_header() -> None:
    got = parse(
        "user_id,country,amount",
        "",
        "   \n",
        "# exported 2026-01-05",
        "   # indented comment",
        "u1,FR,1.5",
        "USER_ID, Country, Amount",
    )
    assert got == [Record("u1", "FR", 1.5)]


def test_parse_skips_wrong_field_count() -> None:
    got = parse("u1,FR", "u2,DE,3,extra", "u3", ",,", "u4,IT,4")
    assert got == [Record("u4", "IT", 4.0)], "lines without exactly 3 fields are skipped"


def test_parse_skips_non_numeric_amount() -> None:
    got = parse("u1,FR,abc", "u2,DE,", "u3,IT,12,5", "u4,ES,1.2.3", "u5,PT,8")
    assert got == [Record("u5", "PT", 8.0)], "a non-numeric amount must skip the line, not crash"


def test_parse_skips_empty_user_or_country() -> None:
    got = parse(",FR,1", "u2,,2", " , ,3", "u4,NL,4")
    assert got == [Record("u4", "NL", 4.0)], "an empty user_id or country makes a line malformed"


def test_parse_skips_non_finite_amounts() -> None:
    got = parse("u1,FR,nan", "u2,DE,inf", "u3,IT,-Infinity", "u4,ES,1e400", "u5,PT,2")
    assert got == [Record("u5", "PT", 2.0)], "nan and infinite amounts are malformed"


def test_parse_accepts_negative_and_integer_amounts() -> None:
    got = parse("u1,FR,-4.5", "u2,DE,10", "u3,IT,0", "u4,ES,1e3")
    assert [r.amount for r in got] == [-4.5, 10.0, 0.0, 1000.0]
    assert all(isinstance(r.amount, float) for r in got), "amount is always a float"


# --- filter_by_amount ------------------------------------------------------


def test_filter_by_amount_is_inclusive() -> None:
    records = [Record("a", "FR", 5.0), Record("b", "FR", 4.99), Record("c", "DE", 10.0)]
    got = list(filter_by_amount(records, 5))
    assert got == [Record("a", "FR", 5.0), Record("c", "DE", 10.0)], "amount >= minimum is kept"
    assert list(filter_by_amount(records, 100)) == []
    assert list(filter_by_amount([], 0)) == []


# --- count_by_country ------------------------------------------------------


def test_count_by_country() -> None:
    records = [
        Record("a", "FR", 1),
        Record("b", "DE", 1),
        Record("c", "FR", 1),
        Record("d", "IT", 1),
        Record("e", "DE", 1),
        Record("f", "FR", 1),
    ]
    got = count_by_country(records)
    assert got == {"FR": 3, "DE": 2, "IT": 1}
    assert list(got) == ["FR", "DE", "IT"], "countries in order of first appearance"
    assert type(got) is dict, "return a plain dict"
    assert count_by_country([]) == {}


def test_count_by_country_reads_a_generator() -> None:
    records = (Record(f"u{i}", "FR" if i % 3 else "DE", 1.0) for i in range(9))
    assert count_by_country(records) == {"DE": 3, "FR": 6}


# --- total_by_user ---------------------------------------------------------


def test_total_by_user_sums_and_rounds() -> None:
    records = [
        Record("bob", "FR", 0.1),
        Record("ann", "DE", 10.0),
        Record("bob", "FR", 0.2),
        Record("ann", "DE", -2.5),
        Record("cat", "IT", 3.333),
        Record("cat", "IT", 3.333),
        Record("cat", "IT", 3.334),
    ]
    got = total_by_user(records)
    assert got == {"bob": 0.3, "ann": 7.5, "cat": 10.0}, "totals rounded to 2 decimals"
    assert list(got) == ["bob", "ann", "cat"], "users in order of first appearance"
    assert total_by_user(iter([])) == {}


# --- top_n -----------------------------------------------------------------


def test_top_n_orders_by_count_then_key() -> None:
    counts = {"IT": 2, "FR": 5, "DE": 2, "ES": 5, "NL": 1}
    assert top_n(counts, 3) == [("ES", 5), ("FR", 5), ("DE", 2)], (
        "highest count first; ties broken by key, alphabetically"
    )
    assert top_n(counts, 5) == [("ES", 5), ("FR", 5), ("DE", 2), ("IT", 2), ("NL", 1)]


def test_top_n_non_positive_n() -> None:
    counts = {"FR": 5, "DE": 2, "IT": 1, "ES": 7}
    assert top_n(counts, 0) == []
    assert top_n(counts, -1) == [], "a negative n gives an empty list, not a slice from the end"


def test_top_n_n_larger_than_mapping() -> None:
    assert top_n({"FR": 1, "DE": 1}, 10) == [("DE", 1), ("FR", 1)], "all items, ties by key"
    assert top_n({}, 3) == []


# --- invert ----------------------------------------------------------------


def test_invert_groups_keys_in_order() -> None:
    mapping = {"ann": "FR", "bob": "DE", "cat": "FR", "dan": "IT", "eve": "DE"}
    got = invert(mapping)
    assert got == {"FR": ["ann", "cat"], "DE": ["bob", "eve"], "IT": ["dan"]}
    assert list(got) == ["FR", "DE", "IT"], "values in order of first appearance"
    assert invert({}) == {}
    assert invert({1: 10, 2: 20, 3: 10}) == {10: [1, 3], 20: [2]}, "works for any key/value types"


def test_invert_lists_are_independent() -> None:
    got = invert({"a": 1, "b": 2})
    got[1].append("zzz")
    assert got[2] == ["b"], "each value needs its own list (beware of a shared mutable list)"
    again = invert({"a": 1, "b": 2})
    assert again == {1: ["a"], 2: ["b"]}, "a second call must not see the first call's lists"


def test_invert_does_not_mutate_input() -> None:
    mapping = {"a": 1, "b": 1}
    invert(mapping)
    assert mapping == {"a": 1, "b": 1}


# --- everything together ---------------------------------------------------


def test_end_to_end_report() -> None:
    lines = [
        "user_id,country,amount\n",
        "u1,fr,120.00\n",
        "u2,DE,15.50\n",
        "# refunds below\n",
        "u1,FR,-20\n",
        "u3,de,99.99\n",
        "broken line\n",
        "u4,IT,not-a-number\n",
        "\n",
        "u2,DE,300\n",
        "u5,IT,50\n",
    ]
    big = list(filter_by_amount(parse_records(lines), 50))
    assert [r.user_id for r in big] == ["u1", "u3", "u2", "u5"]
    counts = count_by_country(big)
    assert counts == {"FR": 1, "DE": 2, "IT": 1}
    assert top_n(counts, 2) == [("DE", 2), ("FR", 1)]
    totals = total_by_user(parse_records(lines))
    assert totals == {"u1": 100.0, "u2": 315.5, "u3": 99.99, "u5": 50.0}
    assert invert(counts) == {1: ["FR", "IT"], 2: ["DE"]}
