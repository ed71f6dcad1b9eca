from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import LocalApi

# isort: split
from pipeline import (
    MIN_PART_SIZE,
    PipelineError,
    fetch_records,
    group_by_hour,
    make_s3_client,
    partition_key,
    run,
    to_jsonl,
    upload_bytes,
)

KEY_07 = "events/date=2026-03-02/hour=07/part-00000.jsonl"


def page(items: list[Any], next_url: str | None) -> dict[str, Any]:
    return {"items": items, "next": next_url}


def test_fetch_follows_pages_and_retries_5xx(local_api: LocalApi) -> None:
    delays: list[float] = []
    local_api.reply(200, page([{"n": 1}, {"n": 2}], f"{local_api.url}/e?p=2"))
    local_api.reply(503, {"error": "busy"})
    local_api.reply(200, page([{"n": 3}], None))
    got = list(fetch_records(f"{local_api.url}/e", sleep=delays.append))
    assert got == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert delays == [0.5]
    assert local_api.paths == ["/e", "/e?p=2", "/e?p=2"]


def test_fetch_gives_up_and_never_retries_4xx(local_api: LocalApi) -> None:
    delays: list[float] = []
    local_api.reply(500, {})
    with pytest.raises(PipelineError):
        list(fetch_records(local_api.url, max_retries=2, sleep=delays.append))
    assert delays == [0.5, 1.0]
    local_api.replies = []
    local_api.reply(404, {})
    with pytest.raises(PipelineError):
        list(fetch_records(local_api.url, sleep=delays.append))


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_fetch_rejects_bad_pages(local_api: LocalApi, body: bytes) -> None:
    local_api.reply(200, body)
    with pytest.raises(PipelineError):
        list(fetch_records(local_api.url))


def test_fetch_retries_a_connection_that_fails() -> None:
    delays: list[float] = []
    with pytest.raises(PipelineError):
        list(fetch_records("http://127.0.0.1:9/", max_retries=1, sleep=delays.append))
    assert delays == [0.5]


def test_partition_key_and_grouping() -> None:
    hour = datetime(2026, 3, 2, 7, tzinfo=UTC)
    assert partition_key("events", hour) == KEY_07
    assert partition_key("p", hour, gzip=True).endswith("part-00000.jsonl.gz")
    groups = group_by_hour(
        [
            {"id": 1, "ts": "2026-03-02T09:15:00+02:00"},
            {"id": 1, "ts": "2026-03-02T09:15:00+02:00"},
            {"id": 2, "ts": "2026-03-02T07:59:00Z"},
        ]
    )
    assert groups == {
        hour: [
            {"id": 1, "ts": "2026-03-02T09:15:00+02:00"},
            {"id": 2, "ts": "2026-03-02T07:59:00Z"},
        ]
    }


@pytest.mark.parametrize("ts", [None, "soon", "2026-03-02T07:00:00"])
def test_grouping_rejects_bad_timestamps(ts: Any) -> None:
    with pytest.raises(PipelineError):
        group_by_hour([{"id": 1, "ts": ts}])


def test_to_jsonl() -> None:
    assert to_jsonl([{"a": 1}, {"b": [2]}]) == b'{"a":1}\n{"b":[2]}\n'


def test_make_s3_client_retries() -> None:
    assert make_s3_client().meta.config.retries["mode"] == "standard"


def test_upload_in_parts_and_abort_on_failure(s3: Any, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    body = bytes(range(256)) * (11 * 4096)
    upload_bytes(s3, bucket, "big", body, part_size=MIN_PART_SIZE)
    assert s3.head_object(Bucket=bucket, Key="big")["ETag"].endswith('-3"')

    def fail(**kwargs: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "InternalError", "Message": "x"}}, "UploadPart"
        )

    s3.meta.events.register("provide-client-params.s3.UploadPart", fail)
    with pytest.raises(ClientError):
        upload_bytes(s3, bucket, "broken", body, part_size=MIN_PART_SIZE)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ValueError):
        upload_bytes(s3, bucket, "x", b"x", part_size=1024)


def test_run_writes_partitions_and_marker_idempotently(
    local_api: LocalApi, s3: Any, bucket: str
) -> None:
    records = [
        {"id": "a", "ts": "2026-03-02T07:10:00Z"},
        {"id": "b", "ts": "2026-03-02T07:20:00Z"},
    ]
    local_api.reply(200, page(records, None))
    for _ in range(2):
        assert run(local_api.url, bucket, s3=s3) == [KEY_07]
    listed = sorted(
        item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]
    )
    assert listed == ["events/_SUCCESS", KEY_07]
    assert s3.get_object(Bucket=bucket, Key=KEY_07)["Body"].read() == to_jsonl(records)
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key="events/_SUCCESS")["Body"].read()
    )
    assert manifest == {"records": 2, "objects": [KEY_07]}


def test_run_gzip_with_its_own_client(
    local_api: LocalApi, s3: Any, bucket: str
) -> None:
    local_api.reply(200, page([{"id": "a", "ts": "2026-03-02T07:10:00Z"}], None))
    run(local_api.url, bucket, gzip=True)
    body = s3.get_object(Bucket=bucket, Key=KEY_07 + ".gz")["Body"].read()
    assert gzip.decompress(body) == b'{"id":"a","ts":"2026-03-02T07:10:00Z"}\n'
