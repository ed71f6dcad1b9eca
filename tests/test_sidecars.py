"""Sidecar services with the real engine: a fresh PostgreSQL and Redis per grading, ready before
the first step, reachable from their own sandbox only, with no route out, hardened like the
sandbox, and gone whatever happens (success, failure, the run's deadline, a killed grader).
A sidecar that stops mid-grade is the platform's failure, never the student's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from support import ROOT
from test_sandbox_docker import CAPS, LIMITS

from grader.errors import PlatformError, SandboxError
from grader.rubric.services import Service, service_env
from grader.sandbox.docker import OWNER_LABEL, DockerSandbox, DockerWorkspace, connect, reap
from grader.sandbox.docker import sidecars as sidecar_module
from grader.sandbox.docker.sidecars import SIDECAR_LABEL
from grader.sandbox.protocol import Command
from grader.settings import Settings

pytestmark = pytest.mark.docker

POSTGRES = Service(kind="postgres")
REDIS = Service(kind="redis")


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    engine = connect()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def sandbox(client: docker.DockerClient) -> DockerSandbox:
    return DockerSandbox(client, Settings().sandbox_image, CAPS)


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "etl.py").write_text("X = 1\n")
    return folder


def student(workspace: DockerWorkspace, code: str) -> object:
    run = workspace.run(Command(("python", "-c", code), timeout=30, runs_student_code=True))
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def sidecars_of(
    client: docker.DockerClient, workspace: DockerWorkspace
) -> list[docker.models.containers.Container]:
    mode = f"container:{workspace._cid}"
    return [
        c
        for c in client.containers.list(all=True, filters={"label": SIDECAR_LABEL})
        if c.attrs["HostConfig"]["NetworkMode"] == mode
    ]


USE_BOTH = """
import json, os, psycopg, redis
with psycopg.connect(os.environ["DATABASE_URL"]) as db:
    db.execute("CREATE TABLE rows (id int PRIMARY KEY, name text)")
    db.execute("INSERT INTO rows VALUES (1, 'a'), (2, 'b')")
    count = db.execute("SELECT count(*) FROM rows").fetchone()[0]
    superuser = db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
r = redis.Redis.from_url(os.environ["REDIS_URL"])
r.rpush("queue", "job-1", "job-2")
print(json.dumps({"rows": count, "superuser": superuser, "queue": r.llen("queue")}))
"""

READ_BACK = """
import json, os, psycopg, redis
with psycopg.connect(os.environ["DATABASE_URL"]) as db:
    names = [row[0] for row in db.execute("SELECT name FROM rows ORDER BY id")]
print(json.dumps({"names": names, "queue": redis.Redis.from_url(os.environ["REDIS_URL"]).lrange("queue", 0, -1) == [b"job-1", b"job-2"]}))
"""


@pytest.mark.slow
def test_a_grading_gets_ready_services_and_a_later_step_reads_their_state(
    sandbox: DockerSandbox, submission: Path
) -> None:
    """The student's step writes a table and a queue through the URLs it is handed; a later
    step (a hidden test) reads them back. The student's role is not a superuser."""
    with sandbox.open(submission, LIMITS, (POSTGRES, REDIS)) as workspace:
        assert student(workspace, USE_BOTH) == {"rows": 2, "superuser": False, "queue": 2}
        assert student(workspace, READ_BACK) == {"names": ["a", "b"], "queue": True}
        assert workspace.describe()["services"] == "postgres 15, redis 7.0"  # named in the report
        env = student(
            workspace,
            "import json, os; print(json.dumps({k: os.environ.get(k) for k in ('DATABASE_URL', 'REDIS_URL')}))",
        )
        assert env == {k: service_env((POSTGRES, REDIS))[k] for k in ("DATABASE_URL", "REDIS_URL")}


BROKER_AND_BUCKET = """
import json, os, boto3, pika
connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
channel = connection.channel()
channel.queue_declare("events", durable=True)
channel.basic_publish("", "events", b'{"id": 1}', pika.BasicProperties(delivery_mode=2))
_, _, body = channel.basic_get("events", auto_ack=True)
connection.close()
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"])
s3.create_bucket(Bucket="lake")
s3.put_object(Bucket="lake", Key="events/date=2026-12-06/part-0.jsonl", Body=body)
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]]
print(json.dumps({"message": body.decode(), "keys": keys}))
"""


@pytest.mark.slow
def test_a_broker_and_an_object_store_beside_the_sandbox(
    sandbox: DockerSandbox, submission: Path
) -> None:
    """RabbitMQ through pika and the S3 server through boto3, with the settings handed in."""
    with sandbox.open(
        submission, LIMITS, (Service(kind="rabbitmq"), Service(kind="s3"))
    ) as workspace:
        assert student(workspace, BROKER_AND_BUCKET) == {
            "message": '{"id": 1}',
            "keys": ["events/date=2026-12-06/part-0.jsonl"],
        }


@pytest.mark.slow
def test_two_gradings_at_once_cannot_see_each_others_database(
    sandbox: DockerSandbox, submission: Path
) -> None:
    with (
        sandbox.open(submission, LIMITS, (POSTGRES,)) as one,
        sandbox.open(submission, LIMITS, (POSTGRES,)) as two,
    ):
        create = "import json, os, psycopg; c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); c.execute('CREATE TABLE mine (x int)'); print(json.dumps(True))"
        look = "import json, os, psycopg; c = psycopg.connect(os.environ['DATABASE_URL']); print(json.dumps(c.execute(\"SELECT to_regclass('mine') IS NOT NULL\").fetchone()[0]))"
        assert student(one, create) is True
        assert student(two, look) is False
        assert student(one, look) is True


def test_the_services_share_the_sandbox_loopback_and_nothing_else(
    sandbox: DockerSandbox, client: docker.DockerClient, submission: Path
) -> None:
    """No interface but ``lo``, no route: a sidecar joins the sandbox's network namespace;
    each is locked down like the sandbox."""
    with sandbox.open(submission, LIMITS, (REDIS,)) as workspace:
        seen = student(
            workspace,
            "import json, socket; print(json.dumps([socket.if_nameindex(), open('/proc/net/route').read().splitlines()[1:]]))",
        )
        assert seen == [[[1, "lo"]], []]
        [sidecar] = sidecars_of(client, workspace)
        host = sidecar.attrs["HostConfig"]
        assert host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"] is True
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert host["Memory"] == REDIS.memory_bytes == host["MemorySwap"]
        assert host["PidsLimit"] == 64
        assert sidecar.attrs["Config"]["User"] not in ("", "root", "0")
        assert sidecar.attrs["Config"]["Env"] is None or not any(
            var.startswith(("GITHUB_", "GRADER_")) for var in sidecar.attrs["Config"]["Env"]
        )


def test_the_sidecars_go_with_the_sandbox_on_success_and_on_failure(
    sandbox: DockerSandbox, client: docker.DockerClient, submission: Path
) -> None:
    with sandbox.open(submission, LIMITS, (REDIS,)) as workspace:
        assert len(sidecars_of(client, workspace)) == 1
    assert sidecars_of(client, workspace) == []
    with pytest.raises(RuntimeError), sandbox.open(submission, LIMITS, (REDIS,)) as failing:
        raise RuntimeError("a check crashed")
    assert sidecars_of(client, failing) == []


def test_a_sidecar_that_stops_mid_grade_is_the_platforms_failure(
    sandbox: DockerSandbox, client: docker.DockerClient, submission: Path
) -> None:
    with (
        pytest.raises(
            SandboxError, match=r"stopped during the grading: redis \(exit 137\)"
        ) as raised,
        sandbox.open(submission, LIMITS, (REDIS,)) as workspace,
    ):
        [sidecar] = sidecars_of(client, workspace)
        sidecar.kill()
    assert isinstance(raised.value, PlatformError)  # retried, never charged to the student
    assert sidecars_of(client, workspace) == []


def test_the_run_deadline_takes_the_sidecars_too(
    sandbox: DockerSandbox, client: docker.DockerClient, submission: Path
) -> None:
    short = LIMITS.model_copy(update={"run_timeout": 3})
    with sandbox.open(submission, short, (REDIS,)) as workspace:
        run = workspace.run(
            Command(
                ("python", "-c", "import time; time.sleep(30)"), timeout=20, runs_student_code=True
            )
        )
        assert run.deadline_passed
    assert sidecars_of(client, workspace) == []


def test_a_sidecar_that_never_answers_fails_the_start_and_leaves_nothing(
    sandbox: DockerSandbox,
    client: docker.DockerClient,
    submission: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sidecar_module, "READY_SECONDS", 0.0)
    before = {c.id for c in client.containers.list(all=True, filters={"label": SIDECAR_LABEL})}
    with (
        pytest.raises(SandboxError, match="redis sidecar did not answer"),
        sandbox.open(submission, LIMITS, (REDIS,)),
    ):
        pytest.fail("the sandbox opened without its service")
    after = {c.id for c in client.containers.list(all=True, filters={"label": SIDECAR_LABEL})}
    assert after <= before


def test_a_missing_service_image_says_how_to_build_it(
    sandbox: DockerSandbox, submission: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = sidecar_module.RECIPES["redis"]
    missing = {
        **sidecar_module.RECIPES,
        "redis": type(recipe)(**{**recipe.__dict__, "image": "grader-service-nothing:none"}),
    }
    monkeypatch.setattr(sidecar_module, "RECIPES", missing)
    with (
        pytest.raises(SandboxError, match=r"grader sandbox build --service redis"),
        sandbox.open(submission, LIMITS, (REDIS,)),
    ):
        pytest.fail("opened without the image")


KILLED_GRADER = f"""
import os, socket, sys, tempfile, time
from pathlib import Path
from grader.rubric.model import Limits
from grader.rubric.services import Service
from grader.sandbox.docker import from_settings
from grader.settings import Settings

folder = Path(tempfile.mkdtemp())
(folder / "a.py").write_text("X = 1")
limits = Limits(**{LIMITS.model_dump(mode="json")!r})
with from_settings(Settings()).open(folder, limits, (Service(kind="redis"),)):
    print(f"{{socket.gethostname()}}:{{os.getpid()}}", flush=True)
    time.sleep(600)
"""


def test_a_killed_graders_sidecars_are_reaped(client: docker.DockerClient) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_GRADER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as grader:
        try:
            assert grader.stdout is not None
            owner = grader.stdout.readline().strip()
            assert owner.endswith(f":{grader.pid}")
        finally:
            grader.kill()
    theirs: dict[str, str | list[str] | bool] = {"label": [SIDECAR_LABEL, f"{OWNER_LABEL}={owner}"]}
    assert client.containers.list(all=True, filters=theirs)
    reap(client)
    assert not client.containers.list(all=True, filters=theirs)
