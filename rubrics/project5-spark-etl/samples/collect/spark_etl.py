"""A small Spark ETL pipeline: orders CSV -> clean rows -> Parquet by date.

Cleaning is done in plain Python on the driver, where it is easy to read and debug.
"""

from datetime import UTC, datetime

from pyspark.sql import DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

COLUMNS = ("id", "category", "amount", "updated_at")
SCHEMA = StructType([StructField(name, StringType()) for name in COLUMNS])
CLEAN_SCHEMA = StructType(
    [
        StructField("id", LongType()),
        StructField("category", StringType()),
        StructField("amount", DoubleType()),
        StructField("updated_at", TimestampType()),
        StructField("date", DateType()),
    ]
)
Clean = tuple[int, str, float, datetime]


def build_session() -> SparkSession:
    """A local Spark session: one core, no UI, 4 shuffle partitions, UTC, gzip."""
    return (
        SparkSession.builder.master("local[1]")
        .appName("spark-etl")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.compression.codec", "gzip")
        .getOrCreate()
    )


def extract(spark: SparkSession, path: str) -> DataFrame:
    """The raw CSV rows: every column a string, read with an explicit schema."""
    return spark.read.csv(path, schema=SCHEMA, header=True)


def _as_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _clean_row(row: Row) -> Clean | None:
    cells = [(row[name] or "").strip() for name in COLUMNS]
    if not cells[0].isdigit() or int(cells[0]) <= 0 or not cells[1]:
        return None
    amount = _as_number(cells[2])
    when = _as_time(cells[3])
    if amount is None or amount < 0 or when is None:
        return None
    return int(cells[0]), cells[1].lower(), amount, when


def transform(df: DataFrame) -> DataFrame:
    """Typed, valid rows, one per id (the latest update), with their UTC date."""
    latest: dict[int, Clean] = {}
    for row in df.collect():
        clean = _clean_row(row)
        if clean is None:
            continue
        seen = latest.get(clean[0])
        if seen is None or (clean[3], clean[2]) > (seen[3], seen[2]):
            latest[clean[0]] = clean
    rows = [(*clean, clean[3].date()) for clean in latest.values()]
    return df.sparkSession.createDataFrame(rows, CLEAN_SCHEMA)


def aggregate(df: DataFrame) -> DataFrame:
    """Daily totals per category, ranked by total within each day (1 = largest)."""
    totals = df.groupBy("date", "category").agg(
        F.round(F.sum("amount"), 2).alias("total"),
        F.count(F.lit(1)).alias("orders"),
    )
    by_total = Window.partitionBy("date").orderBy(F.col("total").desc())
    ranked = totals.withColumn("rank", F.rank().over(by_total))
    return ranked.orderBy("date", "rank", "category")


def load(df: DataFrame, out_dir: str) -> None:
    """Write ``df`` as Parquet partitioned by ``date``, replacing ``out_dir``."""
    df.write.mode("overwrite").partitionBy("date").parquet(out_dir)
