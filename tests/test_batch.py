"""`grader batch`: every student folder under ROOT graded once, resumably, into reports and a
gradebook; the platform's failures retried; a stop or a crash never leaves half a report.

The quick tests grade a one-criterion rubric in the local sandbox with the tools scripted
(grading is then a copy and a canned ruff run); the slow ones run the real tools on the
week-1 reference and samples, and the Docker one the real sandbox.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
from support import WEEK01
from typer.testing import CliRunner

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.cli import batch as cli_batch
from grader.errors import SandboxError
from grader.pipeline import batch, digests
from grader.pipeline.batch import (
    GRADEBOOK,
    STAMPS,
    BatchOptions,
    FolderResult,
    FolderStatus,
    plan_batch,
    run_batch,
)
from grader.pipeline.grade import TOOLS
from grader.rubric.model import Limits
from grader.sandbox.fake import ScriptedSandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import RunOutput, Sandbox, Workspace
from grader.settings import Settings

TINY = """\
id: tiny
title: Tiny
submission: {root: week01, required: [records.py]}
criteria:
  - {id: style, kind: lint, title: Lint, points: 10, select: [E, F]}
"""
VERSIONS = RunOutput(
    exit_code=0, stdout=json.dumps(dict.fromkeys(TOOLS, "1.0")), stderr="", duration=0.0
)
CLEAN = RunOutput(exit_code=0, stdout="[]", stderr="", duration=0.0)
CRASH = RunOutput(exit_code=2, stdout="", stderr="ruff: INTERNAL ERROR", duration=0.0)


@dataclass
class Recording:
    """The local sandbox with the tools scripted; it counts what it opened, and fails (as
    the platform) for folders named in ``broken``."""

    inner: Sandbox
    scripted: dict[str, RunOutput] = field(default_factory=lambda: {"ruff": CLEAN})
    broken: set[str] = field(default_factory=set)
    opened: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_open: Callable[[], None] = lambda: None
    """Called as each grading starts (a Ctrl-C while it runs)."""

    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[object, ...] = (),
        image: object = None,
    ) -> AbstractContextManager[Workspace]:
        student = next(part for part in submission.parts if part.startswith("s-"))
        with self.lock:
            self.opened.append(student)
        self.on_open()
        if student in self.broken:
            raise SandboxError("the Docker engine failed: gone")
        scripted = ScriptedSandbox(self.inner, {"python": VERSIONS, **self.scripted})
        return scripted.open(submission, limits)


@pytest.fixture
def rubric(tmp_path: Path) -> LoadedRubric:
    folder = tmp_path / "rubric"
    folder.mkdir()
    (folder / "rubric.yaml").write_text(TINY, encoding="utf-8")
    return load_rubric(folder / "rubric.yaml")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Three student folders (one with its work under week01/), a hidden folder, a file."""
    root = tmp_path / "week01"
    for name in ("s-alice", "s-bob"):
        shutil.copytree(WEEK01 / "samples" / "partial", root / name)
    shutil.copytree(WEEK01 / "reference", root / "s-carol" / "week01")
    (root / ".git").mkdir()
    (root / "README.md").write_text("clones\n", encoding="utf-8")
    return root


@pytest.fixture
def sandbox(tmp_path: Path) -> Recording:
    return Recording(LocalSandbox(tmp_path / "cache"))


def run(
    root: Path, rubric: LoadedRubric, sandbox: Recording, **options: object
) -> list[FolderResult]:
    settings: dict[str, object] = {"out": root.parent / "reports", "jobs": 2, "workers": 2}
    chosen = BatchOptions(**{**settings, **options})  # type: ignore[arg-type]
    return run_batch(plan_batch(root, rubric, chosen), rubric, lambda: sandbox, chosen)


def gradebook(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / GRADEBOOK).read_text(encoding="utf-8"))))


def test_every_student_folder_gets_its_reports_and_a_gradebook_row(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """Each visible subfolder of ROOT is graded once (work under `week01/` found as by `grader
    grade`) into a grader.report/v1 JSON and a Markdown report; hidden folders and files are
    not students; the gradebook has a row per folder with each criterion's score."""
    results = run(root, rubric, sandbox)
    out = root.parent / "reports"
    assert [result.name for result in results] == ["s-alice", "s-bob", "s-carol"]
    assert sorted(sandbox.opened) == ["s-alice", "s-bob", "s-carol"]
    for name in ("s-alice", "s-bob", "s-carol"):
        report = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert report["schema"] == "grader.report/v1"
        assert report["score"] == 10
        assert "Lint" in (out / f"{name}.md").read_text(encoding="utf-8")
    carol = json.loads((out / "s-carol.json").read_text(encoding="utf-8"))
    assert carol["submission"]["root"].endswith("s-carol/week01")
    assert gradebook(out) == [
        {
            "folder": name,
            "score": "10",
            "max_score": "10",
            "status": "graded",
            "late_days": "",
            "style": "10",
            "message": "",
        }
        for name in ("s-alice", "s-bob", "s-carol")
    ]
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [STAMPS, GRADEBOOK]
        + [f"s-{n}.{ext}" for n in ("alice", "bob", "carol") for ext in ("json", "md")]
    )


def test_a_second_run_keeps_the_finished_reports_and_grades_nothing(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """Folders and rubric unchanged: every report is kept, no sandbox opened, the gradebook
    written again with the same rows."""
    run(root, rubric, sandbox)
    first = gradebook(root.parent / "reports")
    sandbox.opened.clear()
    results = run(root, rubric, sandbox)
    assert sandbox.opened == []
    assert all(result.kept for result in results)
    assert gradebook(root.parent / "reports") == first


def test_force_grades_every_folder_again(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """`--force` regrades up-to-date folders."""
    run(root, rubric, sandbox)
    sandbox.opened.clear()
    results = run(root, rubric, sandbox, force=True)
    assert sorted(sandbox.opened) == ["s-alice", "s-bob", "s-carol"]
    assert not any(result.kept for result in results)


def test_only_a_changed_folder_is_graded_again(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """A changed comment in one student's file regrades that student only; a change under a
    folder the sandbox never copies (.git) does not count."""
    run(root, rubric, sandbox)
    sandbox.opened.clear()
    records = root / "s-bob" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    (root / "s-alice" / ".git").mkdir()
    (root / "s-alice" / ".git" / "HEAD").write_text("ref: main\n", encoding="utf-8")
    run(root, rubric, sandbox)
    assert sandbox.opened == ["s-bob"]


def test_a_changed_rubric_or_hidden_test_grades_everyone_again(tmp_path: Path) -> None:
    """The rubric's digest covers the rubric file and every path its criteria name (hidden
    tests, reference, benchmark inputs), and nothing else in its folder (samples)."""
    shutil.copytree(WEEK01, tmp_path / "w1")
    loaded = load_rubric(tmp_path / "w1" / "rubric.yaml")
    before = digests.rubric_digest(loaded)
    (tmp_path / "w1" / "samples" / "good" / "records.py").write_text("# other\n", encoding="utf-8")
    assert digests.rubric_digest(loaded) == before
    hidden = tmp_path / "w1" / "tests" / "test_records.py"
    hidden.write_text(hidden.read_text(encoding="utf-8") + "\n# fixed\n", encoding="utf-8")
    assert digests.rubric_digest(loaded) != before


def test_the_platforms_failure_is_reported_not_written_and_retried(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """A sandbox that fails for one folder: the others are graded, that folder is
    platform_failed in the gradebook with the reason, has no report, and the next run
    retries it alone."""
    sandbox.broken.add("s-bob")
    results = run(root, rubric, sandbox)
    out = root.parent / "reports"
    assert [result.status for result in results] == [
        FolderStatus.graded,
        FolderStatus.platform_failed,
        FolderStatus.graded,
    ]
    bob = gradebook(out)[1]
    assert (bob["status"], bob["score"], bob["style"]) == ("platform_failed", "", "")
    assert "Docker engine failed" in bob["message"]
    assert not (out / "s-bob.json").exists()
    assert not (out / STAMPS / "s-bob.json").exists()
    sandbox.broken.clear()
    sandbox.opened.clear()
    run(root, rubric, sandbox)
    assert sandbox.opened == ["s-bob"]
    assert gradebook(out)[1]["status"] == "graded"


def test_a_crashed_grading_tool_is_a_platform_failure_too(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """A criterion in tool_error makes the report provisional: not written, not stamped, and an
    earlier report of the folder is no longer counted as done."""
    run(root, rubric, sandbox)
    sandbox.scripted = {"ruff": CRASH}
    results = run(root, rubric, sandbox, force=True)
    assert {result.status for result in results} == {FolderStatus.platform_failed}
    assert "a grading tool failed: style" in results[0].message
    assert list((root.parent / "reports" / STAMPS).iterdir()) == []
    assert [row["status"] for row in gradebook(root.parent / "reports")] == ["platform_failed"] * 3


def test_a_stop_finishes_the_running_grading_and_starts_no_other(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """Stopped (Ctrl-C) while the first folder is graded: that one finishes and is written,
    the folders not started are not_graded without a report, the next run grades the rest."""
    stop = threading.Event()
    sandbox.on_open = stop.set
    out = root.parent / "reports"
    options = BatchOptions(out=out, jobs=1, workers=1)
    results = run_batch(
        plan_batch(root, rubric, options), rubric, lambda: sandbox, options, stop=stop
    )
    assert [result.status for result in results] == [
        FolderStatus.graded,
        FolderStatus.not_graded,
        FolderStatus.not_graded,
    ]
    assert [row["status"] for row in gradebook(out)] == ["graded", "not_graded", "not_graded"]
    assert sorted(path.name for path in out.glob("*.json")) == ["s-alice.json"]
    sandbox.opened.clear()
    sandbox.on_open = lambda: None
    run(root, rubric, sandbox)
    assert sorted(sandbox.opened) == ["s-bob", "s-carol"]


def test_a_write_interrupted_half_way_leaves_the_old_file_and_no_litter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report is written to a temporary file and renamed: interrupted before the rename, the
    old report stays whole and the temporary file is gone."""
    target = tmp_path / "s-alice.json"
    target.write_text("old\n", encoding="utf-8")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.write_atomically(target, "new\n" * 1000)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["s-alice.json"]


def test_a_report_without_its_stamp_or_damaged_is_graded_again(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """A run killed between the report and its stamp, or a report cut short, does not count
    as done."""
    run(root, rubric, sandbox)
    out = root.parent / "reports"
    (out / STAMPS / "s-alice.json").unlink()
    (out / "s-bob.json").write_text('{"schema": "grader.rep', encoding="utf-8")
    sandbox.opened.clear()
    run(root, rubric, sandbox)
    assert sorted(sandbox.opened) == ["s-alice", "s-bob"]


def test_the_out_folder_inside_root_is_not_a_student(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """`--out ROOT/reports` is skipped by the discovery, on the first run and the next."""
    run(root, rubric, sandbox, out=root / "reports")
    results = run(root, rubric, sandbox, out=root / "reports")
    assert [result.name for result in results] == ["s-alice", "s-bob", "s-carol"]


def test_gradebook_cells_cannot_become_formulas(
    root: Path, rubric: LoadedRubric, sandbox: Recording
) -> None:
    """A folder named like a spreadsheet formula is written as text."""
    (root / "s-bob").rename(root / "=s-bob")
    run(root, rubric, sandbox)
    names = [row["folder"] for row in gradebook(root.parent / "reports")]
    assert "'=s-bob" in names


def test_cores_go_to_students_first() -> None:
    """jobs gradings at once (never more than the folders), sharing GRADER_WORKERS."""
    assert batch.split_cores(jobs=4, todo=60, workers=4) == (4, 1)
    assert batch.split_cores(jobs=2, todo=1, workers=4) == (1, 4)
    assert batch.split_cores(jobs=8, todo=60, workers=2) == (8, 1)
    assert batch.split_cores(jobs=2, todo=0, workers=2) == (1, 2)


# --- the command ---------------------------------------------------------------------------


def app() -> typer.Typer:
    commands = typer.Typer()
    commands.command()(cli_batch.batch)
    commands.command("version")(lambda: None)  # two commands: `batch` is then a subcommand
    return commands


@pytest.fixture
def scripted_cli(monkeypatch: pytest.MonkeyPatch, sandbox: Recording) -> Recording:
    monkeypatch.setattr(cli_batch, "_sandbox_factory", lambda kind, settings: lambda: sandbox)
    return sandbox


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app(), ["batch", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def test_the_command_grades_and_prints_a_line_per_folder(
    root: Path, rubric: LoadedRubric, scripted_cli: Recording
) -> None:
    """Not on a terminal: one plain line per folder, the counts and where the gradebook is;
    exit 0. Run again: everything kept."""
    code, stderr = invoke(str(root), "-r", str(rubric.path), "--sandbox", "local")
    assert code == 0, stderr
    assert "3 folders: 3 to grade" in stderr
    assert "s-alice: graded 10/10" in stderr
    assert f"gradebook: {root.parent / 'week01-reports' / GRADEBOOK}" in stderr
    code, stderr = invoke(str(root), "-r", str(rubric.path), "--sandbox", "local")
    assert (code, "3 up to date (kept; --force grades them again)" in stderr) == (0, True)


def test_the_command_exits_3_when_the_platform_failed(
    root: Path, rubric: LoadedRubric, scripted_cli: Recording
) -> None:
    """One folder failed for the platform: said so, exit 3."""
    scripted_cli.broken.add("s-carol")
    code, stderr = invoke(str(root), "-r", str(rubric.path), "--sandbox", "local")
    assert code == 3
    assert "s-carol: platform failed: the Docker engine failed: gone" in stderr
    assert "run again to retry them" in stderr


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp: tmp / "missing", "no such folder"),
        (lambda tmp: _file(tmp / "a-file"), "not a folder"),
        (lambda tmp: _folder(tmp / "empty"), "the folder is empty"),
        (lambda tmp: _only_hidden(tmp / "hidden"), "no student folders in it"),
    ],
    ids=["missing", "a file", "empty", "no student folders"],
)
def test_a_bad_root_is_named_with_exit_2(
    tmp_path: Path, rubric: LoadedRubric, make: Callable[[Path], Path], said: str
) -> None:
    """ROOT missing, a file, empty, or without a visible folder: one line naming it, exit 2."""
    bad = make(tmp_path)
    code, stderr = invoke(str(bad), "-r", str(rubric.path), "--sandbox", "local")
    assert code == 2
    assert f"error: {bad}: {said}" in stderr
    assert "Traceback" not in stderr


def _file(path: Path) -> Path:
    path.write_text("x\n", encoding="utf-8")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _only_hidden(path: Path) -> Path:
    (path / ".git").mkdir(parents=True)
    (path / "notes.txt").write_text("x\n", encoding="utf-8")
    return path


def test_a_bad_rubric_or_out_folder_exits_2(root: Path, tmp_path: Path) -> None:
    """A rubric that does not validate, and an --out inside a student folder, are named; exit 2."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: X\ncriteria: []\n", encoding="utf-8")
    code, stderr = invoke(str(root), "-r", str(broken), "--sandbox", "local")
    assert code == 2
    assert str(broken) in stderr
    good = tmp_path / "rubric.yaml"
    good.write_text(TINY, encoding="utf-8")
    code, stderr = invoke(str(root), "-r", str(good), "-o", str(root / "s-bob" / "out"))
    assert (code, "is inside the student folder s-bob" in stderr) == (2, True)


def test_the_first_ctrl_c_asks_to_stop_and_raises_nothing() -> None:
    """The first SIGINT sets the stop event instead of raising KeyboardInterrupt; the previous
    handler is back afterwards."""
    stop = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with cli_batch._stop_on_interrupt(stop):
        signal.raise_signal(signal.SIGINT)
    assert stop.is_set()
    assert signal.getsignal(signal.SIGINT) is before


# --- the real tools --------------------------------------------------------------------------


@contextmanager
def _week01_root(tmp_path: Path, names: tuple[str, ...]) -> Iterator[Path]:
    root = tmp_path / "class"
    for name in names:
        shutil.copytree(WEEK01 / name, root / f"s-{name.replace('/', '-')}")
    yield root


@pytest.mark.slow
def test_the_week01_folders_grade_as_grader_grade_does(
    tmp_path: Path, week01: LoadedRubric
) -> None:
    """With the real tools: the reference scores 100, the partial sample what the pipeline
    gives it alone, and the gradebook carries each criterion's score from the report."""
    from support import grade

    local = LocalSandbox(tmp_path / "cache")
    with _week01_root(tmp_path, ("reference", "samples/partial")) as root:
        options = BatchOptions(out=tmp_path / "out", jobs=2, workers=2)
        results = run_batch(plan_batch(root, week01, options), week01, lambda: local, options)
        alone = grade(root / "s-samples-partial", week01, local)
    reference, partial = (result.report for result in results)
    assert reference is not None and partial is not None
    assert reference.score == 100
    assert partial.score == alone.score
    rows = gradebook(tmp_path / "out")
    for row, report in zip(rows, (reference, partial), strict=True):
        assert float(row["score"]) == report.score
        for criterion in report.criteria:
            assert float(row[criterion.id]) == criterion.score


@pytest.mark.slow
@pytest.mark.docker
def test_a_batch_in_the_docker_sandbox(tmp_path: Path, week01: LoadedRubric) -> None:
    """Three folders in real containers, two at a time (a Docker client per thread): each
    graded into its band of bands.yaml, its report written."""
    from grader.sandbox.docker import from_settings

    settings = Settings()
    names = ("reference", "samples/partial", "samples/sloppy")
    with _week01_root(tmp_path, names) as root:
        options = BatchOptions(out=tmp_path / "out", jobs=2, workers=2)
        results = run_batch(
            plan_batch(root, week01, options), week01, lambda: from_settings(settings), options
        )
    assert [result.status for result in results] == [FolderStatus.graded] * 3
    scores = {result.name: result.report.score for result in results if result.report}
    assert scores["s-reference"] == 100
    assert 45 <= scores["s-samples-partial"] <= 75  # the bands of bands.yaml
    assert 55 <= scores["s-samples-sloppy"] <= 80
    assert all(result.report and result.report.sandbox["kind"] == "docker" for result in results)
    assert len(list((tmp_path / "out").glob("*.json"))) == 3
