"""Hidden tests: fetch_records() walks every page and retries what can succeed later."""

from __future__ import annotations

import itertools

import pytest
from fakeapi import FakeApi, Reply, drop, status
from pipeline import PipelineError, fetch_records


def event(n: int) -> dict[str, object]:
    return {"id": f"e{n}", "ts": "2026-03-02T07:00:00Z"}


def test_fetch_follows_next_links_until_null(api: FakeApi, delays: list[float]) -> None:
    url = api.pages([event(1), event(2)], [event(3)], [event(4)])
    got = list(fetch_records(url, sleep=delays.append))
    assert got == [event(1), event(2), event(3), event(4)]
    assert api.requests == ["/events?page=1", "/events?page=2", "/events?page=3"]
    assert delays == [], "no sleep when nothing failed"


def test_fetch_goes_past_an_empty_page(api: FakeApi, delays: list[float]) -> None:
    url = api.pages([], [event(1)])
    assert list(fetch_records(url, sleep=delays.append)) == [event(1)]


def test_fetch_is_lazy(api: FakeApi, delays: list[float]) -> None:
    url = api.pages([event(1), event(2)], [event(3)])
    records = fetch_records(url, sleep=delays.append)
    assert api.requests == [], "nothing is requested before the first record is asked for"
    assert list(itertools.islice(records, 2)) == [event(1), event(2)]
    assert len(api.requests) == 1, "the next page is fetched only when it is needed"
    assert list(records) == [event(3)]


def test_fetch_retries_a_5xx_page_with_exponential_backoff(
    api: FakeApi, delays: list[float]
) -> None:
    url = api.pages([event(1)], [event(2)])
    good = api.routes["/events?page=2"][0]
    api.script("/events?page=2", status(503), status(500), good)
    got = list(fetch_records(url, max_retries=3, backoff=0.25, sleep=delays.append))
    assert got == [event(1), event(2)]
    assert api.requests.count("/events?page=2") == 3, "two failures, then the page"
    assert delays == [0.25, 0.5], "sleep backoff, then twice as long"


def test_fetch_retries_a_dropped_connection(api: FakeApi, delays: list[float]) -> None:
    url = api.pages([event(1)])
    good = api.routes["/events?page=1"][0]
    api.script("/events?page=1", drop(), good)
    assert list(fetch_records(url, backoff=1.0, sleep=delays.append)) == [event(1)]
    assert delays == [1.0]


def test_fetch_gives_up_after_max_retries(api: FakeApi, delays: list[float]) -> None:
    api.script("/events", status(502))
    with pytest.raises(PipelineError):
        list(fetch_records(f"{api.url}/events", max_retries=2, backoff=0.5, sleep=delays.append))
    assert len(api.requests) == 3, "one attempt and two retries"
    assert delays == [0.5, 1.0]


@pytest.mark.parametrize("code", [400, 401, 404])
def test_fetch_does_not_retry_a_4xx(api: FakeApi, delays: list[float], code: int) -> None:
    api.script("/events", status(code))
    with pytest.raises(PipelineError):
        list(fetch_records(f"{api.url}/events", sleep=delays.append))
    assert len(api.requests) == 1, "a 4xx will not get better: no retry"
    assert delays == []


def test_fetch_rejects_a_body_that_is_not_json(api: FakeApi, delays: list[float]) -> None:
    api.script("/events", Reply(200, raw=b"<html>maintenance</html>"))
    with pytest.raises(PipelineError):
        list(fetch_records(f"{api.url}/events", sleep=delays.append))
