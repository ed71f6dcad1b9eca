"""A small Spark ETL pipeline: orders CSV -> clean rows -> Parquet by date."""

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

COLUMNS = ("id", "category", "amount", "updated_at")
SCHEMA = StructType([StructField(name, StringType()) for name in COLUMNS])


def build_session() -> SparkSession:
    """A local Spark session: one core, no UI, 4 shuffle partitions, UTC, gzip."""
    raise NotImplementedError


def extract(spark: SparkSession, path: str) -> DataFrame:
    """The raw CSV rows: every column a string, read with an explicit schema."""
    raise NotImplementedError


def transform(df: DataFrame) -> DataFrame:
    """Typed, valid rows, one per id (the latest update), with their UTC date."""
    raise NotImplementedError


def aggregate(df: DataFrame) -> DataFrame:
    """Daily totals per category, ranked by total within each day (1 = largest)."""
    raise NotImplementedError


def load(df: DataFrame, out_dir: str) -> None:
    """Write ``df`` as Parquet partitioned by ``date``, replacing ``out_dir``."""
    raise NotImplementedError
