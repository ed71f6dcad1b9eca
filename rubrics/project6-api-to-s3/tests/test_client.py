"""Hidden tests: make_s3_client() talks to S3_ENDPOINT_URL and retries what S3 asks to retry."""

from __future__ import annotations

import io
import os
from typing import Any

from botocore.awsrequest import AWSResponse
from fakeapi import FakeApi
from pipeline import make_s3_client, run

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


class _Raw(io.BytesIO):
    def stream(self, **kwargs: Any) -> Any:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def test_client_uses_the_endpoint_and_region_of_the_environment() -> None:
    client = make_s3_client()
    assert client.meta.endpoint_url == os.environ["S3_ENDPOINT_URL"]
    assert client.meta.region_name == os.environ["AWS_DEFAULT_REGION"]


def test_client_is_configured_to_retry_at_least_5_attempts() -> None:
    retries = make_s3_client().meta.config.retries or {}
    attempts = retries.get("total_max_attempts", retries.get("max_attempts", 0) + 1)
    assert retries.get("mode") in {"standard", "adaptive"}, "standard or adaptive retry mode"
    assert attempts >= 5, "retries configured for at least 5 attempts"


def test_run_survives_s3_throttling(
    api: FakeApi, bucket: str, delays: list[float], no_s3_backoff: list[float]
) -> None:
    client = make_s3_client()
    sent: list[str] = []

    def throttle_twice(request: Any, **kwargs: Any) -> AWSResponse | None:
        sent.append(request.method)
        if len(sent) <= 2:
            return AWSResponse(request.url, 503, {}, _Raw(SLOW_DOWN))
        return None

    client.meta.events.register("before-send.s3.PutObject", throttle_twice)
    url = api.pages([{"id": "e1", "ts": "2026-03-02T07:15:00Z"}])
    run(url, bucket, s3=client, sleep=delays.append)
    assert len(sent) >= 4, "two throttled PutObject, then the data object and the marker"
    key = "events/date=2026-03-02/hour=07/part-00000.jsonl"
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read().count(b"\n") == 1
