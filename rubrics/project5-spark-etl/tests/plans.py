"""What a DataFrame's plan says: Python UDFs, data built on the driver, Spark jobs started."""

import itertools
from collections.abc import Callable
from typing import TypeVar

from pyspark.sql import DataFrame, SparkSession

T = TypeVar("T")
_PROBES = itertools.count()

PYTHON_UDF_NODES = ("BatchEvalPython", "ArrowEvalPython", "PythonUDF", "MapInPandas", "FlatMapGroupsInPandas")
DRIVER_DATA_NODES = ("LocalTableScan", "ExistingRDD", "LocalRelation", "RDDScan")


def physical_plan(df: DataFrame) -> str:
    return str(df._jdf.queryExecution().executedPlan().toString())


def analyzed_plan(df: DataFrame) -> str:
    return str(df._jdf.queryExecution().analyzed().toString())


def uses_python_udf(df: DataFrame) -> bool:
    plans = physical_plan(df) + analyzed_plan(df)
    return any(node in plans for node in PYTHON_UDF_NODES)


def reads_the_file(df: DataFrame) -> bool:
    """The plan still starts at the CSV file, not at rows collected and sent back from Python."""
    plan = physical_plan(df)
    return "FileScan csv" in plan and not any(node in plan for node in DRIVER_DATA_NODES)


def jobs_during(spark: SparkSession, call: Callable[[], T]) -> tuple[T, int]:
    """The call's result, and how many Spark jobs it started."""
    context = spark.sparkContext
    group = f"probe-{next(_PROBES)}"
    context.setJobGroup(group, "hidden test probe")
    try:
        result = call()
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
    return result, len(context.statusTracker().getJobIdsForGroup(group))
