"""The Docker sandbox against the real engine: the container's hardening, the workspace
operations, the reaper, the engine check, and the image build (from the Debian base here)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from support import ROOT, WEEK01, by_id, grade
from test_pipeline import LENIENT_CONFIGS

from grader.checks.rubric import LoadedRubric
from grader.checks.typecheck import TypesCriterion, cache_name, types_command
from grader.errors import SandboxError
from grader.rubric.model import Limits
from grader.sandbox.docker import (
    DEADLINE_LABEL,
    LABEL,
    OWNER_LABEL,
    DockerSandbox,
    DockerWorkspace,
    SandboxCaps,
    connect,
    reap,
)
from grader.sandbox.docker.image import (
    DEBIAN_BASE_TAG,
    HARNESS,
    INPUTS_LABEL,
    SANDBOX_SOURCE,
    build_image,
    find_built,
    inputs_digest,
)
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import Command
from grader.sandbox.staging import put_files
from grader.settings import Settings

CAPS = SandboxCaps(memory=2 * 1024**3, cpus=2, pids=512, timeout=600, run_timeout=900, disk=1024**3)
LIMITS = Limits(timeout=20, run_timeout=120, memory=256 * 1024**2, pids=64, disk=16 * 1024**2)  # type: ignore[arg-type]


def test_caps_lower_what_a_rubric_asks_beyond_them() -> None:
    """A rubric may tighten or loosen its limits, within the operator's caps."""
    small = SandboxCaps(memory=512, cpus=0.5, pids=20, timeout=5, run_timeout=10, disk=1024)
    clamped = small.clamp(Limits())
    assert (clamped.memory, clamped.cpus, clamped.pids, clamped.timeout) == (512, 0.5, 20, 5)
    assert (clamped.run_timeout, clamped.disk) == (10, 1024)
    assert CAPS.clamp(LIMITS) == LIMITS


def test_the_baked_mypy_caches_match_the_flags_the_grader_uses() -> None:
    """The image's mypy caches are only useful if made with the grader's exact flags."""
    from grader.harness import warm_mypy

    for name, extra in warm_mypy.VARIANTS.items():
        criterion = TypesCriterion(
            id="t",
            kind="types",
            points=1,
            strict="--strict" in extra,
            ignore_missing_imports="--ignore-missing-imports" in extra,
        )
        assert cache_name(criterion) == name
        argv = types_command(criterion, ["a.py"], "CACHE")
        flags = [word for word in argv[argv.index("json") + 1 :] if word not in ("--", "a.py")]
        flags.remove("--cache-dir")
        flags.remove("CACHE")
        assert flags == [*warm_mypy.COMMON, *extra], name


def test_inputs_digest_follows_every_input(tmp_path: Path) -> None:
    """Any change to the Dockerfile, the lock, a helper or the base makes a new image."""
    source, harness = tmp_path / "python", tmp_path / "harness"
    shutil.copytree(SANDBOX_SOURCE, source)
    shutil.copytree(HARNESS, harness)
    first = inputs_digest(source, "sha256:base", harness)
    assert inputs_digest(source, "sha256:base", harness) == first
    assert inputs_digest(source, "sha256:other", harness) != first
    (harness / "probe.py").write_text((harness / "probe.py").read_text() + "\n# changed\n")
    assert inputs_digest(source, "sha256:base", harness) != first


# docker-py's unix-socket adapter does not close its socket when connect() fails; the
# leak is collected here, inside the test, so it is not reported against a later one.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_no_engine_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an engine, the grader says so and how to start one."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxError, match=r"no Docker engine answers .*make engine"):
        connect(timeout=5)
    gc.collect()
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(WEEK01 / "reference"), "-r", str(WEEK01)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 3
    assert "no Docker engine answers" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    engine = connect()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def docker_sandbox(client: docker.DockerClient) -> DockerSandbox:
    return DockerSandbox(client, Settings().sandbox_image, CAPS)


@pytest.fixture
def workspace(docker_sandbox: DockerSandbox, tmp_path: Path) -> Iterator[DockerWorkspace]:
    submission = tmp_path / "submission"
    (submission / "pkg").mkdir(parents=True)
    (submission / "main.py").write_text("print('hello')\n")
    (submission / "pkg" / "mod.py").write_text("X = 1\n")
    (submission / "link.py").symlink_to("/etc/passwd")
    with docker_sandbox.open(submission, LIMITS) as opened:
        yield opened


def _student(workspace: DockerWorkspace, code: str) -> dict[str, object]:
    run = workspace.run(Command(("python", "-c", code), timeout=20, runs_student_code=True))
    assert run.exit_code == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout)
    return result


PROBE_CONTAINER = """
import json, os, socket
from pathlib import Path
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
def writable(path):
    try:
        Path(path, "probe").write_text("x")
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(), "cap_eff": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "root": writable("/"), "opt": writable("/opt/sandbox"), "submission": writable("/work/submission"),
    "grader": writable("/work/grader"), "tmp": writable("/tmp"),
    "env": sorted(os.environ), "files": sorted(p.name for p in Path(".").iterdir()),
}))
"""


@pytest.mark.docker
@pytest.mark.slow
def test_the_container_is_locked_down(workspace: DockerWorkspace) -> None:
    """Non-root, no capabilities, no-new-privileges, only loopback, read-only except /tmp,
    the submission read-only to its own code, no host environment, no links copied in."""
    seen = _student(workspace, PROBE_CONTAINER)
    assert seen["uid"] == 1000
    assert seen["cap_eff"] == "0000000000000000" and seen["no_new_privs"] == "1"
    assert seen["interfaces"] == ["lo"]
    assert (seen["root"], seen["opt"], seen["submission"], seen["grader"], seen["tmp"]) == (
        False,
        False,
        False,
        False,
        True,
    )
    assert set(seen["env"]) <= {  # type: ignore[arg-type]
        "PATH", "HOME", "TMPDIR", "LANG", "PYTHONUTF8", "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LC_CTYPE",
    }  # fmt: skip
    assert seen["files"] == ["main.py", "pkg"]
    description = workspace.describe()
    assert description["kind"] == "docker" and description["image_digest"].startswith("sha256:")


@pytest.mark.docker
@pytest.mark.slow
def test_results_come_out_capped_and_never_through_links(workspace: DockerWorkspace) -> None:
    """read_bytes gives a regular file's bytes, and None for a link, a folder, a missing file or one too big."""
    code = (
        "import os; open('/work/out/r.txt','w').write('result'); open('/work/out/big','wb').write(b'x'*5000);"
        "os.symlink('/etc/passwd','/work/out/link'); os.mkdir('/work/out/dir')"
    )
    run = workspace.run(
        Command(
            ("python", "-c", code),
            timeout=20,
            runs_student_code=True,
            outputs=("out/r.txt", "out/big", "out/link", "out/dir"),
        )
    )
    assert run.exit_code == 0, run.stderr
    assert workspace.read_bytes("out/r.txt", 100) == b"result"
    assert workspace.read_bytes("out/big", 4999) is None
    assert workspace.read_bytes("out/big", 5000) == b"x" * 5000
    assert workspace.read_bytes("out/link", 10_000) is None
    assert workspace.read_bytes("out/dir", 10_000) is None
    assert workspace.read_bytes("out/missing", 10) is None
    with pytest.raises(SandboxError, match="leaves the workspace"):
        workspace.read_bytes("../etc/passwd", 10_000)


@pytest.mark.docker
@pytest.mark.slow
def test_nothing_a_student_step_leaves_reaches_the_next(workspace: DockerWorkspace) -> None:
    """Files in /tmp and out/ (but the step's declared outputs) and background processes are gone."""
    leave = (
        "import os, subprocess; open('/tmp/stash','w').write('s'); open('/work/out/stash','w').write('s');"
        "open('/work/out/kept','w').write('k'); subprocess.Popen(['sleep', '600'], start_new_session=True)"
    )
    first = workspace.run(
        Command(("python", "-c", leave), timeout=20, runs_student_code=True, outputs=("out/kept",))
    )
    assert first.exit_code == 0, first.stderr
    look = (
        "import json, os; print(json.dumps([os.path.exists(p) for p in ('/tmp/stash','/work/out/stash','/work/out/kept')]"
        " + [any(open('/proc/'+p+'/cmdline','rb').read().startswith(b'sleep')  for p in os.listdir('/proc') if p.isdigit())]))"
    )
    second = workspace.run(Command(("python", "-c", look), timeout=20, runs_student_code=True))
    assert json.loads(second.stdout) == [False, False, True, False]


@pytest.mark.docker
@pytest.mark.slow
def test_workspace_files_and_the_mypy_cache(workspace: DockerWorkspace, tmp_path: Path) -> None:
    """write_text/add_tree/remove act in the workspace; the baked mypy cache is copied in."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(): pass\n")
    workspace.write_text("grader/conf/x.ini", "[x]\n")
    workspace.add_tree(tmp_path / "tests", "grader/tests-a")
    listing = "import os, json; print(json.dumps(sorted(os.listdir('/work/grader/tests-a')) + [open('/work/grader/conf/x.ini').read()]))"
    assert _student(workspace, listing) == ["test_a.py", "[x]\n"]  # type: ignore[comparison-overlap]
    workspace.remove("grader/tests-a")
    gone = "import os, json; print(json.dumps(os.path.exists('/work/grader/tests-a')))"
    assert _student(workspace, gone) is False  # type: ignore[comparison-overlap]
    cache = workspace.cache_dir("mypy-strict")
    assert cache == "/cache/mypy-strict"
    count = workspace.run(
        Command(
            (
                "python",
                "-c",
                f"import os; print(sum(os.path.getsize(os.path.join(d, n)) for d, _, f in os.walk('{cache}') for n in f))",
            ),
            timeout=20,
        )
    )
    assert int(count.stdout) > 10 * 1024**2, count.stderr


@pytest.mark.docker
def test_put_files_is_one_copy_into_the_container(
    workspace: DockerWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A benchmark's reference, inputs, runner and spec go in one round trip; links stay out."""
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "solution.py").write_text("ANSWER = 1\n")
    (tmp_path / "ref" / "escape").symlink_to("/etc/hostname")
    (tmp_path / "bench.py").write_text("N = 1\n")
    copies: list[object] = []
    real = workspace._api.put_archive
    monkeypatch.setattr(
        workspace._api, "put_archive", lambda *a, **k: copies.append(a) or real(*a, **k)
    )
    put_files(
        workspace,
        [
            ("grader/b/reference", tmp_path / "ref"),
            ("grader/b/rubric/bench.py", tmp_path / "bench.py"),
            ("grader/b/spec.json", "{}"),
        ],
    )
    assert len(copies) == 1
    listing = "import os, json; print(json.dumps({d: sorted(f) for d, _, f in os.walk('/work/grader/b')}))"
    assert _student(workspace, listing) == {
        "/work/grader/b": ["spec.json"],
        "/work/grader/b/reference": ["solution.py"],
        "/work/grader/b/rubric": ["bench.py"],
    }


@pytest.mark.docker
@pytest.mark.slow
def test_the_reaper_removes_only_what_outlived_its_deadline(client: docker.DockerClient) -> None:
    """A crashed grader's container (deadline long past, or its process gone) goes; a live run's stays."""
    image = Settings().sandbox_image
    now = time.time()
    stale = client.containers.create(
        image, labels={LABEL: "1", DEADLINE_LABEL: f"{now - 3600:.0f}"}, network_mode="none"
    )
    live = client.containers.create(
        image,
        labels={
            LABEL: "1",
            DEADLINE_LABEL: f"{now + 3600:.0f}",
            OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}",
        },
        network_mode="none",
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = client.containers.create(
        image,
        labels={
            LABEL: "1",
            DEADLINE_LABEL: f"{now + 3600:.0f}",
            OWNER_LABEL: f"{socket.gethostname()}:{gone.pid}",
        },
        network_mode="none",
    )
    try:
        assert reap(client, now) >= 2
        remaining = {c.id for c in client.containers.list(all=True, filters={"label": LABEL})}
        assert stale.id not in remaining and orphan.id not in remaining and live.id in remaining
    finally:
        for container in (stale, live, orphan):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


@pytest.mark.docker
@pytest.mark.slow
def test_docker_and_local_agree_and_student_config_changes_nothing(
    week01: LoadedRubric, docker_sandbox: DockerSandbox, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """The sloppy sample scores the same in both sandboxes, and the same again with lenient config files."""
    plain = grade(sample("samples/sloppy"), week01, docker_sandbox)
    assert by_id(plain) == by_id(grade(sample("samples/sloppy"), week01, sandbox))
    tampered = sample("samples/sloppy")
    for name, text in LENIENT_CONFIGS.items():
        (tampered / name).write_text(text, encoding="utf-8")
    assert by_id(grade(tampered, week01, docker_sandbox)) == by_id(plain)


@pytest.mark.docker
@pytest.mark.slow
def test_the_image_builds_from_the_debian_base_and_rebuilds_as_a_no_op(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    """A changed input builds a new image on the local Debian base, offline; the same inputs again do nothing."""
    source = tmp_path / "python"
    shutil.copytree(SANDBOX_SOURCE, source)
    with (source / "Dockerfile").open("a") as dockerfile:
        dockerfile.write(f"\n# test build {time.time()}\n")
    tag = f"grader-sandbox-test:{int(time.time())}"
    settings = Settings()
    try:
        built = build_image(
            client, tag=tag, base="debian", cache_dir=settings.cache_dir,
            mirror=settings.debian_mirror, progress=lambda _line: None, source=source,
        )  # fmt: skip
        assert not built.reused and built.base == DEBIAN_BASE_TAG
        image = client.images.get(tag)
        assert image.labels["grader.base"] == DEBIAN_BASE_TAG
        assert find_built(client, tag, image.labels[INPUTS_LABEL]) is not None
        version = client.containers.run(
            tag, ["python", "-c", "import sys, pytest; print(sys.version_info[:2], pytest.__version__)"],
            remove=True, network_mode="none",
        )  # fmt: skip
        assert version.decode().strip() == "(3, 11) 9.2.0"
        again = build_image(
            client, tag=tag, base="debian", cache_dir=settings.cache_dir,
            mirror=settings.debian_mirror, progress=lambda _line: None, source=source,
        )  # fmt: skip
        assert again.reused and again.image_id == built.image_id
    finally:
        client.images.remove(tag, force=True)
