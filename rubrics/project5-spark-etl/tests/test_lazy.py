"""transform and aggregate stay on Spark: lazy, no data pulled to the driver, no Python UDF."""

from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession

# isort: split
from plans import jobs_during, reads_the_file, uses_python_udf
from spark_etl import aggregate, extract, transform

CsvFile = Callable[..., str]
ROWS = (
    "1,Books,1.00,2026-03-01T10:00:00Z",
    "1,books,2.00,2026-03-01T12:00:00Z",
    "2,toys,x,2026-03-01T11:00:00Z",
    "3,toys,3.50,2026-03-02 10:00:00",
)


def test_transform_returns_a_dataframe(spark: SparkSession, csv_file: CsvFile) -> None:
    assert isinstance(transform(extract(spark, csv_file(*ROWS))), DataFrame)


def test_transform_is_lazy(spark: SparkSession, csv_file: CsvFile) -> None:
    raw = extract(spark, csv_file(*ROWS))
    _, jobs = jobs_during(spark, lambda: transform(raw))
    assert jobs == 0, "transform starts no Spark job: no collect(), count(), toPandas() or cache action inside"


def test_transform_plan_reads_the_csv_not_driver_rows(spark: SparkSession, csv_file: CsvFile) -> None:
    out = transform(extract(spark, csv_file(*ROWS)))
    assert reads_the_file(out), "the result is computed from the file by Spark, not rebuilt from rows on the driver"


def test_transform_uses_no_python_udf(spark: SparkSession, csv_file: CsvFile) -> None:
    out = transform(extract(spark, csv_file(*ROWS)))
    assert not uses_python_udf(out), "use built-in functions (pyspark.sql.functions), not a Python UDF"


def test_aggregate_returns_a_dataframe(spark: SparkSession, csv_file: CsvFile) -> None:
    assert isinstance(aggregate(transform(extract(spark, csv_file(*ROWS)))), DataFrame)


def test_aggregate_is_lazy(spark: SparkSession, csv_file: CsvFile) -> None:
    clean = transform(extract(spark, csv_file(*ROWS)))
    _, jobs = jobs_during(spark, lambda: aggregate(clean))
    assert jobs == 0, "aggregate starts no Spark job"


def test_aggregate_plan_reads_the_csv_not_driver_rows(spark: SparkSession, csv_file: CsvFile) -> None:
    out = aggregate(transform(extract(spark, csv_file(*ROWS))))
    assert reads_the_file(out), "the totals are computed by Spark from the file"


def test_aggregate_uses_no_python_udf(spark: SparkSession, csv_file: CsvFile) -> None:
    out = aggregate(transform(extract(spark, csv_file(*ROWS))))
    assert not uses_python_udf(out), "use built-in aggregate and window functions, not a Python UDF"
