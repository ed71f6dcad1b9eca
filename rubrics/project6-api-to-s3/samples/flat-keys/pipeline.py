"""Project 6: pull events from a paginated JSON API and land them in S3.

Each run writes one batch object named after the moment it ran, so no run ever
overwrites another one's data.
"""

from __future__ import annotations

import gzip as gzip_module
import io
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MIN_PART_SIZE = 5 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024

Record = dict[str, Any]


class PipelineError(Exception):
    """The run gave up."""


def make_s3_client() -> Any:
    config = Config(retries={"max_attempts": 10, "mode": "adaptive"})
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], config=config)


def _get(url: str, timeout: float) -> requests.Response | None:
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException:
        return None
    if response.status_code >= 500:
        return None
    if response.status_code >= 400:
        raise PipelineError(f"{url}: HTTP {response.status_code}")
    return response


def _page(
    url: str,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> Any:
    for attempt in range(retries + 1):
        if attempt > 0:
            sleep(backoff * 2 ** (attempt - 1))
        response = _get(url, timeout)
        if response is None:
            continue
        try:
            return response.json()
        except ValueError as error:
            raise PipelineError(f"{url}: not JSON") from error
    raise PipelineError(f"{url}: giving up")


def fetch_records(
    url: str,
    *,
    timeout: float = 10.0,
    max_retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Record]:
    next_url: str | None = url
    while next_url is not None:
        page = _page(next_url, timeout, max_retries, backoff, sleep)
        if not isinstance(page, dict):
            raise PipelineError(f"{next_url}: not a page")
        yield from page.get("items", [])
        next_url = page.get("next")


def partition_key(prefix: str, hour: datetime, *, gzip: bool = False) -> str:
    name = f"{prefix}/{hour:%Y%m%d%H}.jsonl"
    return name + ".gz" if gzip else name


def to_jsonl(records: Iterable[Record]) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def upload_bytes(
    s3: Any,
    bucket: str,
    key: str,
    body: bytes,
    *,
    part_size: int = PART_SIZE,
    content_type: str = "application/x-ndjson",
) -> None:
    if part_size < MIN_PART_SIZE:
        raise ValueError("part_size below the S3 minimum")
    config = TransferConfig(
        multipart_threshold=part_size + 1, multipart_chunksize=part_size
    )
    s3.upload_fileobj(
        io.BytesIO(body),
        bucket,
        key,
        Config=config,
        ExtraArgs={"ContentType": content_type},
    )


def run(
    url: str,
    bucket: str,
    *,
    s3: Any = None,
    prefix: str = "events",
    gzip: bool = False,
    part_size: int = PART_SIZE,
    max_retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    client = s3 if s3 is not None else make_s3_client()
    records = list(
        fetch_records(url, max_retries=max_retries, backoff=backoff, sleep=sleep)
    )
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError:
        pass  # already there
    body = to_jsonl(records)
    key = f"{prefix}/batch-{datetime.now(UTC):%Y%m%dT%H%M%S%f}.jsonl"
    if gzip:
        body = gzip_module.compress(body)
        key += ".gz"
    upload_bytes(client, bucket, key, body, part_size=part_size)
    return [key]
