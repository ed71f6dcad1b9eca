"""Hidden tests: the record store: one copy per id, what changed, kept between runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeapi import record, stamp
from fetcher import RecordStore


def ids(store: Any) -> list[str]:
    return [item["id"] for item in store.records()]


def test_saved_records_are_read_back_sorted_by_id(store: Any) -> None:
    batch = [record("tx-2", 20, amount=3.0), record("tx-1", 10, amount=12.5), record("tx-3", 30)]
    store.save(batch)
    assert store.records() == sorted(batch, key=lambda item: item["id"])


def test_get_returns_the_record_or_none(store: Any) -> None:
    store.save([record("tx-1", 10, amount=12.5)])
    assert store.get("tx-1") == record("tx-1", 10, amount=12.5)
    assert store.get("tx-9") is None


def test_saving_the_same_records_again_keeps_one_copy(store: Any) -> None:
    batch = [record(f"tx-{n}", n) for n in range(5)]
    store.save(batch)
    store.save(batch)
    assert ids(store) == [f"tx-{n}" for n in range(5)], "a record is stored once per id"


def test_a_changed_record_replaces_the_stored_one(store: Any) -> None:
    store.save([record("tx-1", 10, amount=12.5), record("tx-2", 20)])
    store.save([record("tx-1", 40, amount=13.0)])
    expected = [record("tx-1", 40, amount=13.0), record("tx-2", 20)]
    assert store.records() == expected, "a record with a stored id replaces the stored one"


def test_save_counts_inserted_updated_and_unchanged(store: Any) -> None:
    first = store.save([record("a", 10), record("b", 20)])
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0), "two new ids"
    second = store.save([record("a", 10), record("b", 50, note="late"), record("c", 60)])
    counts = (second.inserted, second.updated, second.unchanged)
    assert counts == (1, 1, 1), "one new, one changed, one the same"


def test_the_same_id_twice_in_one_save_keeps_the_later(store: Any) -> None:
    saved = store.save([record("a", 10), record("a", 20)])
    assert store.records() == [record("a", 20)], "the later record with the same id wins"
    assert (saved.inserted, saved.updated) == (1, 1)


def test_since_is_none_in_a_new_store(store: Any) -> None:
    assert store.get_since() is None


def test_since_is_kept_and_replaced(store: Any) -> None:
    store.set_since(stamp(10))
    assert store.get_since() == stamp(10)
    store.set_since(stamp(70))
    assert store.get_since() == stamp(70)


def test_records_and_since_survive_reopening(store_path: Path) -> None:
    with RecordStore(store_path) as first:
        first.save([record("a", 10), record("b", 20)])
        first.set_since(stamp(20))
    with RecordStore(str(store_path)) as reopened:
        assert reopened.records() == [record("a", 10), record("b", 20)]
        assert reopened.get_since() == stamp(20), "the next run needs the last run's since"


def test_saving_after_reopening_does_not_duplicate(store_path: Path) -> None:
    with RecordStore(store_path) as first:
        first.save([record("a", 10), record("b", 20)])
    with RecordStore(store_path) as second:
        saved = second.save([record("a", 10), record("b", 20), record("c", 30)])
        assert ids(second) == ["a", "b", "c"], "one record per id, also after reopening"
    assert (saved.inserted, saved.unchanged) == (1, 2)


def test_the_context_manager_gives_the_store(store_path: Path) -> None:
    store = RecordStore(store_path)
    with store as entered:
        assert entered is store


def test_values_round_trip_unchanged(store: Any) -> None:
    item = record(
        "tx-ü",
        10,
        amount=0.1,
        count=2**53 + 1,
        city="Zürich",
        tags=["a", "b"],
        meta={"nested": {"ok": True, "none": None}},
    )
    store.save([item])
    assert store.get("tx-ü") == item
    assert store.records() == [item]


def test_ids_with_quotes_and_sql_are_stored_as_data(store: Any) -> None:
    tricky = ["o'brien", 'x"; DROP TABLE records; --', "a' OR '1'='1"]
    store.save([record(name, 10) for name in tricky])
    assert ids(store) == sorted(tricky)
    assert store.get("a' OR '1'='1") == record("a' OR '1'='1", 10)
    assert store.get("nobody' OR '1'='1") is None
