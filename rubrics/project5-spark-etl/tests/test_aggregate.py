"""aggregate: daily totals per category, ranked within each day."""

import datetime as dt
from collections.abc import Callable

import pytest
from pyspark.sql import DataFrame, SparkSession

# isort: split
from orders import daily_totals, generate
from spark_etl import aggregate, extract, transform

CsvFile = Callable[..., str]
D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)


def report(spark: SparkSession, csv_file: CsvFile, *rows: str) -> DataFrame:
    return aggregate(transform(extract(spark, csv_file(*rows))))


def test_aggregate_columns_and_types(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(spark, csv_file, "1,books,1.00,2026-03-01T10:00:00Z")
    assert out.dtypes == [
        ("date", "date"),
        ("category", "string"),
        ("total", "double"),
        ("orders", "bigint"),
        ("rank", "int"),
    ]


def test_aggregate_totals_and_counts_per_day_and_category(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(
        spark,
        csv_file,
        "1,books,10.25,2026-03-01T10:00:00Z",
        "2,books,4.50,2026-03-01T23:59:59Z",
        "3,toys,1.00,2026-03-01T12:00:00Z",
        "4,books,2.00,2026-03-02T00:00:00Z",
    )
    got = {(row["date"], row["category"]): (row["total"], row["orders"]) for row in out.collect()}
    assert got == {(D1, "books"): (14.75, 2), (D1, "toys"): (1.0, 1), (D2, "books"): (2.0, 1)}


def test_aggregate_counts_each_id_once(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(
        spark,
        csv_file,
        "1,books,10.00,2026-03-01T10:00:00Z",
        "1,books,12.00,2026-03-01T11:00:00Z",
    )
    assert [(row["total"], row["orders"]) for row in out.collect()] == [(12.0, 1)], "aggregate the deduplicated rows"


def test_aggregate_rounds_totals_to_cents(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(spark, csv_file, *(f"{n},books,0.10,2026-03-01T10:00:00Z" for n in range(1, 4)))
    assert [row["total"] for row in out.collect()] == [0.3]


def test_aggregate_ranks_categories_by_total_each_day(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(
        spark,
        csv_file,
        "1,books,5.00,2026-03-01T10:00:00Z",
        "2,toys,9.00,2026-03-01T10:00:00Z",
        "3,games,7.00,2026-03-01T10:00:00Z",
        "4,books,1.00,2026-03-02T10:00:00Z",
        "5,toys,3.00,2026-03-02T10:00:00Z",
    )
    got = [(row["date"], row["category"], row["rank"]) for row in out.collect()]
    assert got == [
        (D1, "toys", 1),
        (D1, "games", 2),
        (D1, "books", 3),
        (D2, "toys", 1),
        (D2, "books", 2),
    ], "rank 1 is the day's largest total; rows ordered by date, then rank"


def test_aggregate_ties_share_a_rank_and_skip_the_next(spark: SparkSession, csv_file: CsvFile) -> None:
    out = report(
        spark,
        csv_file,
        "1,toys,2.50,2026-03-01T10:00:00Z",
        "2,books,2.50,2026-03-01T10:00:00Z",
        "3,games,1.25,2026-03-01T10:00:00Z",
        "4,music,8.00,2026-03-01T10:00:00Z",
    )
    got = [(row["category"], row["rank"]) for row in out.collect()]
    assert got == [("music", 1), ("books", 2), ("toys", 2), ("games", 4)], (
        "equal totals share a rank (ordered by category), and the next rank is skipped"
    )


def test_aggregate_on_a_generated_file(spark: SparkSession, csv_file: CsvFile) -> None:
    lines, latest = generate(3000, seed=11)
    out = report(spark, csv_file, *lines)
    want = daily_totals(latest)
    rows = out.collect()
    got = {(row["date"], row["category"]): (row["total"], row["orders"]) for row in rows}
    assert got.keys() == want.keys(), "one row per date and category"
    for key, (total, orders) in want.items():
        assert got[key][1] == orders, "orders counts the ids of the day and category"
        assert got[key][0] == pytest.approx(total, abs=0.005), "total is the sum of the amounts, to the cent"
    keys = [(row["date"], row["rank"], row["category"]) for row in rows]
    assert keys == sorted(keys), "rows are ordered by date, rank, category"
