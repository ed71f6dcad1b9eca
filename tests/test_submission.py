"""Finding the submission and what is wrong with it, before any tool runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SubmissionPathError
from grader.rubric.model import Submission
from grader.submission import inspect, locate

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
