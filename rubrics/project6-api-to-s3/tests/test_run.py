"""Hidden tests: run() lands the records in S3 under hourly partitions, idempotently."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fakeapi import FakeApi, status
from pipeline import PipelineError, partition_key, run
from s3calls import CallLog


def event(n: int, ts: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"e{n:03d}", "ts": ts, "type": "click", **extra}


def keys(s3: Any, bucket: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def read(s3: Any, bucket: str, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def lines(s3: Any, bucket: str, key: str) -> list[Any]:
    return [json.loads(line) for line in read(s3, bucket, key).decode().splitlines()]


TWO_HOURS = [
    [event(1, "2026-03-02T07:15:00Z"), event(2, "2026-03-02T08:01:30Z")],
    [event(3, "2026-03-02T07:59:59Z")],
]
H07 = "events/date=2026-03-02/hour=07/part-00000.jsonl"
H08 = "events/date=2026-03-02/hour=08/part-00000.jsonl"


def test_run_writes_one_object_per_hour_under_hive_keys(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    url = api.pages(*TWO_HOURS)
    returned = run(url, bucket, s3=s3, sleep=delays.append)
    assert keys(s3, bucket) == ["events/_SUCCESS", H07, H08]
    assert sorted(returned) == [H07, H08], "run returns the data keys it wrote"


def test_run_writes_newline_delimited_json_in_api_order(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    url = api.pages(*TWO_HOURS)
    run(url, bucket, s3=s3, sleep=delays.append)
    raw = read(s3, bucket, H07)
    assert raw.endswith(b"\n"), "every line ends with a newline, the last one too"
    assert lines(s3, bucket, H07) == [TWO_HOURS[0][0], TWO_HOURS[1][0]]
    assert lines(s3, bucket, H08) == [TWO_HOURS[0][1]]


def test_run_sets_the_ndjson_content_type(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    run(api.pages(*TWO_HOURS), bucket, s3=s3, sleep=delays.append)
    assert s3.head_object(Bucket=bucket, Key=H07)["ContentType"] == "application/x-ndjson"


def test_run_partitions_by_the_utc_hour_of_each_timestamp(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    records = [
        event(1, "2026-03-02T01:30:00+02:00"),  # 23:30 UTC the day before
        event(2, "2026-03-01T18:10:00-05:00"),  # 23:10 UTC
        event(3, "2026-03-02T00:00:00Z"),
    ]
    run(api.pages(records), bucket, s3=s3, sleep=delays.append)
    late = "events/date=2026-03-01/hour=23/part-00000.jsonl"
    midnight = "events/date=2026-03-02/hour=00/part-00000.jsonl"
    assert keys(s3, bucket) == ["events/_SUCCESS", late, midnight]
    assert [r["id"] for r in lines(s3, bucket, late)] == ["e001", "e002"]


def test_run_uses_the_prefix(api: FakeApi, s3: Any, bucket: str, delays: list[float]) -> None:
    run(api.pages(TWO_HOURS[1]), bucket, s3=s3, prefix="raw/clicks", sleep=delays.append)
    assert keys(s3, bucket) == [
        "raw/clicks/_SUCCESS",
        "raw/clicks/date=2026-03-02/hour=07/part-00000.jsonl",
    ]


def test_run_gzip_writes_compressed_jsonl_gz(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    run(api.pages(*TWO_HOURS), bucket, s3=s3, gzip=True, sleep=delays.append)
    key = H07 + ".gz"
    assert key in keys(s3, bucket)
    text = gzip.decompress(read(s3, bucket, key)).decode()
    assert [json.loads(line) for line in text.splitlines()] == [TWO_HOURS[0][0], TWO_HOURS[1][0]]


def test_run_creates_the_missing_bucket(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    run(api.pages(*TWO_HOURS), bucket, s3=s3, sleep=delays.append)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket in names


def test_run_keeps_other_objects_of_an_existing_bucket(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="other/readme.txt", Body=b"keep me")
    run(api.pages(*TWO_HOURS), bucket, s3=s3, sleep=delays.append)
    assert read(s3, bucket, "other/readme.txt") == b"keep me"


def test_run_again_overwrites_the_same_keys_without_duplicates(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    url = api.pages(*TWO_HOURS)
    run(url, bucket, s3=s3, sleep=delays.append)
    first = {key: read(s3, bucket, key) for key in keys(s3, bucket)}
    run(url, bucket, s3=s3, sleep=delays.append)
    assert keys(s3, bucket) == sorted(first), "a re-run writes the same keys, no new ones"
    assert lines(s3, bucket, H07) == [TWO_HOURS[0][0], TWO_HOURS[1][0]], "no record twice"
    assert read(s3, bucket, H08) == first[H08]


def test_run_writes_a_record_repeated_across_pages_once(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    first = event(1, "2026-03-02T07:15:00Z")
    moved = event(2, "2026-03-02T07:20:00Z")
    run(
        api.pages([first, moved], [moved, event(3, "2026-03-02T07:25:00Z")]),
        bucket,
        s3=s3,
        sleep=delays.append,
    )
    assert [r["id"] for r in lines(s3, bucket, H07)] == ["e001", "e002", "e003"]


def test_run_writes_the_success_manifest(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    run(api.pages(*TWO_HOURS), bucket, s3=s3, sleep=delays.append)
    manifest = json.loads(read(s3, bucket, "events/_SUCCESS"))
    assert manifest["records"] == 3
    assert sorted(manifest["objects"]) == [H07, H08]


def test_run_writes_the_success_marker_last(
    api: FakeApi, logged: tuple[Any, CallLog], bucket: str, delays: list[float]
) -> None:
    client, log = logged
    run(api.pages(*TWO_HOURS), bucket, s3=client, sleep=delays.append)
    written = [key for _, key in log.writes()]
    assert sorted(written) == ["events/_SUCCESS", H07, H08], "each object written once"
    assert written[-1] == "events/_SUCCESS", "the marker comes after every data object"


def test_run_writes_nothing_when_a_page_fails_for_good(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    url = api.pages(*TWO_HOURS)
    api.script("/events?page=2", status(503))
    with pytest.raises(PipelineError):
        run(url, bucket, s3=s3, max_retries=2, sleep=delays.append)
    assert api.requests.count("/events?page=2") == 3, "the failing page is retried"
    existing = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket not in existing or keys(s3, bucket) == [], "no partial window, no marker"


def test_run_retries_a_failing_page_and_completes(
    api: FakeApi, s3: Any, bucket: str, delays: list[float]
) -> None:
    url = api.pages(*TWO_HOURS)
    good = api.routes["/events?page=2"][0]
    api.script("/events?page=2", status(500), good)
    run(url, bucket, s3=s3, backoff=0.1, sleep=delays.append)
    assert delays == [0.1]
    assert keys(s3, bucket) == ["events/_SUCCESS", H07, H08]


@pytest.mark.parametrize(
    "bad", ["yesterday", "2026-03-02T07:15:00", None], ids=["words", "naive", "null"]
)
def test_run_rejects_a_record_without_a_usable_timestamp(
    api: FakeApi, s3: Any, bucket: str, delays: list[float], bad: Any
) -> None:
    url = api.pages([TWO_HOURS[0][0], {"id": "e009", "ts": bad}])
    with pytest.raises(PipelineError):
        run(url, bucket, s3=s3, sleep=delays.append)
    existing = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket not in existing or keys(s3, bucket) == [], "nothing written"


def test_partition_key_formats_hive_style_keys_in_utc() -> None:
    hour = datetime(2026, 3, 2, 1, tzinfo=timezone(timedelta(hours=2)))
    assert partition_key("events", hour) == "events/date=2026-03-01/hour=23/part-00000.jsonl"
    gz = partition_key("raw/x", hour, gzip=True)
    assert gz == "raw/x/date=2026-03-01/hour=23/part-00000.jsonl.gz"
