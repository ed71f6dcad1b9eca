"""Project 6: pull events from a paginated JSON API into S3, partitioned by hour.

``run()`` fetches every page (retrying 5xx answers and network failures with exponential
backoff), groups the records by the UTC date and hour of their ``ts``, writes one
newline-delimited JSON object per hour under Hive-style keys, large ones as multipart
uploads that are aborted when a part fails, and writes the ``_SUCCESS`` manifest last.
A re-run over the same data writes the same keys with the same content.
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
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part (every part of a multipart upload but the last)."""
PART_SIZE = 8 * 1024 * 1024
"""Objects larger than this go up in parts of this size."""
SUCCESS = "_SUCCESS"

Record = dict[str, Any]


class PipelineError(Exception):
    """The run gave up: the API failed for good, or a record cannot be placed."""


def make_s3_client() -> Any:
    """An S3 client for ``S3_ENDPOINT_URL`` that retries throttling and 5xx errors."""
    config = Config(retries={"max_attempts": 8, "mode": "standard"})
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], config=config)


def _attempt(client: httpx.Client, url: str) -> httpx.Response | None:
    """One GET: the response, or None when it is worth trying again."""
    try:
        response = client.get(url)
    except httpx.TransportError:
        return None
    if response.status_code >= 500:
        return None
    if response.status_code >= 400:
        raise PipelineError(f"GET {url} answered {response.status_code}")
    return response


def _get_page(
    client: httpx.Client,
    url: str,
    max_retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> Any:
    for retry in range(max_retries + 1):
        if retry:
            sleep(backoff * 2 ** (retry - 1))
        response = _attempt(client, url)
        if response is not None:
            try:
                return response.json()
            except ValueError as error:
                raise PipelineError(f"GET {url} did not answer JSON") from error
    raise PipelineError(f"GET {url} still failing after {max_retries} retries")


def fetch_records(
    url: str,
    *,
    timeout: float = 10.0,
    max_retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Record]:
    """Yield the items of every page, from ``url`` along the ``next`` links."""
    with httpx.Client(timeout=timeout) as client:
        next_url: str | None = url
        while next_url:
            page = _get_page(client, next_url, max_retries, backoff, sleep)
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise PipelineError(
                    f"{next_url}: a page is an object with a list of items"
                )
            yield from page["items"]
            next_url = page.get("next")


def _hour(record: Record) -> datetime:
    try:
        moment = datetime.fromisoformat(str(record["ts"]))
    except (KeyError, ValueError) as error:
        raise PipelineError(f"record {record.get('id')!r} has no valid ts") from error
    if moment.tzinfo is None:
        raise PipelineError(f"record {record.get('id')!r}: ts has no time zone")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def partition_key(prefix: str, hour: datetime, *, gzip: bool = False) -> str:
    """``<prefix>/date=YYYY-MM-DD/hour=HH/part-00000.jsonl`` (``.gz`` added by gzip)."""
    hour = hour.astimezone(UTC)
    suffix = ".jsonl.gz" if gzip else ".jsonl"
    return f"{prefix}/date={hour:%Y-%m-%d}/hour={hour:%H}/part-00000{suffix}"


def group_by_hour(records: Iterable[Record]) -> dict[datetime, list[Record]]:
    """The records by UTC hour, in the order they came, each ``id`` once."""
    seen: set[Any] = set()
    groups: dict[datetime, list[Record]] = {}
    for record in records:
        if record.get("id") in seen:
            continue
        seen.add(record.get("id"))
        groups.setdefault(_hour(record), []).append(record)
    return groups


def to_jsonl(records: Iterable[Record]) -> bytes:
    """One compact JSON object per line, each line ending with a newline."""
    return b"".join(
        json.dumps(record, separators=(",", ":")).encode() + b"\n" for record in records
    )


def ensure_bucket(s3: Any, bucket: str) -> None:
    """Create ``bucket`` unless it exists."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)


def upload_bytes(
    s3: Any,
    bucket: str,
    key: str,
    body: bytes,
    *,
    part_size: int = PART_SIZE,
    content_type: str = "application/x-ndjson",
) -> None:
    """Put ``body`` at ``key``.

    boto3 handles big bodies itself, so one put_object is enough whatever the size.
    """
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


def _encode(records: list[Record], gzip: bool) -> bytes:
    body = to_jsonl(records)
    if not gzip:
        return body
    buffer = io.BytesIO()
    with gzip_module.GzipFile(fileobj=buffer, mode="wb", mtime=0) as packed:
        packed.write(body)
    return buffer.getvalue()


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
    """Fetch everything from ``url`` into ``bucket``; return the data keys, sorted."""
    client = s3 if s3 is not None else make_s3_client()
    records = fetch_records(url, max_retries=max_retries, backoff=backoff, sleep=sleep)
    groups = group_by_hour(records)
    ensure_bucket(client, bucket)
    keys: list[str] = []
    for hour in sorted(groups):
        key = partition_key(prefix, hour, gzip=gzip)
        upload_bytes(
            client, bucket, key, _encode(groups[hour], gzip), part_size=part_size
        )
        keys.append(key)
    manifest = {
        "records": sum(len(group) for group in groups.values()),
        "objects": keys,
    }
    client.put_object(
        Bucket=bucket,
        Key=f"{prefix}/{SUCCESS}",
        Body=json.dumps(manifest).encode(),
        ContentType="application/json",
    )
    return keys
