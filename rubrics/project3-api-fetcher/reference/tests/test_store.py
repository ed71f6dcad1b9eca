"""The record store: one row per id, what each save did, kept between runs."""

from pathlib import Path

import pytest

# isort: split
from fetcher import RecordStore


def test_save_is_idempotent_and_counts(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "r.db") as store:
        first = store.save(
            [{"id": "b", "updated_at": "t1"}, {"id": "a", "updated_at": "t1"}]
        )
        again = store.save(
            [{"id": "a", "updated_at": "t1"}, {"id": "b", "updated_at": "t2"}]
        )
        assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
        assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
        assert [item["id"] for item in store.records()] == ["a", "b"]
        assert store.get("b") == {"id": "b", "updated_at": "t2"}
        assert store.get("c' OR '1'='1") is None


def test_since_and_records_survive_reopening(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "r.db") as store:
        assert store.get_since() is None
        store.save([{"id": "x", "updated_at": "t", "city": "Zürich"}])
        store.set_since("2026-03-02T06:00:00Z")
        store.set_since("2026-03-02T07:00:00Z")
    with RecordStore(str(tmp_path / "r.db")) as store:
        assert store.get_since() == "2026-03-02T07:00:00Z"
        assert store.records() == [{"id": "x", "updated_at": "t", "city": "Zürich"}]


def test_an_id_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "r.db") as store, pytest.raises(ValueError):
        store.save([{"id": 7}])
