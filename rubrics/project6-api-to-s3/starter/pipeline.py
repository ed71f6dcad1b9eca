"""Project 6: pull events from a paginated JSON API into S3, partitioned by hour.

Fill in every function; keep the names and signatures (the hidden tests import them).
The statement (README.md) gives the rules each one must follow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import boto3

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part (every part of a multipart upload but the last)."""
PART_SIZE = 8 * 1024 * 1024
"""Objects larger than this go up in parts of this size."""

Record = dict[str, Any]


class PipelineError(Exception):
    """The run gave up: the API failed for good, or a record cannot be placed."""


def make_s3_client() -> Any:
    """An S3 client for ``S3_ENDPOINT_URL`` that retries throttling and 5xx errors."""
    # TODO: configure retries (botocore.config.Config)
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"])


def fetch_records(
    url: str,
    *,
    timeout: float = 10.0,
    max_retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Record]:
    """Yield the items of every page, from ``url`` along the ``next`` links."""
    raise NotImplementedError


def partition_key(prefix: str, hour: datetime, *, gzip: bool = False) -> str:
    """``<prefix>/date=YYYY-MM-DD/hour=HH/part-00000.jsonl`` (``.gz`` added by gzip)."""
    raise NotImplementedError


def group_by_hour(records: Iterable[Record]) -> dict[datetime, list[Record]]:
    """The records by UTC hour, in the order they came, each ``id`` once."""
    raise NotImplementedError


def to_jsonl(records: Iterable[Record]) -> bytes:
    """One compact JSON object per line, each line ending with a newline."""
    raise NotImplementedError


def upload_bytes(
    s3: Any,
    bucket: str,
    key: str,
    body: bytes,
    *,
    part_size: int = PART_SIZE,
    content_type: str = "application/x-ndjson",
) -> None:
    """Put ``body`` at ``key``: one request up to ``part_size`` bytes, else in parts."""
    raise NotImplementedError


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
    raise NotImplementedError
