"""The `grader` command line end to end: formats, files, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, WEEK01
from typer.testing import CliRunner

from grader.cli import commands as cli
from grader.sandbox.fake import ScriptedSandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import RunOutput

RUBRIC = str(WEEK01 / "rubric.yaml")


def grader(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "GRADER_CACHE_DIR": str(cache), "HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-cache")


@pytest.mark.slow
def test_json_report_has_the_versioned_shape(cache: Path, tmp_path: Path) -> None:
    """`--format json --out` writes grader.report/v1 with every documented field, and exits 0."""
    out = tmp_path / "report.json"
    done = grader(
        "grade",
        str(WEEK01 / "samples" / "partial"),
        "--rubric",
        RUBRIC,
        "--format",
        "json",
        "--out",
        str(out),
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["schema"] == "grader.report/v1"
    assert 0 < report["score"] < report["max_score"] == 100
    assert report["status"] == "graded"
    assert len(report["rubric"]["sha256"]) == 64
    assert {"pytest", "ruff", "mypy", "bandit", "radon", "coverage"} <= set(report["tools"])
    for criterion in report["criteria"]:
        assert {"id", "kind", "title", "score", "max_score", "summary", "findings", "tests"} <= set(
            criterion
        )
        for finding in criterion["findings"]:
            assert {"path", "line", "col", "code", "message", "severity"} <= set(finding)
        for test in criterion["tests"]:
            assert {"name", "outcome", "message", "duration"} <= set(test)
    failing = [t for c in report["criteria"] for t in c["tests"] if t["outcome"] == "failed"]
    assert failing and all(t["message"] for t in failing)


@pytest.mark.slow
def test_markdown_and_text_reports(cache: Path) -> None:
    """Markdown has the score table and details; text piped to a file carries no colour codes."""
    markdown = grader(
        "grade", str(WEEK01 / "samples" / "sloppy"), "-r", RUBRIC, "-f", "markdown", cache=cache
    )
    assert markdown.returncode == 0, markdown.stderr
    assert "| | Criterion | Score | Summary |" in markdown.stdout
    assert "<details><summary><b>Lint (ruff)</b>" in markdown.stdout
    text = grader("grade", str(WEEK01 / "samples" / "sloppy"), "-r", RUBRIC, cache=cache)
    assert text.returncode == 0
    assert "Score: " in text.stdout and "records.py:" in text.stdout
    assert "\x1b[" not in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "no/such/folder", "-r", RUBRIC], "no/such/folder: no such file or folder"),
        (
            ["grade", str(WEEK01 / "reference"), "-r", "no/rubric.yaml"],
            "no/rubric.yaml: no such file",
        ),
        (
            [
                "grade",
                str(WEEK01 / "reference"),
                "-r",
                RUBRIC,
                "--submitted-at",
                "2026-12-08 10:00",
            ],
            "has no time zone",
        ),
        (
            ["grade", str(WEEK01 / "reference"), "-r", RUBRIC, "--submitted-at", "yesterday"],
            "not an ISO 8601 time",
        ),
        (
            ["rubric", "validate", str(ROOT / "tests" / "golden" / "rubrics" / "bad.yaml")],
            "bad.yaml:4:5: criteria[0].pionts: unknown field 'pionts'; did you mean 'points'?",
        ),
    ],
)
def test_unusable_input_exits_2_with_a_clear_message(
    args: list[str], message: str, cache: Path
) -> None:
    """Bad paths, rubrics and options exit 2 and say what is wrong, without a traceback."""
    done = grader(*args, cache=cache)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_bad_configuration_exits_2_naming_the_variable(cache: Path) -> None:
    """An invalid GRADER_* variable is reported by name, without a traceback."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cache),
        "GRADER_SANDBOX": "kubernetes",
        "GRADER_WORKERS": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(WEEK01 / "reference"), "-r", RUBRIC],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "GRADER_SANDBOX" in message and "GRADER_WORKERS" in message
    assert "Traceback" not in done.stderr


def test_rubric_validate_and_schema(cache: Path) -> None:
    """A valid rubric validates; the printed schema is the shipped one."""
    done = grader("rubric", "validate", str(WEEK01), cache=cache)
    assert (done.returncode, done.stdout.strip().endswith("ok (7 criteria, 100 points)")) == (
        0,
        True,
    )
    schema = grader("rubric", "schema", cache=cache)
    assert json.loads(schema.stdout) == json.loads(
        (ROOT / "rubrics" / "schema.json").read_text(encoding="utf-8")
    )


@pytest.mark.slow
def test_rubric_check_fails_a_folder_outside_its_band(cache: Path, tmp_path: Path) -> None:
    """`rubric check` exits 1 and names the folder whose score left its band."""
    folder = tmp_path / "week01"
    shutil.copytree(WEEK01, folder)
    bands = (folder / "bands.yaml").read_text(encoding="utf-8")
    (folder / "bands.yaml").write_text(
        bands.replace("samples/sloppy: {min: 55, max: 80}", "samples/sloppy: {min: 95, max: 100}"),
        encoding="utf-8",
    )
    done = grader("rubric", "check", str(folder), cache=cache)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.strip().startswith("ok   reference") for line in lines), done.stdout
    failed = next(i for i, line in enumerate(lines) if "FAIL samples/sloppy" in line)
    report = json.loads(
        grader(
            "grade",
            str(folder / "samples" / "sloppy"),
            "-r",
            str(folder),
            "-f",
            "json",
            cache=cache,
        ).stdout
    )
    short = [c for c in report["criteria"] if c["score"] < c["max_score"]]
    assert short, "the sloppy sample loses points somewhere"
    # Where the points went, then why, one criterion a line, under the failing folder.
    lost = lines[failed + 1]
    assert lost.strip().startswith("lost: ")
    for criterion in short:
        assert f"{criterion['id']} {criterion['score']:g}/{criterion['max_score']:g}" in lost
    assert lines[failed + 2 : failed + 2 + len(short)] == [
        f"       {c['id']}: {' '.join(c['summary'].split())}" for c in short
    ]


@pytest.mark.slow
def test_a_tool_failure_exits_3_after_writing_the_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When a grading tool crashes the report is still printed, the failure named, and the exit code is 3."""
    crash = RunOutput(exit_code=2, stdout="", stderr="mypy: INTERNAL ERROR", duration=0.1)
    monkeypatch.setattr(
        cli,
        "_sandbox",
        lambda kind, settings: ScriptedSandbox(LocalSandbox(tmp_path), {"mypy": crash}),
    )
    result = CliRunner().invoke(
        cli.app, ["grade", str(WEEK01 / "reference"), "-r", RUBRIC, "-f", "json"]
    )
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    [types] = [c for c in report["criteria"] if c["id"] == "types"]
    assert types["status"] == "tool_error"
    assert "INTERNAL ERROR" in types["summary"]


# --- hostile paths at the command line ----------------------------------------------------


def _grade_fails(args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Run `grader grade ARGS` (no sandbox is reached); expect exit 2 and return stderr."""
    monkeypatch.setattr(cli, "_sandbox", lambda kind, settings: LocalSandbox(tmp_path))
    result = CliRunner().invoke(cli.app, ["grade", *args, "-r", RUBRIC])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stderr


def test_an_empty_path_is_an_error_not_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`grader grade ''` exits 2: Path('') would silently grade the current folder."""
    assert "the submission path is empty" in _grade_fails([""], monkeypatch, tmp_path)


def test_a_path_component_too_long_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A 300-character component is OSError ENAMETOOLONG: a clear exit-2 message with the path."""
    path = str(tmp_path / ("a" * 300) / "week01")
    stderr = " ".join(_grade_fails([path], monkeypatch, tmp_path).split())
    assert f"error: {path}: File name too long" in stderr


@pytest.mark.parametrize(
    "name", ["x[red]y[/red]z", "x[/]y", "file.yaml:100:1 :smile:", "[bold]b[/bold]"]
)
def test_rich_markup_in_a_path_is_printed_literally(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    """Paths are user text: `[red]` is not swallowed, `[/]` does not raise, `:100:` is no emoji."""
    path = str(tmp_path / name / "missing")
    stderr = _grade_fails([path], monkeypatch, tmp_path)
    assert f"{path}: no such file or folder" in " ".join(stderr.split())


@pytest.mark.slow
def test_a_hostile_folder_is_graded_with_its_problems_named(cache: Path, tmp_path: Path) -> None:
    """The reference plus a FIFO named helper.py, zero.py -> /dev/zero, a file name that is not
    UTF-8, modules too deep for Python's parser and a 50 MB module: graded (exit 0) with each
    named in the JSON report, none read, none given to the tools (the local sandbox runs only
    the reference's code: the hostile files are never imported)."""
    folder = tmp_path / "week01"
    shutil.copytree(WEEK01 / "reference", folder)
    os.mkfifo(folder / "helper.py")
    (folder / "zero.py").symlink_to("/dev/zero")
    with open(os.fsencode(folder) + b"/caf\xe9.py", "wb") as handle:  # noqa: PTH123 - bytes path
        handle.write(b"x = 1\n")
    (folder / "plus.py").write_text("x = " + " + ".join(["1"] * 100_000) + "\n", encoding="utf-8")
    (folder / "minus.py").write_text("x = " + "-" * 100_000 + "1\n", encoding="utf-8")
    with (folder / "big.py").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    done = grader(
        "grade", str(folder), "-r", RUBRIC, "--sandbox", "local", "-f", "json", cache=cache
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {(p["code"], p["path"]) for p in report["submission"]["problems"]} == {
        ("special-file", "helper.py"),
        ("link-outside", "zero.py"),
        ("bad-file-name", "caf\\xe9.py"),
        ("too-deeply-nested", "plus.py"),
        ("too-deeply-nested", "minus.py"),
        ("file-too-large", "big.py"),
    }
    assert report["submission"]["files"] == ["records.py", "tests/test_records.py"]
    assert not [c for c in report["criteria"] if c["status"] == "tool_error"]


def test_grading_commands_start_without_the_service_and_course_modules() -> None:
    """`grader grade` does not import SQLAlchemy, PyGithub, canvasapi or structlog (about half
    a second at every start); `grader course` still finds its commands."""
    probe = (
        "import sys; from grader.cli import commands; "
        "print(sorted(m for m in ('sqlalchemy', 'github', 'canvasapi', 'structlog', 'celery') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    listed = CliRunner().invoke(cli.app, ["course", "--help"])
    assert listed.exit_code == 0
    assert all(name in listed.output for name in ("roster", "regrade", "similarity", "canvas"))
