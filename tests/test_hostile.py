"""Hostile submissions through `grader grade --sandbox docker` (real engine, real image).

For each attack in tests/fixtures/hostile/submissions: the verdict expected,
the tests that still pass, the run ending before its deadline, the other
criterion still graded, nothing left behind (containers, volumes, processes of
the sandbox's users), and a normal submission graded right after at full marks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
RUBRIC = HOSTILE / "rubric.yaml"
SECRET = "s3cret-token-that-must-not-leak"
LIMITS = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))["limits"]
SANDBOX_USERS = ("1000", "1001")
GRADE = (sys.executable, "-m", "grader", "grade", "--sandbox", "docker")
ALL = {"test_work_returns_the_answer", "test_double", "test_name"}
SOUND = {"test_double", "test_name"}


@dataclass(frozen=True)
class Expect:
    verdict: str
    passing: set[str]
    """Hidden tests that still pass: the attack spoils only its own test where it can."""
    summary: str = ""
    """Words the criterion's summary must contain."""


CASES = {
    "fork_bomb": Expect("process limit", set(), "more than 64 processes"),
    "memory_bomb": Expect("memory limit", SOUND, "ran out of memory"),
    "infinite_loop": Expect("timeout", SOUND, "ran past the 3 s limit"),
    "sleep_forever": Expect("timeout", set(), "ran out of time"),
    "output_flood": Expect("output truncated", SOUND, "output was cut"),
    "disk_fill": Expect("disk full", SOUND, "filled the writable space"),
    "many_files": Expect("disk full", SOUND, "filled the writable space"),
    "network_probe": Expect("failed", SOUND),
    "read_hidden_tests": Expect("failed", SOUND),
    "print_environment": Expect("failed", SOUND),
    "tampering_conftest": Expect("failed", set()),
    "forged_results": Expect("failed", set(), "cannot be trusted"),
    "exit_at_import": Expect("failed", set(), "without a report"),
    "ignore_sigterm": Expect("timeout", set(), "ran out of time"),
    "orphan_daemon": Expect("passed", ALL),
    "deep_recursion": Expect("crashed (signal 11)", set(), "crashed (signal 11)"),
    "kill_supervisor": Expect("crashed (signal 9)", set(), "killed the sandbox's supervisor"),
    "startup_hooks": Expect("failed", set()),
    "student_config": Expect("failed", set()),
}


def grade(
    submission: Path,
    *extra: str,
    rubric: Path = RUBRIC,
    fmt: str = "json",
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`grader grade` as a subprocess, with secrets in its environment that must stay out
    (and the ``GRADER_*`` ``settings`` given)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "GITHUB_TOKEN": SECRET,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        **(settings or {}),
    }
    if "DOCKER_HOST" in os.environ:
        env["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    return subprocess.run(
        [*GRADE, str(submission), "--rubric", str(rubric), "--format", fmt, *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def report_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _lines(*argv: str) -> list[str]:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return [line for line in done.stdout.splitlines() if line.strip()]


def leftovers() -> list[str]:
    """Sandbox containers, volumes and processes of the sandbox's users still on this machine."""
    label = "label=grader.sandbox"
    return (
        [f"container {c}" for c in _lines("docker", "ps", "-aq", "--filter", label)]
        + [f"volume {v}" for v in _lines("docker", "volume", "ls", "-q", "--filter", label)]
        + [
            f"process {p}"
            for p in _lines("ps", "-o", "pid=,user=,args=", "-u", ",".join(SANDBOX_USERS))
        ]
    )


@pytest.fixture(scope="module", autouse=True)
def _engine() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "sandbox", "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"the Docker sandbox is not ready (make sandbox): {done.stderr}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission(name: str) -> None:
    """The attack gets its verdict, in time, spoils nothing else, and leaves nothing behind."""
    expect = CASES[name]
    done = grade(HOSTILE / "submissions" / name, "--show-hidden")
    report = report_of(done)
    correctness, style = report["criteria"]
    passing = {
        test["name"].rsplit("::", 1)[-1]
        for test in correctness["tests"]
        if test["outcome"] == "passed"
    }
    assert (correctness["verdict"], passing) == (expect.verdict, expect.passing), correctness[
        "summary"
    ]
    assert expect.summary in correctness["summary"]
    # Not a speed measure: the guard against a sandbox that lets the attack run on. Every step
    # has its own limit; the run as a whole cannot outlast its deadline, whatever the host's load
    # (a busy CI host once took 10.2 s of wall time, interpreter start included, for an 8 s step).
    assert report["duration"] < LIMITS["run_timeout"], f"took {report['duration']:.1f} s"
    assert style["status"] == "graded"
    assert report["sandbox"]["kind"] == "docker" and report["sandbox"]["image_digest"].startswith(
        "sha256:"
    )
    assert SECRET not in done.stdout + done.stderr
    assert leftovers() == []
    after = report_of(grade(HOSTILE / "submissions" / "good"))
    assert after["score"] == after["max_score"] == 40


def test_the_attacks_are_real() -> None:
    """Evidence the attacks ran: the network probe saw only loopback, the environment was printed,
    the hidden tests were read, and the daemon started."""
    probe = report_of(grade(HOSTILE / "submissions" / "network_probe", "--show-hidden"))
    assert "no network: lo" in json.dumps(probe)
    environment = report_of(grade(HOSTILE / "submissions" / "print_environment", "--show-hidden"))
    printed = json.dumps(environment)
    assert "PATH" in printed and "HOSTNAME" not in printed and "GITHUB" not in printed
    stolen = report_of(grade(HOSTILE / "submissions" / "read_hidden_tests", "--show-hidden"))
    assert "def test_double" in json.dumps(stolen)


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_hidden_tests_never_reach_the_student(fmt: str) -> None:
    """The submission reads the hidden tests and prints them; student-facing output never has them."""
    done = grade(HOSTILE / "submissions" / "read_hidden_tests", fmt=fmt)
    assert done.returncode == 0, done.stderr
    assert "def test_" not in done.stdout and "solution.double(21)" not in done.stdout
    assert "hidden test 1" in done.stdout


def test_the_run_deadline_stops_everything(tmp_path: Path) -> None:
    """A rubric whose steps may take 30 s but the run only 6: the container is killed at 6 s."""
    rubric = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    rubric["limits"].update(timeout=30, run_timeout=6)
    (tmp_path / "rubric.yaml").write_text(yaml.safe_dump(rubric), encoding="utf-8")
    # A copy: a rubric's paths may not lead out of its folder, through a link either.
    shutil.copytree(HOSTILE / "tests", tmp_path / "tests")
    done = grade(HOSTILE / "submissions" / "sleep_forever", rubric=tmp_path / "rubric.yaml")
    report = report_of(done)
    assert report["criteria"][0]["verdict"] == "timeout"
    # The deadline (6 s) cut a step allowed 30 s: well under 30 s, whatever the host's load.
    assert report["duration"] < 10, f"took {report['duration']:.1f} s"
    assert leftovers() == []


def _rubric_with(tmp_path: Path, *criteria: dict[str, Any]) -> Path:
    """The hostile rubric with ``criteria`` after its own, beside the hidden tests."""
    rubric = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    rubric["criteria"] += list(criteria)
    (tmp_path / "rubric.yaml").write_text(yaml.safe_dump(rubric), encoding="utf-8")
    shutil.copytree(HOSTILE / "tests", tmp_path / "tests")
    return tmp_path / "rubric.yaml"


def test_a_fork_bomb_at_import_spoils_no_tool_beside_it(tmp_path: Path) -> None:
    """Importing the submission forks until the pids limit is full while grading tools run
    beside the tests (two workers): the tests get `process limit`, every tool still grades,
    and the CLI exits 0, not 3."""
    rubric = _rubric_with(
        tmp_path,
        {"id": "types", "kind": "types", "points": 10},
        {"id": "security", "kind": "security", "points": 10},
        {"id": "errors", "kind": "lint", "points": 10, "select": ["E"]},
        {"id": "complexity", "kind": "complexity", "points": 10},
    )
    done = grade(
        HOSTILE / "submissions" / "fork_at_import",
        rubric=rubric,
        settings={"GRADER_WORKERS": "2"},
    )
    report = report_of(done)
    correctness, *tools = report["criteria"]
    assert correctness["verdict"] == "process limit", correctness["summary"]
    assert "more than 64 processes" in correctness["summary"]
    assert [(tool["id"], tool["status"]) for tool in tools] == [
        (tool["id"], "graded") for tool in tools
    ], [tool["summary"] for tool in tools]
    assert leftovers() == []


def test_code_that_hangs_at_import_costs_one_timeout(tmp_path: Path) -> None:
    """A module that never finishes importing: the first step that imports it runs out of time,
    the next is not run but scored 0 at once with the reason, and the lint is still graded."""
    rubric = _rubric_with(
        tmp_path,
        {"id": "again", "kind": "tests", "points": 10, "tests": "tests/", "visibility": "hidden"},
    )
    done = grade(HOSTILE / "submissions" / "hang_at_import", rubric=rubric)
    report = report_of(done)
    first, style, again = report["criteria"]
    assert first["verdict"] == again["verdict"] == "timeout", (first["summary"], again["summary"])
    waited, skipped = sorted((first, again), key=lambda result: "not run" in result["summary"])
    assert "ran out of time" in waited["summary"]
    assert "not run: importing your code did not finish within 8 s" in skipped["summary"]
    assert skipped["score"] == 0 and style["status"] == "graded"
    # Two steps of 8 s each would take 16 s at least; one is the whole cost.
    assert report["duration"] < 2 * LIMITS["timeout"], f"took {report['duration']:.1f} s"
    assert leftovers() == []
