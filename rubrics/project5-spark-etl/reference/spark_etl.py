"""A small Spark ETL pipeline: orders CSV -> clean rows -> Parquet by date."""

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

COLUMNS = ("id", "category", "amount", "updated_at")
SCHEMA = StructType([StructField(name, StringType()) for name in COLUMNS])


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
    return spark.read.csv(path, schema=SCHEMA, header=True, mode="PERMISSIVE")


def _trimmed(name: str) -> Column:
    return F.trim(F.col(name))


def transform(df: DataFrame) -> DataFrame:
    """Typed, valid rows, one per id (the latest update), with their UTC date."""
    typed = df.select(
        _trimmed("id").try_cast("long").alias("id"),
        F.lower(_trimmed("category")).alias("category"),
        _trimmed("amount").try_cast("double").alias("amount"),
        F.try_to_timestamp(_trimmed("updated_at")).alias("updated_at"),
    )
    valid = typed.where(
        F.col("id").isNotNull()
        & (F.col("id") > 0)
        & F.col("category").isNotNull()
        & (F.col("category") != "")
        & F.col("amount").isNotNull()
        & (F.col("amount") >= 0)
        & F.col("updated_at").isNotNull()
    )
    latest_first = Window.partitionBy("id").orderBy(
        F.col("updated_at").desc(), F.col("amount").desc()
    )
    return (
        valid.withColumn("_n", F.row_number().over(latest_first))
        .where(F.col("_n") == 1)
        .drop("_n")
        .withColumn("date", F.to_date("updated_at"))
    )


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
