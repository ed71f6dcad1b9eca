"""Fixtures of the hidden tests: one Spark session for the whole run, CSV files under tmp_path."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

HEADER = "id,category,amount,updated_at"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = (
        SparkSession.builder.master("local[1]")
        .appName("hidden-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.compression.codec", "gzip")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., str]:
    """``csv_file("1,books,2.5,2026-03-01T10:00:00Z", ...)``: the path of a CSV with the header."""
    count = 0

    def write(*rows: str, header: str = HEADER) -> str:
        nonlocal count
        count += 1
        path = tmp_path / f"orders{count}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return str(path)

    return write
