"""A rubric's ``services:``: what the catalogue offers, named errors at their lines, the settings
every step gets, and the local runner refusing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rubric_loader import GOOD, problems, write

from grader.checks.rubric import load_rubric
from grader.errors import InputError
from grader.rubric.model import Limits
from grader.rubric.services import CATALOGUE, Service, service_env
from grader.sandbox.local import LocalSandbox


def test_a_rubric_names_its_services_with_their_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD + "services:\n  - {kind: postgres, version: '15'}\n  - {kind: redis, memory: 64MiB}\n",
    )
    services = load_rubric(path).rubric.services
    assert [s.kind for s in services] == ["postgres", "redis"]
    assert services[0].memory_bytes == CATALOGUE["postgres"].memory
    assert services[1].memory_bytes == 64 * 1024 * 1024
    assert load_rubric(write(tmp_path, GOOD)).rubric.services == ()


def test_a_version_not_on_offer_is_refused_naming_the_one_that_is(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "services:\n  - {kind: postgres, version: '16'}\n")
    [message] = problems(path)
    assert message.startswith(f"{path}:6:5: services[0]")
    assert "postgres 16 is not offered: this grader runs postgres 15" in message


def test_an_unknown_service_and_a_service_named_twice_are_refused(tmp_path: Path) -> None:
    [unknown] = problems(write(tmp_path, GOOD + "services:\n  - {kind: mongodb}\n"))
    assert "services[0].kind: 'mongodb' is not one of postgres, redis, rabbitmq, s3" in unknown
    [twice] = problems(write(tmp_path, GOOD + "services:\n  - {kind: redis}\n  - {kind: redis}\n"))
    assert "a service may be named once: redis is named twice" in twice


def test_every_step_is_told_each_services_settings() -> None:
    env = service_env((Service(kind="postgres"), Service(kind="s3")))
    assert env["DATABASE_URL"] == "postgresql://grader:grader@127.0.0.1:5432/grader"
    assert env["S3_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert "REDIS_URL" not in env and "AMQP_URL" not in env
    assert service_env(()) == {}


def test_the_local_runner_refuses_services(tmp_path: Path) -> None:
    with (
        pytest.raises(InputError, match=r"sidecar services \(postgres\).*--sandbox docker"),
        LocalSandbox().open(tmp_path, Limits(), (Service(kind="postgres"),)),
    ):
        pytest.fail("opened without its service")
