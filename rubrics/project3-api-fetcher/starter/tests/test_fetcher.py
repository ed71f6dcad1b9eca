"""Your own tests. Coverage of fetcher.py by these tests is graded (aim for 80%+).

Run them from your project3/ folder with:  python -m pytest tests

``local_api`` (tests/conftest.py) is a JSON server on 127.0.0.1 that answers
what you queue; ``sleep=delays.append`` records the backoff without waiting.
"""

from conftest import LocalApi

# isort: split
from fetcher import ApiClient


def test_get_json_sends_the_key(local_api: LocalApi) -> None:
    local_api.reply(200, {"EUR": 1.0})
    delays: list[float] = []
    with ApiClient(local_api.url + "/v1", "k-123", sleep=delays.append) as client:
        assert client.get_json("rates", {"day": "2026-03-02"}) == {"EUR": 1.0}
    path, headers = local_api.requests[0]
    assert path == "/v1/rates?day=2026-03-02"
    assert headers["x-api-key"] == "k-123"
    assert delays == []
