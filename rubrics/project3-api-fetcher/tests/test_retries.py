"""Hidden tests: retries with exponential backoff, Retry-After, timeouts and giving up.

The client's ``sleep`` is ``delays.append``: the tests see every delay the
client asked for without waiting, and ``time.sleep`` itself is forbidden.
Only the timeout tests wait for real (0.2 s per attempt).
"""

from __future__ import annotations

import socket
import time

import pytest
from fakeapi import API_KEY, TIMEOUT, FakeApi, drop, hang, ok, status
from fetcher import ApiClient, FetchError


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(seconds: float) -> None:
        raise AssertionError("time.sleep was called: wait through the sleep you were given")

    monkeypatch.setattr(time, "sleep", forbidden)


def make_client(
    api: FakeApi, delays: list[float], *, max_retries: int = 3, backoff: float = 0.5
) -> ApiClient:
    return ApiClient(
        api.url + "/v1",
        API_KEY,
        timeout=TIMEOUT,
        max_retries=max_retries,
        backoff=backoff,
        sleep=delays.append,
    )


def test_5xx_is_retried_with_exponential_backoff(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(503), status(500), status(502), ok({"day": 1}))
    with make_client(api, delays, max_retries=3, backoff=0.5) as client:
        assert client.get_json("status") == {"day": 1}
    assert len(api.requests) == 4, "3 failures then a success: 4 attempts"
    assert delays == [0.5, 1.0, 2.0], "wait backoff, then 2x, then 4x between attempts"


def test_backoff_doubles_from_the_base_delay(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(500), status(500), status(500), status(500), ok({}))
    with make_client(api, delays, max_retries=4, backoff=0.1) as client:
        client.get_json("status")
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8]), (
        "backoff, 2x, 4x, 8x: the delays passed to sleep"
    )


def test_gives_up_after_max_retries_with_the_last_status(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(502), status(503))
    with make_client(api, delays, max_retries=2) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert len(api.requests) == 3, "max_retries=2 means 3 attempts in all"
    assert delays == [0.5, 1.0], "no sleep after the last attempt"
    assert caught.value.status == 503, "the status of the last response"
    assert caught.value.url == api.url + "/v1/status"


def test_max_retries_zero_means_a_single_attempt(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(500), ok({}))
    with make_client(api, delays, max_retries=0) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status == 500
    assert len(api.requests) == 1
    assert delays == [], "no retry, no sleep"


@pytest.mark.parametrize("code", [400, 403, 404, 422])
def test_other_4xx_are_not_retried(api: FakeApi, delays: list[float], code: int) -> None:
    api.script("/v1/status", status(code), ok({}))
    with make_client(api, delays) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status == code
    assert len(api.requests) == 1, f"a {code} will not change on retry: give up at once"
    assert delays == [], "no retry, no sleep"


def test_429_waits_the_retry_after_seconds(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(429, Retry_After="3"), ok({"ok": True}))
    with make_client(api, delays) as client:
        assert client.get_json("status") == {"ok": True}
    assert delays == [3.0], "Retry-After: 3 means wait 3 seconds (not the backoff delay)"


def test_retry_after_with_decimals(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(429, Retry_After="0.25"), ok({}))
    with make_client(api, delays) as client:
        client.get_json("status")
    assert delays == [0.25], "a Retry-After in seconds may have decimals"


def test_503_with_retry_after_waits_that_long(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(503, Retry_After="7"), status(503), ok({}))
    with make_client(api, delays) as client:
        client.get_json("status")
    assert delays == [7.0, 1.0], "Retry-After first, then the backoff of the second retry"


def test_429_without_retry_after_uses_the_backoff(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(429), status(429), ok({}))
    with make_client(api, delays) as client:
        client.get_json("status")
    assert delays == [0.5, 1.0], "a 429 without Retry-After waits the backoff delays"


@pytest.mark.parametrize(
    "value",
    ["Wed, 21 Oct 2026 07:28:00 GMT", "soon", "-5", ""],
    ids=["http-date", "word", "negative", "empty"],
)
def test_an_unusable_retry_after_falls_back_to_the_backoff(
    api: FakeApi, delays: list[float], value: str
) -> None:
    api.script("/v1/status", status(429, Retry_After=value), ok({}))
    with make_client(api, delays) as client:
        client.get_json("status")
    assert delays == [0.5], "an unusable Retry-After is ignored: the backoff delay"


def test_429_gives_up_with_status_429(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(429, Retry_After="1"))
    with make_client(api, delays, max_retries=2) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status == 429
    assert delays == [1.0, 1.0], "each retry waits the Retry-After seconds"


def test_a_dropped_connection_is_retried(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", drop(), ok({"after": "drop"}))
    with make_client(api, delays) as client:
        assert client.get_json("status") == {"after": "drop"}
    assert delays == [0.5], "a dropped connection is retried after the backoff delay"


def test_a_hanging_request_times_out_and_is_retried(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", hang(), ok({"after": "timeout"}))
    started = time.monotonic()
    with make_client(api, delays) as client:
        assert client.get_json("status") == {"after": "timeout"}
    assert time.monotonic() - started < 1.5, "each attempt gives up after `timeout` seconds"
    assert delays == [0.5], "a timed-out attempt is retried after the backoff delay"


def test_timeouts_give_up_with_no_status(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", hang())
    with make_client(api, delays, max_retries=1) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status is None, "no response arrived: status is None"
    assert len(api.requests) == 2
    assert delays == [0.5], "a timed-out attempt is retried after the backoff delay"


def test_a_refused_connection_is_retried_then_fails_with_no_status(delays: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ApiClient(
        f"http://127.0.0.1:{port}/v1", API_KEY, timeout=TIMEOUT, max_retries=2, sleep=delays.append
    )
    with client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status is None, "no response arrived: status is None"
    assert caught.value.url == f"http://127.0.0.1:{port}/v1/status"
    assert delays == [0.5, 1.0], "a refused connection is retried with the backoff delays"
