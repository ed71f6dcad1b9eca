"""Fixtures of the hidden tests: a fake API, a fresh bucket on the S3 sidecar, the S3 calls made.

Every test gets its own bucket name (unique, not created: the pipeline creates it) and the
bucket is emptied and deleted after the test, unfinished multipart uploads included, so the
sidecar holds nothing once the hidden tests are done.
"""

from __future__ import annotations

import os
import time
import types
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError
from fakeapi import FakeApi
from s3calls import CallLog


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def delays() -> list[float]:
    """Pass ``sleep=delays.append``: the delays the pipeline asked for, without waiting."""
    return []


def plain_client() -> Any:
    """The tests' own client (botocore's default retries), to read what the pipeline wrote."""
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"])


@pytest.fixture
def s3() -> Any:
    return plain_client()


def _remove(s3: Any, bucket: str) -> None:
    try:
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    except ClientError:
        return  # never created
    for upload in uploads:
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"p6-{uuid.uuid4().hex[:16]}"
    try:
        yield name
    finally:
        _remove(s3, name)


@pytest.fixture
def logged() -> tuple[Any, CallLog]:
    client = plain_client()
    return client, CallLog(client)


@pytest.fixture
def no_s3_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry delays, recorded instead of slept."""
    slept: list[float] = []
    fake = types.SimpleNamespace(time=time.time, monotonic=time.monotonic, sleep=slept.append)
    monkeypatch.setattr(botocore.endpoint, "time", fake)
    return slept
