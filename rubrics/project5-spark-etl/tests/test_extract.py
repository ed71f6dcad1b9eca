"""extract: the CSV as strings, read with an explicit schema, and build_session."""

from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession

# isort: split
from plans import jobs_during
from spark_etl import build_session, extract


def test_build_session_is_local_utc_and_small(spark: SparkSession) -> None:
    session = build_session()
    assert isinstance(session, SparkSession), "build_session returns a SparkSession"
    assert session.sparkContext.master == "local[1]", "the session runs in local mode on one core"
    assert session.conf.get("spark.sql.shuffle.partitions") == "4", "shuffle partitions are set to 4"
    assert session.conf.get("spark.sql.session.timeZone") == "UTC", "the session time zone is UTC"


def test_extract_returns_the_four_columns_as_strings(spark: SparkSession, csv_file: Callable[..., str]) -> None:
    path = csv_file("1,books,12.50,2026-03-01T10:00:00Z", "2,toys,007,2026-03-01 11:00:00")
    raw = extract(spark, path)
    assert isinstance(raw, DataFrame), "extract returns a DataFrame"
    assert raw.dtypes == [("id", "string"), ("category", "string"), ("amount", "string"), ("updated_at", "string")]
    rows = [tuple(row) for row in raw.collect()]
    assert rows == [
        ("1", "books", "12.50", "2026-03-01T10:00:00Z"),
        ("2", "toys", "007", "2026-03-01 11:00:00"),
    ], "every cell is read as its text, nothing parsed"


def test_extract_keeps_short_and_malformed_rows(spark: SparkSession, csv_file: Callable[..., str]) -> None:
    path = csv_file("1,books", "x,toys,abc,yesterday", "3,games,1.00,2026-03-01T10:00:00Z")
    raw = extract(spark, path)
    assert raw.count() == 3, "extract drops nothing: cleaning is transform's job"
    short = [row for row in raw.collect() if row["id"] == "1"]
    assert len(short) == 1 and short[0]["amount"] is None, "a row cut short has nulls in its missing cells"


def test_extract_uses_a_schema_and_runs_no_job(spark: SparkSession, csv_file: Callable[..., str]) -> None:
    path = csv_file("1,books,12.50,2026-03-01T10:00:00Z")
    raw, jobs = jobs_during(spark, lambda: extract(spark, path))
    assert jobs == 0, "extract starts no Spark job: an explicit schema, no inferSchema"
    assert raw.dtypes[0] == ("id", "string")
