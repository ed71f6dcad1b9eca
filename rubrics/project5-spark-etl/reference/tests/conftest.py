"""One Spark session for the whole test run: starting one takes seconds."""

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

# isort: split
from spark_etl import build_session


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = build_session()
    yield session
    session.stop()
