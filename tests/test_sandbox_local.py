"""The local sandbox: scratch copies, limits, timeouts and clean-up (trusted code only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.rubric.model import Limits
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import OUTPUT_LIMIT, Command
from grader.sandbox.staging import put_files

LIMITS = Limits(timeout=5, memory=256 * 1024 * 1024)


def python(code: str, timeout: float = 5, *, student: bool = True) -> Command:
    return Command(argv=("python", "-c", code), timeout=timeout, runs_student_code=student)


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "records.py").write_text("VALUE = 42\n", encoding="utf-8")
    return folder


def test_steps_run_in_a_copy_and_cannot_change_the_original(submission: Path) -> None:
    """The student's folder is copied; writes land in the copy, which is removed afterwards."""
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(
            python(
                "import records, pathlib; print(records.VALUE); pathlib.Path('records.py').write_text('x')"
            )
        )
        root = workspace.root
    assert (run.exit_code, run.stdout.strip()) == (0, "42")
    assert (submission / "records.py").read_text(encoding="utf-8") == "VALUE = 42\n"
    assert not root.exists()


def test_the_host_environment_does_not_leak_in(
    submission: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret in the grader's environment is not visible to the student's code."""
    monkeypatch.setenv("GITHUB_TOKEN", "s3cret")
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(python("import os; print(os.environ.get('GITHUB_TOKEN'))"))
    assert run.stdout.strip() == "None"


def test_a_step_that_runs_too_long_is_killed_with_its_children(submission: Path) -> None:
    """A timeout kills the whole process group and is reported as such."""
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); print('started', flush=True); time.sleep(60)"
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(python(code, timeout=1))
    assert run.timed_out
    assert run.exit_code is None
    assert "started" in run.stdout
    assert run.duration < 10


def test_the_memory_limit_applies_to_student_code(submission: Path) -> None:
    """Allocating past the rubric's memory fails inside the step, not on the host."""
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(python("x = bytearray(512 * 1024 * 1024)"))
    assert run.exit_code == 1
    assert "MemoryError" in run.stderr


def test_output_is_capped_and_the_cut_is_reported(submission: Path) -> None:
    """Output beyond the cap is dropped and flagged, never held in memory whole."""
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(python(f"import sys; sys.stdout.write('x' * {OUTPUT_LIMIT * 2})"))
    assert run.output_truncated
    assert len(run.stdout) == OUTPUT_LIMIT


def test_a_crash_by_signal_is_reported(submission: Path) -> None:
    """A step killed by a signal reports the signal number."""
    with LocalSandbox().open(submission, LIMITS) as workspace:
        run = workspace.run(python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"))
    assert run.signal == 11
    assert run.exit_code is None


def test_result_files_are_read_capped_and_links_refused(submission: Path, tmp_path: Path) -> None:
    """A result file that is a symlink or too large is not read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret", encoding="utf-8")
    with LocalSandbox().open(submission, LIMITS) as workspace:
        workspace.write_text("out/result.txt", "ok")
        (workspace.root / "out" / "link.txt").symlink_to(secret)
        assert workspace.read_bytes("out/result.txt", 10) == b"ok"
        assert workspace.read_bytes("out/result.txt", 1) is None
        assert workspace.read_bytes("out/link.txt", 100) is None
        assert workspace.read_bytes("out/missing.txt", 100) is None


def test_read_only_leftovers_are_still_removed(submission: Path) -> None:
    """Student code that makes its folders read-only cannot leave the workspace behind."""
    with LocalSandbox().open(submission, LIMITS) as workspace:
        workspace.run(
            python(
                "import os; os.makedirs('a/b'); open('a/b/f', 'w').close(); os.chmod('a/b', 0o500); os.chmod('a', 0o500)"
            )
        )
        root = workspace.root
    assert not root.exists()


def test_paths_outside_the_workspace_are_refused(submission: Path) -> None:
    """Copying or writing outside the workspace is a sandbox error."""
    from grader.errors import SandboxError

    with LocalSandbox().open(submission, LIMITS) as workspace, pytest.raises(SandboxError):
        workspace.write_text("../escape.txt", "x")


def test_put_files_writes_text_files_and_folders_in_one_go(
    submission: Path, tmp_path: Path
) -> None:
    """``put_files``: every entry lands where named."""
    source = tmp_path / "ref"
    source.mkdir()
    (source / "solution.py").write_text("ANSWER = 1\n", encoding="utf-8")
    single = tmp_path / "bench.py"
    single.write_text("def make_input(n): return n\n", encoding="utf-8")
    with LocalSandbox().open(submission, LIMITS) as workspace:
        put_files(
            workspace,
            [
                ("grader/b/reference", source),
                ("grader/b/rubric/bench.py", single),
                ("grader/b/spec.json", '{"sizes": [1]}'),
                ("out/note.txt", "hi"),
            ],
        )
        read = "import os; print(sorted(os.listdir('../grader/b/reference')), open('../grader/b/spec.json').read(), open('../grader/b/rubric/bench.py').read().split('(')[0], open('../out/note.txt').read())"
        run = workspace.run(python(read))
    assert run.stdout.split() == ["['solution.py']", '{"sizes":', "[1]}", "def", "make_input", "hi"]
