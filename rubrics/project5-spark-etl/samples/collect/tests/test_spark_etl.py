"""Tests of the pipeline on a few hand-written rows, with one shared Spark session."""

import datetime as dt
from pathlib import Path

from pyspark.sql import SparkSession

# isort: split
from spark_etl import aggregate, extract, load, transform

CSV = (
    "id,category,amount,updated_at\n"
    "1,Books,10.00,2026-03-01T10:00:00Z\n"
    "1,books,12.50,2026-03-01T11:00:00Z\n"
    "2,toys,abc,2026-03-01T10:00:00Z\n"
    "3, toys ,4.00,2026-03-02T01:00:00+02:00\n"
    "4,games,1.00,yesterday\n"
    "5,games,7.25,2026-03-02 09:00:00\n"
)


def write_csv(tmp_path: Path) -> str:
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    return str(path)


def test_extract_reads_strings(spark: SparkSession, tmp_path: Path) -> None:
    raw = extract(spark, write_csv(tmp_path))
    assert {kind for _, kind in raw.dtypes} == {"string"}
    assert raw.count() == 6


def test_transform_keeps_the_latest(spark: SparkSession, tmp_path: Path) -> None:
    out = transform(extract(spark, write_csv(tmp_path)))
    rows = sorted(
        (r["id"], r["category"], r["amount"], r["date"]) for r in out.collect()
    )
    assert rows == [
        (1, "books", 12.5, dt.date(2026, 3, 1)),
        (3, "toys", 4.0, dt.date(2026, 3, 1)),
        (5, "games", 7.25, dt.date(2026, 3, 2)),
    ]


def test_aggregate_ranks_each_day(spark: SparkSession, tmp_path: Path) -> None:
    out = aggregate(transform(extract(spark, write_csv(tmp_path))))
    assert [tuple(row) for row in out.collect()] == [
        (dt.date(2026, 3, 1), "books", 12.5, 1, 1),
        (dt.date(2026, 3, 1), "toys", 4.0, 1, 2),
        (dt.date(2026, 3, 2), "games", 7.25, 1, 1),
    ]


def test_load_is_idempotent(spark: SparkSession, tmp_path: Path) -> None:
    out = tmp_path / "out"
    clean = transform(extract(spark, write_csv(tmp_path)))
    load(clean, str(out))
    load(clean, str(out))
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["date=2026-03-01", "date=2026-03-02"]
    assert spark.read.parquet(str(out)).count() == 3
