"""The ``test_quality`` kind: the student's tests against the reference and the faults.

A rubric folder is made in ``tmp_path``: a small ``calc.py`` reference, three
faults, and student test suites of different strength, graded through the
local sandbox (and once through Docker).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from support import grade

from grader.checks.rubric import load_rubric
from grader.errors import RubricError
from grader.report.model import CriterionResult
from grader.rubric.faults import load_faults
from grader.sandbox.protocol import Sandbox

REFERENCE = """
def median(values):
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of nothing")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def clamp(value, low, high):
    return max(low, min(value, high))
"""
FAULTS = {
    "even-length": ("the median of an even number of values", ("return (ordered[middle - 1] + ordered[middle]) / 2", "return ordered[middle]")),
    "empty-input": ("an empty list is not refused", ('raise ValueError("median of nothing")', "return None")),
    "clamp-swapped": ("the bounds of clamp", ("return max(low, min(value, high))", "return min(low, max(value, high))")),
}  # fmt: skip
STRONG = """
import pytest
from calc import clamp, median

def test_odd():
    assert median([3, 1, 2]) == 2

def test_even():
    assert median([4, 1, 3, 2]) == 2.5

def test_empty():
    with pytest.raises(ValueError):
        median([])

def test_clamp():
    assert clamp(5, 0, 3) == 3 and clamp(-1, 0, 3) == 0 and clamp(2, 0, 3) == 2
"""
WEAK = """
from calc import median

def test_odd():
    assert median([3, 1, 2]) == 2
"""
WRONG = """
from calc import median

def test_even():
    assert median([1, 2, 3, 4]) == 2  # the student's own misunderstanding
"""
STATEFUL = """
import tempfile
from pathlib import Path
from calc import median

PLACES = [Path(__file__).resolve().parents[3] / "submission", Path(tempfile.gettempdir())]

def test_first_run_only():
    # passes the first time it runs, fails every time after: it would "catch" every fault
    markers = [place / "seen" for place in PLACES]
    first = not any(marker.exists() for marker in markers)
    for marker in markers:
        try:
            marker.write_text("x")
        except OSError:
            pass
    assert first and median([1]) == 1
"""
CRITERION = """
- id: quality
  kind: test_quality
  title: Your tests catch bugs
  points: 12
"""


def make_rubric(tmp_path: Path) -> Path:
    folder = tmp_path / "rubric"
    (folder / "reference" / "tests").mkdir(parents=True)
    (folder / "reference" / "calc.py").write_text(textwrap.dedent(REFERENCE))
    (folder / "reference" / "tests" / "test_calc.py").write_text(textwrap.dedent(STRONG))
    for name, (description, (old, new)) in FAULTS.items():
        fault = folder / "faults" / name
        fault.mkdir(parents=True)
        if name == "clamp-swapped":  # a whole file laid over the reference, described in a README
            (fault / "calc.py").write_text(textwrap.dedent(REFERENCE).replace(old, new))
            (fault / "README.md").write_text(f"# {description}\n\nMore words for the instructor.\n")
        else:  # edits to the reference
            edit = {"file": "calc.py", "replace": old, "with": new}
            (fault / "fault.yaml").write_text(
                yaml.safe_dump({"description": description, "edits": [edit]})
            )
        for cache in (".ruff_cache", "__pycache__"):  # what running tools in the folder leaves
            (fault / cache).mkdir()
            (fault / cache / "calc.cpython-311.pyc").write_bytes(b"")
    (folder / "rubric.yaml").write_text(
        "id: tq\ntitle: TQ\ncriteria:\n"
        + textwrap.indent(textwrap.dedent(CRITERION).strip(), "  ")
        + "\n"
    )
    return folder


def student(tmp_path: Path, tests: str, *, implementation: str = REFERENCE) -> Path:
    folder = tmp_path / "student"
    (folder / "tests").mkdir(parents=True)
    (folder / "calc.py").write_text(textwrap.dedent(implementation))
    (folder / "tests" / "test_mine.py").write_text(textwrap.dedent(tests))
    return folder


def quality(tmp_path: Path, sandbox: Sandbox, tests: str | None) -> CriterionResult:
    rubric = load_rubric(make_rubric(tmp_path) / "rubric.yaml")
    folder = rubric.folder / "reference" if tests is None else student(tmp_path, tests)
    return grade(folder, rubric, sandbox).criteria[0]


def test_faults_are_read_with_their_descriptions(tmp_path: Path) -> None:
    rubric = make_rubric(tmp_path)
    faults = load_faults(rubric / "faults", rubric / "reference")
    assert [(fault.name, fault.description) for fault in faults] == [
        ("clamp-swapped", "the bounds of clamp"),
        ("empty-input", "an empty list is not refused"),
        ("even-length", "the median of an even number of values"),
    ]
    clamp, empty, _ = faults
    assert [relative for relative, _ in clamp.files] == ["calc.py"]  # no README, no caches
    assert (clamp.edited, empty.files) == ((), ())
    [(relative, text)] = empty.edited
    assert relative == "calc.py" and text == textwrap.dedent(REFERENCE).replace(
        'raise ValueError("median of nothing")', "return None"
    )


def rubric_with_fault(tmp_path: Path, fault_yaml: str) -> Path:
    """The test rubric with one more fault, ``broken/fault.yaml``; returns that file."""
    folder = make_rubric(tmp_path)
    fault = folder / "faults" / "broken" / "fault.yaml"
    fault.parent.mkdir()
    fault.write_text(textwrap.dedent(fault_yaml))
    return fault


@pytest.mark.parametrize(
    ("fault_yaml", "where", "words"),
    [
        (
            """
            description: off by one
            edits:
              - file: calc.py
                replace: "middle = len(ordered) // 3"
                with: "middle = 0"
            """,
            ":5:14: edits[0].replace",
            "must occur exactly once in calc.py, found 0 times",
        ),
        (
            """
            description: min and max
            edits:
              - file: calc.py
                replace: "ordered"
                with: "values"
            """,
            ":5:14: edits[0].replace",
            "found 7 times",
        ),
        (
            """
            description: outside
            edits:
              - file: ../rubric.yaml
                replace: id
                with: di
            """,
            ":4:11: edits[0].file",
            "'../rubric.yaml' is not a file of the reference",
        ),
        (
            """
            description: nothing
            edits:
              - file: calc.py
                replace: "return max(low"
                with: "return max(low"
            """,
            ":5:14: edits[0].replace",
            "the edit changes nothing",
        ),
        (
            """
            description: a typo in a key
            edits:
              - file: calc.py
                replace: "// 2"
                width: "// 3"
            """,
            ":6:5: edits[0].width",
            "unknown field 'width'; did you mean 'with'?",
        ),
        ("description: no edits and no files\n", "broken:", "changes nothing"),
    ],
)
def test_a_broken_fault_is_named_at_its_line(
    tmp_path: Path, fault_yaml: str, where: str, words: str
) -> None:
    """`grader rubric validate` names the fault file, the line and the edit that cannot apply."""
    fault = rubric_with_fault(tmp_path, fault_yaml)
    with pytest.raises(RubricError) as raised:
        load_rubric(fault.parents[2] / "rubric.yaml")
    message = str(raised.value)
    assert where in message and words in message, message
    assert str(fault.parent) in message


@pytest.mark.slow
def test_the_references_own_tests_catch_every_fault(tmp_path: Path, sandbox: Sandbox) -> None:
    result = quality(tmp_path, sandbox, None)
    assert result.score == 12, result.summary
    assert result.summary == "your tests caught 3 of 3 faulty implementations"
    assert result.metrics == {"caught": 3.0, "faults": 3.0}


@pytest.mark.slow
def test_weak_tests_earn_the_share_they_catch_and_hear_what_they_missed(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = quality(tmp_path, sandbox, WEAK)
    assert result.score == 0  # a lone odd-length median catches none of these faults
    assert result.summary.endswith("missed: clamp-swapped, empty-input, even-length")
    assert "missed: even-length (the median of an even number of values)" in result.details
    assert result.explanation == "12 x 0/3 faults caught = 0"
    partly = quality(
        tmp_path / "again",
        sandbox,
        WEAK + "\n\ndef test_even():\n    assert median([1, 2, 3, 4]) == 2.5\n",
    )
    assert partly.score == 4
    assert partly.details[0] == "caught: even-length"


@pytest.mark.slow
def test_tests_that_fail_on_correct_code_score_nothing(tmp_path: Path, sandbox: Sandbox) -> None:
    result = quality(tmp_path, sandbox, WRONG)
    assert result.score == 0
    assert result.status == "graded"  # the student's doing: a graded 0, not an incomplete report
    assert "your tests fail on a correct implementation (first run)" in result.summary
    assert "test_mine.py::test_even" in result.summary


@pytest.mark.slow
def test_tests_that_pass_only_once_are_caught_by_the_closing_run(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = quality(tmp_path, sandbox, STATEFUL)
    assert result.score == 0
    assert "run again after the faults" in result.summary


@pytest.mark.slow
def test_the_students_implementation_is_not_what_their_tests_see(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The student's own calc.py is broken; their tests still run on the reference and the faults."""
    rubric = load_rubric(make_rubric(tmp_path) / "rubric.yaml")
    broken = student(tmp_path, STRONG, implementation="def median(values):\n    return 0\n")
    result = grade(broken, rubric, sandbox).criteria[0]
    assert result.score == 12, result.summary


@pytest.mark.slow
def test_no_tests_is_named(tmp_path: Path, sandbox: Sandbox) -> None:
    rubric = load_rubric(make_rubric(tmp_path) / "rubric.yaml")
    folder = tmp_path / "none"
    folder.mkdir()
    (folder / "calc.py").write_text(REFERENCE)
    result = grade(folder, rubric, sandbox).criteria[0]
    assert result.score == 0
    assert result.summary == "no tests found in tests/: add test_*.py files there"


@pytest.mark.docker
@pytest.mark.slow
def test_test_quality_runs_in_the_docker_sandbox(tmp_path: Path, docker_grading: Sandbox) -> None:
    assert quality(tmp_path, docker_grading, STRONG).score == 12
    # In Docker nothing a step writes outlives it, so the trick cannot even start: still 0.
    assert quality(tmp_path / "stateful", docker_grading, STATEFUL).score == 0


def test_a_faults_folder_with_only_caches_holds_no_faults(tmp_path: Path) -> None:
    """A tool's cache is not a fault: the folder is named as empty, not graded as 0 of 0."""
    rubric = make_rubric(tmp_path)
    for fault in (rubric / "faults").iterdir():
        if fault.name not in ("__pycache__", ".ruff_cache"):
            shutil.rmtree(fault)
    (rubric / "faults" / "__pycache__").mkdir()
    with pytest.raises(RubricError) as raised:
        load_rubric(rubric / "rubric.yaml")
    assert "faults 'faults': holds no fault folders" in str(raised.value)
