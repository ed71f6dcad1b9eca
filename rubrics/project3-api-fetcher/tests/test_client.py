"""Hidden tests: the client's requests: the API key header, URLs and queries, errors."""

from __future__ import annotations

from typing import Any

import pytest
from fakeapi import API_KEY, TIMEOUT, FakeApi, Reply, ok, status
from fetcher import ApiClient, FetchError


def make_client(
    api: FakeApi, delays: list[float], *, key: str = API_KEY, base: str = "/v1"
) -> ApiClient:
    return ApiClient(api.url + base, key, timeout=TIMEOUT, sleep=delays.append)


def test_get_json_returns_the_parsed_body(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", ok({"healthy": True, "queues": [3, 1]}))
    with make_client(api, delays) as client:
        assert client.get_json("status") == {"healthy": True, "queues": [3, 1]}
    assert delays == []


def test_get_json_returns_any_json_value(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/currencies", ok(["EUR", "USD", "CHF"]))
    with make_client(api, delays) as client:
        assert client.get_json("currencies") == ["EUR", "USD", "CHF"]


def test_the_context_manager_gives_the_client(api: FakeApi, delays: list[float]) -> None:
    client = make_client(api, delays)
    with client as entered:
        assert entered is client


def test_every_request_carries_the_api_key_header(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", status(503), ok({}))
    with make_client(api, delays) as client:
        client.get_json("status")
        client.get_json("status")
    assert len(api.requests) == 3
    keys = [seen.headers.get("x-api-key") for seen in api.requests]
    assert keys == [API_KEY] * 3, "every request, retries included, carries X-API-Key"


def test_the_api_key_is_never_in_the_url(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", ok({}))
    with make_client(api, delays) as client:
        client.get_json("status", {"day": "2026-03-02"})
    assert API_KEY not in api.requests[0].target, "the key goes in a header, not the URL"


def test_a_wrong_key_fails_at_once_with_401(api: FakeApi, delays: list[float]) -> None:
    with (
        make_client(api, delays, key="k-not-the-key") as client,
        pytest.raises(FetchError) as caught,
    ):
        client.get_json("status")
    assert caught.value.status == 401
    assert len(api.requests) == 1, "a 401 will not change on retry: give up at once"
    assert delays == []


def test_the_error_names_status_and_url_but_never_the_key(
    api: FakeApi, delays: list[float]
) -> None:
    api.script("/v1/status", status(404))
    with make_client(api, delays) as client, pytest.raises(FetchError) as caught:
        client.get_json("status", {"day": "2026-03-02"})
    error = caught.value
    assert error.status == 404
    assert error.url == api.url + "/v1/status?day=2026-03-02", "the full URL, query included"
    assert "404" in str(error), "the message names the status"
    assert error.url in str(error), "the message names the URL"
    assert API_KEY not in str(error) and API_KEY not in repr(error), "never the key"


@pytest.mark.parametrize("path", ["status", "/status"], ids=["relative", "leading-slash"])
def test_the_path_goes_under_the_base_url(api: FakeApi, delays: list[float], path: str) -> None:
    api.script("/v1/status", ok({}))
    with make_client(api, delays) as client:
        client.get_json(path)
    assert api.requests[0].path == "/v1/status"


def test_a_trailing_slash_on_the_base_url_changes_nothing(
    api: FakeApi, delays: list[float]
) -> None:
    api.script("/v1/status", ok({}))
    with make_client(api, delays, base="/v1/") as client:
        client.get_json("status")
    assert api.requests[0].path == "/v1/status"


def test_params_become_the_query_string(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", ok({}))
    with make_client(api, delays) as client:
        client.get_json("status", {"day": "2026-03-02", "limit": 50})
    assert api.requests[0].query == {"day": "2026-03-02", "limit": "50"}


def test_params_are_url_encoded(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", ok({}))
    params = {"since": "2026-03-02T07:00:00+01:00", "q": "a&b c"}
    with make_client(api, delays) as client:
        client.get_json("status", params)
    assert api.requests[0].query == params, "'+', '&' and spaces must be encoded"


def test_a_body_that_is_not_json_fails_without_retry(api: FakeApi, delays: list[float]) -> None:
    api.script("/v1/status", Reply(200, raw=b"<html>maintenance</html>"), ok({}))
    with make_client(api, delays) as client, pytest.raises(FetchError) as caught:
        client.get_json("status")
    assert caught.value.status == 200
    assert len(api.requests) == 1
    assert delays == []


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"timeout": -1.0}, {"max_retries": -1}, {"backoff": -0.5}],
    ids=["zero-timeout", "negative-timeout", "negative-retries", "negative-backoff"],
)
def test_invalid_options_raise_value_error(api: FakeApi, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ApiClient(api.url, API_KEY, **options)
