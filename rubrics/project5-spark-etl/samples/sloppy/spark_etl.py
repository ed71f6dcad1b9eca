from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
import os


def build_session():
    return SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").config("spark.sql.session.timeZone", "UTC").config("spark.sql.parquet.compression.codec", "gzip").getOrCreate()


def extract(spark, path):
    # let spark work out the types
    df = spark.read.csv(path, header=True, inferSchema=True)
    return df


def transform(df):
    df = df.withColumn("id", F.col("id").try_cast("long"))
    df = df.withColumn("category", F.lower(F.trim(F.col("category"))))
    df = df.withColumn("amount", F.trim(F.col("amount").cast("string")).try_cast("double"))
    df = df.withColumn("updated_at", F.try_to_timestamp(F.trim(F.col("updated_at").cast("string"))))
    df = df.dropna()
    df = df.filter(df.amount >= 0)
    df = df.filter(df.category != "")
    df = df.filter(df.id > 0)
    w = Window.partitionBy("id").orderBy(F.col("updated_at").desc())
    df = df.withColumn("n", F.row_number().over(w))
    df = df.filter(df.n == 1).drop("n")
    df = df.withColumn("date", F.to_date("updated_at"))
    return df


def aggregate(df):
    t = df.groupBy("date", "category").agg(F.round(F.sum("amount"), 2).alias("total"), F.count("*").alias("orders"))
    w = Window.partitionBy("date").orderBy(F.col("total").desc())
    return t.withColumn("rank", F.rank().over(w)).orderBy("date", "rank", "category")


def load(df, out_dir):
    if os.path.exists(out_dir) == False:
        os.makedirs(out_dir)
    df.write.mode("overwrite").partitionBy("date").parquet(out_dir)
