"""Finding the submission and what is wrong with it, before any tool runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader.errors import SubmissionPathError
from grader.rubric.model import Submission
from grader.submission import MAX_DEPTH, inspect, locate

SPEC = Submission(root="week01", required=("records.py",))


def codes(root: Path) -> dict[str, str]:
    return {problem.code: problem.path for problem in inspect(root, SPEC).problems}


def test_the_assignment_folder_is_found_inside_a_repository(tmp_path: Path) -> None:
    """`grader grade REPO` grades REPO/week01 when it exists, else REPO itself."""
    (tmp_path / "week01").mkdir()
    assert locate(tmp_path, SPEC) == tmp_path / "week01"
    assert locate(tmp_path / "week01", SPEC) == tmp_path / "week01"


@pytest.mark.parametrize("make", ["missing", "file"])
def test_an_unusable_path_is_an_input_error(tmp_path: Path, make: str) -> None:
    """A path that is missing or is a file cannot be graded and says why."""
    path = tmp_path / "x"
    if make == "file":
        path.write_text("x", encoding="utf-8")
    with pytest.raises(SubmissionPathError, match=str(path)):
        locate(path, SPEC)


def test_a_clean_submission_has_no_problems(tmp_path: Path) -> None:
    """Valid UTF-8 Python with the required file present is not flagged."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    result = inspect(tmp_path, SPEC)
    assert result.files == ("records.py",)
    assert result.problems == ()


def test_missing_required_files_are_named_with_the_root(tmp_path: Path) -> None:
    """A missing required file is reported as week01/records.py."""
    (tmp_path / "other.py").write_text("x = 1\n", encoding="utf-8")
    [problem] = inspect(tmp_path, SPEC).problems
    assert (problem.code, problem.message) == (
        "missing-file",
        "required file week01/records.py is missing",
    )


def test_an_empty_submission_is_reported(tmp_path: Path) -> None:
    """No Python files at all is reported, as is the missing required file."""
    assert codes(tmp_path) == {"missing-file": "records.py", "empty-submission": "."}


def test_syntax_errors_are_located(tmp_path: Path) -> None:
    """A syntax error is reported with its file, line and column."""
    (tmp_path / "records.py").write_text("x = 1\ndef f(:\n    pass\n", encoding="utf-8")
    [problem] = inspect(tmp_path, SPEC).problems
    assert (problem.code, problem.path, problem.line) == ("syntax-error", "records.py", 2)


def test_files_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    """A latin-1 byte is reported with the line it is on and the byte's value."""
    (tmp_path / "records.py").write_bytes(b"x = 1\nname = 'caf\xe9'\n")
    [problem] = inspect(tmp_path, SPEC).problems
    assert (problem.code, problem.line) == ("not-utf8", 2)
    assert "0xe9" in problem.message


def test_empty_files_are_a_warning_but_empty_init_files_are_fine(tmp_path: Path) -> None:
    """An empty records.py is flagged; an empty __init__.py is normal."""
    (tmp_path / "records.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    assert codes(tmp_path) == {"empty-file": "records.py"}


def test_caches_and_virtualenvs_are_not_graded(tmp_path: Path) -> None:
    """Files under .venv, __pycache__ and hidden folders are not the student's code."""
    for folder in (".venv/lib", "__pycache__", ".hidden"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    assert inspect(tmp_path, SPEC).files == ("records.py",)


# --- hostile folders: nothing here may hang, recurse, exhaust memory or crash -----------


def _problems(root: Path) -> dict[str, tuple[str, str]]:
    """{path: (code, message)} of what ``inspect`` reported."""
    return {p.path: (p.code, p.message) for p in inspect(root, SPEC).problems}


@pytest.mark.timeout(20)
def test_a_fifo_named_like_a_module_is_skipped_not_read(tmp_path: Path) -> None:
    """A FIFO named helper.py would block a reader forever: it is reported and never opened."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    os.mkfifo(tmp_path / "helper.py")
    os.mkfifo(tmp_path / "data.csv")
    result = inspect(tmp_path, SPEC)
    assert result.files == ("records.py",)
    problems = _problems(tmp_path)
    assert problems["helper.py"][0] == problems["data.csv"][0] == "special-file"
    assert "FIFO" in problems["helper.py"][1]


@pytest.mark.timeout(20)
def test_a_link_out_of_the_submission_is_named_and_never_read(tmp_path: Path) -> None:
    """zero.py -> /dev/zero (and ../ links) are reported with their target and never read."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "up.py").symlink_to("../../outside.py")
    (tmp_path / "alias.py").symlink_to("records.py")
    result = inspect(tmp_path, SPEC)
    assert result.files == ("records.py",)
    problems = _problems(tmp_path)
    assert problems["zero.py"] == (
        "link-outside",
        "a link to '/dev/zero', outside the submission; not read and not graded",
    )
    assert problems["pkg/up.py"][0] == "link-outside"
    assert problems["alias.py"][0] == "link"  # inside: not graded (the sandbox copies no links)


def test_a_required_file_that_is_a_link_is_missing(tmp_path: Path) -> None:
    """records.py -> /etc/passwd does not count as the required file."""
    (tmp_path / "records.py").symlink_to("/etc/passwd")
    assert "missing-file" in {p.code for p in inspect(tmp_path, SPEC).problems}


def test_a_file_name_that_is_not_utf8_is_reported_readably(tmp_path: Path) -> None:
    """caf\\xe9.py cannot be imported nor named in JSON: reported as 'caf\\xe9.py', kept from the tools."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    with open(os.fsencode(tmp_path) + b"/caf\xe9.py", "wb") as handle:  # noqa: PTH123 - bytes path
        handle.write(b"x = 1\n")
    result = inspect(tmp_path, SPEC)
    assert result.files == ("records.py",)
    [problem] = result.problems
    assert (problem.code, problem.path) == ("bad-file-name", "caf\\xe9.py")
    problem.model_dump_json()  # serialisable


DEEP = "too-deeply-nested"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("x = " + " + ".join(["1"] * 100_000) + "\n", DEEP),
        ("x = " + "-" * 100_000 + "1\n", DEEP),
        ("x = " + "not " * 100_000 + "1\n", DEEP),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", DEEP),
        ("".join(" " * i + "if x:\n" for i in range(100)) + " " * 100 + "pass\n", None),
    ],
    ids=["plus-terms", "unary-minus", "not", "5000-brackets", "nested-ifs"],
)
def test_a_module_too_deep_for_the_parser_is_a_finding(
    tmp_path: Path, source: str, code: str | None
) -> None:
    """The grader's own parse never raises RecursionError or MemoryError; the file is reported
    and kept from the tools (which parse it the same way; ruff prints one syntax error per
    bracket, 1.9 MB for 5,000, past the sandbox's output cap: a tool_error, exit 3)."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "deep.py").write_text(source, encoding="utf-8")
    result = inspect(tmp_path, SPEC)
    found = [(problem.path, problem.code) for problem in result.problems]
    if code is None:  # 100 nested blocks parse (the compiler, not the parser, refuses them)
        assert found in ([], [("deep.py", "syntax-error")])
    else:
        assert found == [("deep.py", code)]
        assert result.files == ("records.py",)


def test_a_nul_byte_is_a_syntax_error(tmp_path: Path) -> None:
    """Python 3.11 raises ValueError for a NUL in source; it is reported like a syntax error."""
    (tmp_path / "records.py").write_bytes(b"x = 1\x00\n")
    assert codes(tmp_path) == {"syntax-error": "records.py"}


def test_a_50_mb_module_is_refused_by_size_without_reading_it(tmp_path: Path) -> None:
    """A file over MAX_FILE_BYTES is refused from its size and kept from the tools."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    with (tmp_path / "big.py").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB that costs no disk
    result = inspect(tmp_path, SPEC)
    assert result.files == ("records.py",)
    assert codes(tmp_path) == {"file-too-large": "big.py"}
    assert "Not checked" in result.problems[0].message


def test_an_unreadable_file_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the grader cannot read (the sandbox could not copy it either) is an unusable
    path naming the file, never a crash later."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    secret = str(tmp_path / "secret.txt")
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: path != secret and real_access(path, mode)
    )  # tests run as root, whom chmod 000 does not stop
    with pytest.raises(SubmissionPathError, match=r"secret\.txt: permission denied"):
        inspect(tmp_path, SPEC)


def test_folders_nested_past_the_depth_cap_are_not_walked(tmp_path: Path) -> None:
    """The walk is iterative (no recursion, whatever the depth) and stops at MAX_DEPTH, saying so."""
    (tmp_path / "records.py").write_text("x = 1\n", encoding="utf-8")
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(MAX_DEPTH + 5):  # made with dir fds: the whole path is too long for mkdir
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    problems = _problems(tmp_path)
    [path] = [name for name, (code, _) in problems.items() if code == "too-deep"]
    assert path.count("/") == MAX_DEPTH - 1


@pytest.mark.parametrize(
    "path",
    [lambda tmp: tmp / ("a" * 300), lambda tmp: tmp / ("a" * 300) / "week01"],
    ids=["300-chars", "300-chars-then-more"],
)
def test_a_path_component_too_long_is_an_input_error(tmp_path: Path, path) -> None:  # type: ignore[no-untyped-def]
    """ENAMETOOLONG is a SubmissionPathError naming the path, not an OSError."""
    with pytest.raises(SubmissionPathError, match="File name too long"):
        locate(path(tmp_path), SPEC)


def test_a_report_holding_a_name_that_is_not_utf8_serialises_readably() -> None:
    """A surrogate-escaped name anywhere in the report (a root the user gave, a tool's path)
    comes out of ``--format json`` as ``\\xe9``, not a PydanticSerializationError."""
    from datetime import UTC, datetime

    from grader.report.model import Report, RubricInfo, SubmissionInfo

    report = Report(
        score=1,
        max_score=1,
        status="graded",
        rubric=RubricInfo(id="r", title="t", sha256="0" * 64),
        submission=SubmissionInfo(root="work/caf\udce9", files=("b\udcffad.py", "ok.py")),
        criteria=(),
        tools={},
        sandbox={},
        grader_version="0",
        graded_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration=0.0,
    )
    document = json.loads(report.to_json())
    assert document["submission"]["root"] == "work/caf\\xe9"
    assert document["submission"]["files"] == ["b\\xffad.py", "ok.py"]
    assert next(iter(document)) == "schema"
