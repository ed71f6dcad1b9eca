"""A heavier sandbox a rubric asks for (``image: spark``): Java and PySpark in local mode,
under the sandbox's own limits, named in the report; a missing variant image says how to
build it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_rubric_loader import GOOD, problems, write

from grader.checks.rubric import load_rubric
from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.sandbox.docker import connect, from_settings
from grader.sandbox.docker.extra_images import variant_tag
from grader.sandbox.protocol import Command
from grader.settings import Settings


def test_a_rubric_asks_for_a_variant_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    assert load_rubric(write(tmp_path, GOOD + "image: spark\n")).rubric.image == "spark"
    assert load_rubric(write(tmp_path, GOOD)).rubric.image is None
    [message] = problems(write(tmp_path, GOOD + "image: hadoop\n"))
    assert "image: 'hadoop' is not one of spark" in message


def test_a_variants_image_sits_beside_the_sandboxs() -> None:
    assert variant_tag("grader-sandbox:latest", "spark") == "grader-sandbox-spark:latest"
    assert variant_tag("grader-sandbox", "spark") == "grader-sandbox-spark"
    assert variant_tag("registry:5000/grader", "spark") == "registry:5000/grader-spark"


@pytest.mark.docker
def test_a_missing_variant_image_says_how_to_build_it(tmp_path: Path) -> None:
    sandbox = from_settings(Settings(sandbox_image="grader-sandbox-absent:none"))
    with (
        pytest.raises(SandboxError, match=r"grader sandbox build --variant spark"),
        sandbox.open(tmp_path, Limits(), (), "spark"),
    ):
        pytest.fail("opened without its image")


SPARK_JOB = """
import json, subprocess
from pyspark.sql import SparkSession
said = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
java = next(line for line in said if " version " in line).split('"')[1]
spark = SparkSession.builder.master("local[1]").appName("t").config("spark.ui.enabled", "false").getOrCreate()
frame = spark.createDataFrame([("a", 1), ("b", 2), ("a", 3)], ["key", "value"])
totals = {row["key"]: row["sum(value)"] for row in frame.groupBy("key").sum("value").collect()}
spark.stop()
print(json.dumps({"java": java.split(".")[0], "totals": totals}))
"""


@pytest.mark.docker
@pytest.mark.slow
def test_pyspark_runs_in_local_mode_inside_the_spark_sandbox(tmp_path: Path) -> None:
    client = connect()
    try:
        client.images.get(variant_tag(Settings().sandbox_image, "spark"))
    except Exception:
        pytest.fail("the spark variant is not built: grader sandbox build --variant spark")
    finally:
        client.close()
    limits = Limits(timeout=120, run_timeout=300, memory=3 * 1024**3, pids=1024)  # type: ignore[arg-type]
    with from_settings(Settings()).open(tmp_path, limits, (), "spark") as workspace:
        run = workspace.run(
            Command(("python", "-c", SPARK_JOB), timeout=120, runs_student_code=True)
        )
        assert run.exit_code == 0, run.stderr[-2000:]
        assert json.loads(run.stdout.strip().splitlines()[-1]) == {
            "java": "17",
            "totals": {"a": 4, "b": 2},
        }
        assert workspace.describe()["image"] == "grader-sandbox-spark:latest"
