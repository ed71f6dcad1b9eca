"""transform: malformed rows dropped, types, one row per id (the latest), the date."""

import datetime as dt
from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession

# isort: split
from orders import generate
from spark_etl import extract, transform

CsvFile = Callable[..., str]


def clean(spark: SparkSession, csv_file: CsvFile, *rows: str) -> DataFrame:
    return transform(extract(spark, csv_file(*rows)))


def by_id(df: DataFrame) -> dict[int, tuple[object, ...]]:
    return {row["id"]: tuple(row) for row in df.collect()}


def test_transform_columns_and_types(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(spark, csv_file, "1,books,12.50,2026-03-01T10:00:00Z")
    assert out.dtypes == [
        ("id", "bigint"),
        ("category", "string"),
        ("amount", "double"),
        ("updated_at", "timestamp"),
        ("date", "date"),
    ]


def test_transform_casts_a_valid_row(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(spark, csv_file, "7,books,12.50,2026-03-01T10:30:00Z")
    assert [tuple(row) for row in out.collect()] == [
        (7, "books", 12.5, dt.datetime(2026, 3, 1, 10, 30), dt.date(2026, 3, 1)),
    ]


def test_transform_trims_cells_and_lowercases_category(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(spark, csv_file, " 8 ,  Board Games ,  3.25 , 2026-03-01T10:00:00Z ")
    assert [(row["id"], row["category"], row["amount"]) for row in out.collect()] == [(8, "board games", 3.25)]


def test_transform_drops_rows_with_a_bad_id(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "x1,books,1.00,2026-03-01T10:00:00Z",
        ",books,1.00,2026-03-01T10:00:00Z",
        "0,books,1.00,2026-03-01T10:00:00Z",
        "-4,books,1.00,2026-03-01T10:00:00Z",
        "2.5,books,1.00,2026-03-01T10:00:00Z",
        "9,books,1.00,2026-03-01T10:00:00Z",
    )
    assert sorted(by_id(out)) == [9], "only the row with a positive whole-number id is kept"


def test_transform_drops_rows_with_a_bad_amount(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,abc,2026-03-01T10:00:00Z",
        "2,books,,2026-03-01T10:00:00Z",
        "3,books,-0.50,2026-03-01T10:00:00Z",
        "4,books,0,2026-03-01T10:00:00Z",
        "5,books,1e2,2026-03-01T10:00:00Z",
    )
    assert {key: row[2] for key, row in by_id(out).items()} == {4: 0.0, 5: 100.0}, (
        "amounts that are not numbers or are negative are malformed; zero is kept"
    )


def test_transform_drops_rows_with_a_bad_time(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,1.00,yesterday",
        "2,books,1.00,",
        "3,books,1.00,2026-02-30T10:00:00Z",
        "4,books,1.00,2026-03-01 10:00:00",
    )
    assert sorted(by_id(out)) == [4], "a time Spark cannot read as a timestamp is malformed"


def test_transform_drops_rows_without_category_or_cut_short(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,,1.00,2026-03-01T10:00:00Z",
        "2,   ,1.00,2026-03-01T10:00:00Z",
        "3,books",
        "4,books,1.00,2026-03-01T10:00:00Z",
    )
    assert sorted(by_id(out)) == [4]


def test_transform_converts_offsets_to_utc_for_the_date(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,1.00,2026-03-02T01:30:00+02:00",
        "2,books,1.00,2026-03-01T23:30:00-01:00",
    )
    rows = by_id(out)
    assert rows[1][3:] == (dt.datetime(2026, 3, 1, 23, 30), dt.date(2026, 3, 1)), "an offset is converted to UTC"
    assert rows[2][3:] == (dt.datetime(2026, 3, 2, 0, 30), dt.date(2026, 3, 2)), "the date is the UTC date"


def test_transform_keeps_the_latest_update_per_id(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,1.00,2026-03-01T10:00:00Z",
        "1,toys,2.00,2026-03-03T09:00:00Z",
        "1,games,3.00,2026-03-02T12:00:00Z",
        "2,music,4.00,2026-03-01T08:00:00Z",
    )
    assert out.count() == 2, "one row per id"
    assert by_id(out)[1][1:3] == ("toys", 2.0), "the row with the latest updated_at wins, whatever the file order"


def test_transform_dedupe_ignores_a_later_malformed_update(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,1.00,2026-03-01T10:00:00Z",
        "1,books,oops,2026-03-05T10:00:00Z",
    )
    assert by_id(out)[1][2] == 1.0, "malformed rows are dropped before choosing the latest"


def test_transform_breaks_a_time_tie_by_the_larger_amount(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(
        spark,
        csv_file,
        "1,books,1.00,2026-03-01T10:00:00Z",
        "1,books,5.00,2026-03-01T10:00:00Z",
        "1,books,3.00,2026-03-01T10:00:00Z",
    )
    assert [row["amount"] for row in out.collect()] == [5.0]


def test_transform_empty_input_gives_empty_output(spark: SparkSession, csv_file: CsvFile) -> None:
    out = clean(spark, csv_file)
    assert out.count() == 0
    assert [name for name, _ in out.dtypes] == ["id", "category", "amount", "updated_at", "date"]


def test_transform_on_a_generated_file(spark: SparkSession, csv_file: CsvFile) -> None:
    lines, latest = generate(3000, seed=5)
    out = clean(spark, csv_file, *lines)
    got = {row["id"]: (row["category"], row["amount"], row["updated_at"]) for row in out.collect()}
    want = {key: (cat, amount, when.replace(tzinfo=None)) for key, (cat, amount, when) in latest.items()}
    assert len(got) == len(want), "as many rows as ids with a valid row"
    assert got == want, "each id keeps its latest valid row"
