from datetime import datetime, timezone

from pipeline import partition_key


def test_partition_key():
    hour = datetime(2026, 1, 5, 13, tzinfo=timezone.utc)
    assert partition_key("events", hour) == "events/date=2026-01-05/hour=13/part-00000.jsonl"
    assert partition_key("events", hour, gzip=True).endswith(".gz")
