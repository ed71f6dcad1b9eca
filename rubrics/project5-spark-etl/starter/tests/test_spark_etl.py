"""Your own tests. Coverage of spark_etl.py by these tests is graded (aim for 80%+).

Run them from your project5/ folder with:  python -m pytest tests
The `spark` fixture (tests/conftest.py) starts ONE session for the whole run: keep it.
"""

from pathlib import Path

from pyspark.sql import SparkSession

# isort: split
from spark_etl import extract, transform

CSV = (
    "id,category,amount,updated_at\n"
    "1,Books,10.00,2026-03-01T10:00:00Z\n"
    "2,toys,abc,2026-03-01T10:00:00Z\n"
)


def test_transform_drops_a_bad_amount(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    out = transform(extract(spark, str(path)))
    assert [row["id"] for row in out.collect()] == [1]
