"""The API client against a local server: the key, the query, retries and giving up."""

import socket

import pytest
from conftest import LocalApi

# isort: split
from fetcher import ApiClient, FetchError, retry_after_seconds


def client_for(api: LocalApi, delays: list[float], **options: int) -> ApiClient:
    return ApiClient(
        api.url + "/v1/", "k-123", timeout=1.0, sleep=delays.append, **options
    )


@pytest.fixture
def delays() -> list[float]:
    return []


def test_get_json_with_key_and_params(local_api: LocalApi, delays: list[float]) -> None:
    local_api.reply(200, {"EUR": 1.0})
    with client_for(local_api, delays) as client:
        assert client.get_json("/rates", {"day": "2026-03-02", "q": "a&b"}) == {
            "EUR": 1.0
        }
    path, headers = local_api.requests[0]
    assert path == "/v1/rates?day=2026-03-02&q=a%26b"
    assert headers["x-api-key"] == "k-123"
    assert delays == []


def test_retries_5xx_with_backoff_then_succeeds(
    local_api: LocalApi, delays: list[float]
) -> None:
    local_api.reply(503)
    local_api.reply(500)
    local_api.reply(200, [1, 2])
    with client_for(local_api, delays) as client:
        assert client.get_json("rates") == [1, 2]
    assert delays == [0.5, 1.0]


def test_retry_after_wins_over_the_backoff(
    local_api: LocalApi, delays: list[float]
) -> None:
    local_api.reply(429, headers={"Retry-After": "4"})
    local_api.reply(200, {})
    with client_for(local_api, delays) as client:
        client.get_json("rates")
    assert delays == [4.0]


def test_gives_up_with_the_last_status_and_url(
    local_api: LocalApi, delays: list[float]
) -> None:
    local_api.reply(502)
    with (
        client_for(local_api, delays, max_retries=1) as client,
        pytest.raises(FetchError) as caught,
    ):
        client.get_json("rates")
    assert (caught.value.status, caught.value.url) == (502, local_api.url + "/v1/rates")
    assert "502" in str(caught.value) and "k-123" not in str(caught.value)
    assert delays == [0.5]


def test_4xx_is_not_retried(local_api: LocalApi, delays: list[float]) -> None:
    local_api.reply(401)
    with client_for(local_api, delays) as client, pytest.raises(FetchError) as caught:
        client.get_json("rates")
    assert caught.value.status == 401
    assert len(local_api.requests) == 1


def test_a_body_that_is_not_json_is_an_error(
    local_api: LocalApi, delays: list[float]
) -> None:
    local_api.reply(200, b"<html>")
    with client_for(local_api, delays) as client, pytest.raises(FetchError) as caught:
        client.get_json("rates")
    assert caught.value.status == 200


def test_connection_refused_gives_up_without_status(delays: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ApiClient(
        f"http://127.0.0.1:{port}", "k", max_retries=2, sleep=delays.append
    )
    with client, pytest.raises(FetchError) as caught:
        client.get_json("rates")
    assert caught.value.status is None
    assert delays == [0.5, 1.0]


@pytest.mark.parametrize(
    "options", [{"timeout": 0}, {"max_retries": -1}, {"backoff": -1}]
)
def test_invalid_options(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ApiClient("http://127.0.0.1:9", "k", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("3", 3.0),
        (" 0.5 ", 0.5),
        ("-1", None),
        ("inf", None),
        ("soon", None),
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds
