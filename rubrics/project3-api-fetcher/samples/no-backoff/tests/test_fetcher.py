"""Tests of the fetcher: client, store, sync and scheduler."""

from pathlib import Path

import pytest
from conftest import LocalApi

# isort: split
from fetcher import ApiClient, FetchError, RecordStore, Scheduler, sync


def test_get_json_sends_the_key(local_api: LocalApi) -> None:
    local_api.reply(200, {"EUR": 1.0})
    with ApiClient(local_api.url + "/v1", "k-123") as client:
        assert client.get_json("rates", {"day": "2026-03-02"}) == {"EUR": 1.0}
    path, headers = local_api.requests[0]
    assert path == "/v1/rates?day=2026-03-02"
    assert headers["x-api-key"] == "k-123"


def test_server_errors_are_retried(local_api: LocalApi) -> None:
    local_api.reply(503)
    local_api.reply(200, [1])
    with ApiClient(local_api.url, "k") as client:
        assert client.get_json("rates") == [1]
    assert len(local_api.requests) == 2


def test_gives_up(local_api: LocalApi) -> None:
    local_api.reply(500)
    with ApiClient(local_api.url, "k", max_retries=1) as client:
        with pytest.raises(FetchError) as caught:
            client.get_json("rates")
    assert caught.value.status == 500
    assert len(local_api.requests) == 2


def test_not_found_is_not_retried(local_api: LocalApi) -> None:
    local_api.reply(404)
    with ApiClient(local_api.url, "k") as client, pytest.raises(FetchError):
        client.get_json("rates")
    assert len(local_api.requests) == 1


def test_bad_options() -> None:
    with pytest.raises(ValueError):
        ApiClient("http://127.0.0.1", "k", timeout=0)


def test_store_keeps_one_copy(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "db") as store:
        store.save([{"id": "a", "updated_at": "x"}])
        saved = store.save(
            [{"id": "a", "updated_at": "x"}, {"id": "b", "updated_at": "y"}]
        )
        assert saved.inserted == 1 and saved.unchanged == 1
        assert len(store.records()) == 2
        assert store.get("b") == {"id": "b", "updated_at": "y"}
        assert store.get_since() is None
        store.set_since("y")
        assert store.get_since() == "y"


def test_sync_two_pages(local_api: LocalApi, tmp_path: Path) -> None:
    local_api.reply(
        200,
        {
            "items": [{"id": "a", "updated_at": "2026-03-02T06:00:00Z"}],
            "next_cursor": "2",
        },
    )
    local_api.reply(
        200,
        {
            "items": [{"id": "b", "updated_at": "2026-03-02T07:00:00Z"}],
            "next_cursor": None,
        },
    )
    with ApiClient(local_api.url, "k") as client, RecordStore(tmp_path / "db") as store:
        report = sync(client, "records", store, page_size=1)
    assert report.pages == 2 and report.inserted == 2
    assert report.since == "2026-03-02T07:00:00Z"
    assert local_api.query(1) == {"limit": "1", "cursor": "2"}


def test_sync_bad_page(local_api: LocalApi, tmp_path: Path) -> None:
    local_api.reply(200, [])
    with ApiClient(local_api.url, "k") as client, RecordStore(tmp_path / "db") as store:
        with pytest.raises(FetchError):
            sync(client, "records", store)


def test_scheduler_runs_every_interval() -> None:
    now = [0.0]
    ran: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    scheduler = Scheduler(lambda: now[0], sleep)
    scheduler.every(10, lambda: ran.append(now[0]), name="job")
    scheduler.run(until=35)
    assert ran == [10, 20, 30]
