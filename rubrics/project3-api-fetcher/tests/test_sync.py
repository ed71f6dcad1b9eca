"""Hidden tests: incremental sync: every page, only what changed, idempotent, safe on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakeapi import API_KEY, RECORDS, TIMEOUT, FakeApi, Reply, ok, record, stamp, status
from fetcher import ApiClient, FetchError, sync


@pytest.fixture
def client(api: FakeApi, delays: list[float]) -> Iterator[ApiClient]:
    with ApiClient(
        api.url + "/v1", API_KEY, timeout=TIMEOUT, max_retries=2, backoff=0.5, sleep=delays.append
    ) as opened:
        yield opened


def queries(api: FakeApi) -> list[dict[str, str]]:
    return [seen.query for seen in api.record_requests()]


def test_the_first_run_fetches_every_page(api: FakeApi, client: ApiClient, store: Any) -> None:
    api.put(*[record(f"r{n:02d}", n * 60, value=n) for n in range(7)])
    report = sync(client, "records", store, page_size=3)
    assert store.records() == [record(f"r{n:02d}", n * 60, value=n) for n in range(7)]
    assert len(api.record_requests()) == 3, "7 records, 3 per page: 3 requests"
    assert (report.pages, report.fetched, report.inserted, report.updated) == (3, 7, 7, 0)


def test_the_first_run_sends_the_limit_and_no_since(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    api.put(record("a", 10))
    sync(client, "records", store, page_size=25)
    first = queries(api)[0]
    assert first.get("limit") == "25"
    assert "since" not in first, "no since before the first successful run"
    assert "cursor" not in first


def test_following_pages_send_the_cursor_with_the_same_query(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    api.put(*[record(f"r{n:02d}", n * 60) for n in range(6)])
    sync(client, "records", store, page_size=2)
    api.put(*[record(f"s{n:02d}", 1000 + n) for n in range(5)])
    sync(client, "records", store, page_size=2)
    second_run = queries(api)[3:]
    assert len(second_run) == 3, "the second run asks only for what changed (since)"
    assert "cursor" not in second_run[0]
    assert all("cursor" in query for query in second_run[1:]), "pages 2+ send `cursor`"
    assert {query.get("since") for query in second_run} == {stamp(300)}, "since on every page"
    assert {query.get("limit") for query in second_run} == {"2"}, "limit on every page"


def test_the_second_run_sends_the_latest_updated_at_as_since(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    api.put(record("a", 60), record("b", 300), record("c", 120))
    report = sync(client, "records", store, page_size=2)
    assert report.since == stamp(300)
    assert store.get_since() == stamp(300), "the latest updated_at, not the last item's"
    sync(client, "records", store, page_size=2)
    assert queries(api)[-1].get("since") == stamp(300), "the next run sends the saved since"


def test_since_is_the_latest_time_not_the_largest_string(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    later = stamp(100.5, millis=True)  # ...:01:40.500Z
    api.put(record("a", 100), {"id": "b", "updated_at": later})
    sync(client, "records", store)
    assert store.get_since() == later, "compare updated_at as times (fromisoformat)"


def test_since_never_moves_backwards(api: FakeApi, client: ApiClient, store: Any) -> None:
    store.set_since(stamp(500))
    api.script(RECORDS, ok({"items": [record("old", 100)], "next_cursor": None}))
    sync(client, "records", store)
    assert store.get_since() == stamp(500)


def test_a_rerun_does_not_duplicate_records(api: FakeApi, client: ApiClient, store: Any) -> None:
    api.put(*[record(f"r{n}", n * 10) for n in range(5)])
    sync(client, "records", store, page_size=2)
    sync(client, "records", store, page_size=2)
    sync(client, "records", store, page_size=2)
    stored = [item["id"] for item in store.records()]
    assert stored == [f"r{n}" for n in range(5)], "re-running must not duplicate records"


def test_a_rerun_without_changes_reports_nothing_new(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    api.put(*[record(f"r{n}", n * 10) for n in range(5)])
    sync(client, "records", store, page_size=2)
    again = sync(client, "records", store, page_size=2)
    assert (again.inserted, again.updated) == (0, 0), "nothing new or changed on a re-run"
    assert again.since == stamp(40)


def test_a_rerun_fetches_only_what_changed(api: FakeApi, client: ApiClient, store: Any) -> None:
    api.put(*[record(f"r{n:02d}", n, amount=n) for n in range(40)])
    sync(client, "records", store, page_size=10)
    api.put(record("r05", 100, amount=-5), record("r17", 101, amount=-17), record("new", 102))
    before = len(api.record_requests())
    report = sync(client, "records", store, page_size=10)
    assert len(api.record_requests()) - before == 1, "one page holds what changed"
    assert (report.inserted, report.updated) == (1, 2)
    assert store.get("r05") == record("r05", 100, amount=-5)
    assert store.get("r17") == record("r17", 101, amount=-17)
    assert len(store.records()) == 41


def test_no_records_leaves_since_unset(api: FakeApi, client: ApiClient, store: Any) -> None:
    report = sync(client, "records", store)
    assert (report.pages, report.fetched) == (1, 0)
    assert report.since is None and store.get_since() is None


def test_a_page_that_fails_once_is_retried_within_the_run(
    api: FakeApi, client: ApiClient, store: Any, delays: list[float]
) -> None:
    api.put(*[record(f"r{n}", n) for n in range(6)])
    api.inject(None, status(503))
    sync(client, "records", store, page_size=2)
    assert len(store.records()) == 6, "a page that fails once is retried, and the run goes on"
    assert delays == [0.5], "through the client's sleep, with its backoff delay"


def failed_run(api: FakeApi, client: ApiClient, store: Any) -> None:
    """A first run, new records, then a second run whose second page fails for good."""
    api.put(*[record(f"r{n}", n) for n in range(6)])
    sync(client, "records", store, page_size=2)
    api.put(*[record(f"s{n}", 100 + n) for n in range(6)])
    api.inject(None, status(500), status(500), status(500))
    with pytest.raises(FetchError):
        sync(client, "records", store, page_size=2)


def test_a_failed_run_leaves_since_unchanged(api: FakeApi, client: ApiClient, store: Any) -> None:
    failed_run(api, client, store)
    assert store.get_since() == stamp(5), "since moves only after every page arrived"


def test_the_run_after_a_failure_catches_up_without_duplicates(
    api: FakeApi, client: ApiClient, store: Any
) -> None:
    failed_run(api, client, store)
    report = sync(client, "records", store, page_size=2)
    expected = sorted(api.dataset.values(), key=lambda item: item["id"])
    assert store.records() == expected, "each record once, in its latest version"
    assert report.since == stamp(105)
    assert queries(api)[-1].get("since") == stamp(5)


def test_a_missing_next_cursor_ends_the_run(api: FakeApi, client: ApiClient, store: Any) -> None:
    api.script(RECORDS, ok({"items": [record("a", 1), record("b", 2)]}))
    report = sync(client, "records", store)
    assert report.pages == 1
    assert len(api.record_requests()) == 1


@pytest.mark.parametrize(
    "item",
    [
        {"updated_at": stamp(1)},
        {"id": 7, "updated_at": stamp(1)},
        {"id": "a"},
        {"id": "a", "updated_at": "yesterday"},
        "a",
    ],
    ids=["no-id", "id-not-a-string", "no-updated-at", "updated-at-not-a-time", "not-an-object"],
)
def test_a_page_with_a_bad_record_fails_the_run(
    api: FakeApi, client: ApiClient, store: Any, item: Any
) -> None:
    page = {"items": [record("good", 5), item], "next_cursor": None}
    api.script(RECORDS, ok(page))
    with pytest.raises(FetchError):
        sync(client, "records", store)
    assert store.get_since() is None


@pytest.mark.parametrize(
    "reply",
    [
        ok([record("a", 1)]),
        ok({"records": [record("a", 1)]}),
        ok({"items": {"a": record("a", 1)}}),
        ok({"items": [], "next_cursor": 5}),
        Reply(200, raw=b"not json"),
    ],
    ids=["a-list", "no-items", "items-not-a-list", "cursor-not-a-string", "not-json"],
)
def test_a_page_that_is_not_an_object_with_items_fails_the_run(
    api: FakeApi, client: ApiClient, store: Any, reply: Reply
) -> None:
    api.script(RECORDS, reply)
    with pytest.raises(FetchError):
        sync(client, "records", store)
    assert store.get_since() is None
