"""Tests of the fetcher against a local server, with a fake clock for the scheduler."""

from pathlib import Path

import pytest
from conftest import LocalApi

# isort: split
from fetcher import ApiClient, FetchError, RecordStore, Scheduler, main, sync


@pytest.fixture
def delays() -> list[float]:
    return []


def test_get_json_sends_the_key(local_api: LocalApi, delays: list[float]) -> None:
    local_api.reply(200, {"EUR": 1.0})
    with ApiClient(local_api.url + "/v1", "k-123", sleep=delays.append) as client:
        assert client.get_json("rates", {"day": "2026-03-02"}) == {"EUR": 1.0}
    path, headers = local_api.requests[0]
    assert path == "/v1/rates?day=2026-03-02"
    assert headers["x-api-key"] == "k-123"
    assert delays == []


def test_backoff_and_retry_after(local_api: LocalApi, delays: list[float]) -> None:
    local_api.reply(503)
    local_api.reply(429, headers={"Retry-After": "2"})
    local_api.reply(500)
    local_api.reply(200, [])
    with ApiClient(local_api.url, "k", sleep=delays.append) as client:
        assert client.get_json("rates") == []
    assert delays == [0.5, 2.0, 2.0]


def test_gives_up_and_404(local_api: LocalApi, delays: list[float]) -> None:
    local_api.reply(404)
    with ApiClient(local_api.url, "k", sleep=delays.append) as client:
        with pytest.raises(FetchError) as caught:
            client.get_json("rates")
    assert caught.value.status == 404


def test_store_and_since(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "records.jsonl") as store:
        assert store.get_since() is None
        store.save([{"id": "b", "updated_at": "2"}, {"id": "a", "updated_at": "1"}])
        store.set_since("2")
        assert [record["id"] for record in store.records()] == ["a", "b"]
        assert store.get("a") == {"id": "a", "updated_at": "1"}
        assert store.get("c") is None
        assert store.get_since() == "2"


def test_sync_pages(local_api: LocalApi, tmp_path: Path, delays: list[float]) -> None:
    first = {
        "items": [{"id": "a", "updated_at": "2026-03-02T06:00:00Z"}],
        "next_cursor": "p2",
    }
    local_api.reply(200, first)
    local_api.reply(200, {"items": [{"id": "b", "updated_at": "2026-03-02T07:00:00Z"}]})
    with (
        ApiClient(local_api.url, "k", sleep=delays.append) as client,
        RecordStore(tmp_path / "r.jsonl") as store,
    ):
        report = sync(client, "records", store, page_size=1)
        assert store.get_since() == "2026-03-02T07:00:00Z"
    assert (report.pages, report.fetched) == (2, 2)
    assert local_api.query(1) == {"limit": "1", "cursor": "p2"}


def test_sync_refuses_a_bad_page(local_api: LocalApi, tmp_path: Path) -> None:
    local_api.reply(200, {"items": [{"id": "a"}]})
    with ApiClient(local_api.url, "k") as client, RecordStore(tmp_path / "r") as store:
        with pytest.raises(FetchError):
            sync(client, "records", store)


def test_scheduler_with_a_fake_clock() -> None:
    now = [100.0]
    ran: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def fails() -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(lambda: now[0], sleep)
    scheduler.every(10, lambda: ran.append(now[0]), name="ok")
    scheduler.every(10, fails)
    scheduler.daily("06:00", fails, name="daily")
    scheduler.run(until=125)
    assert ran == [110, 120]
    assert [run.ok for run in scheduler.history] == [True, False, True, False]


def test_main_once(
    local_api: LocalApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", "k")
    local_api.reply(200, {"items": []})
    assert main(["--base-url", local_api.url, "--store", str(tmp_path / "r")]) == 0
