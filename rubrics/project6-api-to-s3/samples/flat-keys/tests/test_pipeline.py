from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pipeline import (
    MIN_PART_SIZE,
    PipelineError,
    fetch_records,
    run,
    to_jsonl,
    upload_bytes,
)


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"])


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"flat-{uuid.uuid4().hex[:10]}"
    yield name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


class FakeResponse:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> Any:
        return self.body


def test_fetch_and_run(monkeypatch: pytest.MonkeyPatch, s3: Any, bucket: str) -> None:
    pages = {
        "http://api/e": FakeResponse(
            200, {"items": [{"id": 1}], "next": "http://api/e2"}
        ),
        "http://api/e2": FakeResponse(200, {"items": [{"id": 2}], "next": None}),
    }
    monkeypatch.setattr("requests.get", lambda url, timeout: pages[url])
    assert list(fetch_records("http://api/e")) == [{"id": 1}, {"id": 2}]
    [key] = run("http://api/e", bucket, s3=s3)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert [json.loads(line) for line in body.splitlines()] == [{"id": 1}, {"id": 2}]


def test_fetch_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("requests.get", lambda url, timeout: FakeResponse(503, {}))
    with pytest.raises(PipelineError):
        list(fetch_records("http://api/e", sleep=lambda _: None))


def test_big_upload(s3: Any, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    upload_bytes(
        s3, bucket, "big", b"x" * (MIN_PART_SIZE + 10), part_size=MIN_PART_SIZE
    )
    assert s3.head_object(Bucket=bucket, Key="big")["ETag"].endswith('-2"')


def test_to_jsonl() -> None:
    assert to_jsonl([{"a": 1}]) == b'{"a": 1}\n'
