"""One incremental sync against a scripted local API."""

from pathlib import Path
from typing import Any

import pytest
from conftest import LocalApi

# isort: split
from fetcher import ApiClient, FetchError, RecordStore, sync


def page(items: list[dict[str, Any]], cursor: Any = None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}


def rec(record_id: str, updated_at: str) -> dict[str, str]:
    return {"id": record_id, "updated_at": updated_at}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with RecordStore(tmp_path / "r.db") as opened:
        yield opened


@pytest.fixture
def client(local_api: LocalApi) -> Any:
    with ApiClient(local_api.url, "k", max_retries=0, sleep=lambda _: None) as opened:
        yield opened


def test_pages_then_an_incremental_run(
    local_api: LocalApi, client: ApiClient, store: RecordStore
) -> None:
    local_api.reply(200, page([rec("b", "2026-03-02T06:00:01.500Z")], "c2"))
    local_api.reply(200, page([rec("a", "2026-03-02T06:00:01Z")]))
    report = sync(client, "records", store, page_size=1)
    assert (report.pages, report.fetched, report.inserted, report.updated) == (
        2,
        2,
        2,
        0,
    )
    assert report.since == store.get_since() == "2026-03-02T06:00:01.500Z"
    assert local_api.query(0) == {"limit": "1"}
    assert local_api.query(1) == {"limit": "1", "cursor": "c2"}

    local_api.replies.clear()
    local_api.reply(
        200, page([rec("b", "2026-03-02T06:00:01.500Z"), rec("a", "2026-03-02T07:00")])
    )
    again = sync(client, "records", store)
    assert (again.inserted, again.updated) == (0, 1)
    assert again.since == "2026-03-02T07:00"
    assert local_api.query(2) == {"limit": "100", "since": "2026-03-02T06:00:01.500Z"}


def test_an_empty_result_keeps_since(
    local_api: LocalApi, client: ApiClient, store: RecordStore
) -> None:
    local_api.reply(200, page([]))
    assert sync(client, "records", store).since is None
    assert store.get_since() is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"items": 1},
        page([], 5),
        page([{"updated_at": "2026-03-02T06:00:00Z"}]),
        page([{"id": "a", "updated_at": "later"}]),
    ],
)
def test_a_bad_page_fails_and_keeps_since(
    local_api: LocalApi, client: ApiClient, store: RecordStore, body: Any
) -> None:
    local_api.reply(200, body)
    with pytest.raises(FetchError) as caught:
        sync(client, "records", store)
    assert caught.value.status == 200
    assert store.get_since() is None


def test_page_size_must_be_positive(client: ApiClient, store: RecordStore) -> None:
    with pytest.raises(ValueError):
        sync(client, "records", store, page_size=0)
