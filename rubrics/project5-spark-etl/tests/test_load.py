"""load: Parquet partitioned by date, overwritten on every run."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import SparkSession

# isort: split
from spark_etl import extract, load, transform

CsvFile = Callable[..., str]
ROWS = (
    "1,books,1.00,2026-03-01T10:00:00Z",
    "2,toys,2.00,2026-03-01T11:00:00Z",
    "3,books,3.00,2026-03-02T10:00:00Z",
)


def partitions(out: Path) -> list[str]:
    return sorted(path.name for path in out.iterdir() if path.is_dir())


def test_load_writes_parquet_partitioned_by_date(spark: SparkSession, csv_file: CsvFile, tmp_path: Path) -> None:
    out = tmp_path / "orders"
    load(transform(extract(spark, csv_file(*ROWS))), str(out))
    assert partitions(out) == ["date=2026-03-01", "date=2026-03-02"], "one folder per date, named date=YYYY-MM-DD"
    assert list((out / "date=2026-03-01").glob("*.parquet")), "the files are Parquet"


def test_load_round_trips_the_rows(spark: SparkSession, csv_file: CsvFile, tmp_path: Path) -> None:
    out = tmp_path / "orders"
    load(transform(extract(spark, csv_file(*ROWS))), str(out))
    back = spark.read.parquet(str(out))
    got = sorted((row["id"], row["category"], row["amount"], row["date"]) for row in back.collect())
    assert got == [
        (1, "books", 1.0, dt.date(2026, 3, 1)),
        (2, "toys", 2.0, dt.date(2026, 3, 1)),
        (3, "books", 3.0, dt.date(2026, 3, 2)),
    ]
    assert dict(back.dtypes)["updated_at"] == "timestamp", "the types survive the round trip"


def test_load_twice_is_idempotent(spark: SparkSession, csv_file: CsvFile, tmp_path: Path) -> None:
    out = tmp_path / "orders"
    clean = transform(extract(spark, csv_file(*ROWS)))
    load(clean, str(out))
    load(clean, str(out))
    assert spark.read.parquet(str(out)).count() == 3, "running the load again does not duplicate rows"


def test_load_replaces_an_older_run(spark: SparkSession, csv_file: CsvFile, tmp_path: Path) -> None:
    out = tmp_path / "orders"
    load(transform(extract(spark, csv_file(*ROWS))), str(out))
    load(transform(extract(spark, csv_file("9,music,5.00,2026-03-04T10:00:00Z"))), str(out))
    assert partitions(out) == ["date=2026-03-04"], "the output holds only the latest run"
    assert [row["id"] for row in spark.read.parquet(str(out)).collect()] == [9]
