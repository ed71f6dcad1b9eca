"""Grading end to end with the real tools through the local sandbox."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import WEEK01, by_id, grade

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.errors import SandboxError
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.model import CriterionResult
from grader.sandbox.fake import ScriptedSandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import RunOutput

pytestmark = pytest.mark.slow

# Configuration a student might commit to make the tools go easy on them.
LENIENT_CONFIGS = {
    "pyproject.toml": """
[tool.ruff]
lint.select = []
lint.ignore = ["ALL"]
[tool.mypy]
ignore_errors = true
strict = false
[tool.bandit]
skips = ["B307", "B102", "B301"]
[tool.coverage.run]
omit = ["records.py"]
[tool.pytest.ini_options]
addopts = "-p no:junitxml --deselect tests"
""",
    "setup.cfg": "[mypy]\nignore_errors = True\n[tool:pytest]\naddopts = -x\n[radon]\nexclude = *.py\n[coverage:run]\nomit = *\n",
    "ruff.toml": "lint.ignore = ['ALL']\n",
    "mypy.ini": "[mypy]\nignore_errors = True\n",
    ".bandit": "[bandit]\nskips = B307,B102,B301\nexclude = records.py\n",
    "radon.cfg": "[radon]\nexclude = *\n",
    ".coveragerc": "[run]\nomit = *\n",
    "pytest.ini": "[pytest]\naddopts = --co\n",
    "conftest.py": """
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
""",
}


def week01_variant(tmp_path: Path, old: str, new: str) -> LoadedRubric:
    """The week-1 rubric with one setting changed, beside a copy of its hidden tests, reference
    and benchmark inputs."""
    rubric = tmp_path / "rubric"
    shutil.copytree(WEEK01 / "tests", rubric / "tests")
    shutil.copytree(WEEK01 / "reference", rubric / "reference")
    shutil.copy(WEEK01 / "bench.py", rubric / "bench.py")
    text = (WEEK01 / "rubric.yaml").read_text(encoding="utf-8")
    assert old in text
    (rubric / "rubric.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return load_rubric(rubric / "rubric.yaml")


def test_the_reference_scores_full_marks(week01: LoadedRubric, sandbox: LocalSandbox) -> None:
    """The reference solution earns every point, and the report records its provenance."""
    report = grade(WEEK01 / "reference", week01, sandbox)
    assert (report.score, report.max_score, report.status) == (100, 100, "graded")
    assert report.rubric.sha256 == week01.sha256
    assert set(report.tools) >= {"pytest", "ruff", "mypy", "bandit", "radon", "coverage"}
    assert report.sandbox["kind"] == "local"


def test_the_sloppy_sample_loses_points_on_each_quality_criterion(
    week01: LoadedRubric, sandbox: LocalSandbox
) -> None:
    """Lint, types, security and complexity findings are located and cost points."""
    report = grade(WEEK01 / "samples" / "sloppy", week01, sandbox)
    criteria = {criterion.id: criterion for criterion in report.criteria}
    for name in ("style", "types", "security", "complexity"):
        assert criteria[name].score < criteria[name].max_score, name
        assert criteria[name].findings, name
        assert all(
            finding.path and finding.line
            for finding in criteria[name].findings
            if finding.severity == "error"
        )
    assert {finding.code for finding in criteria["style"].findings} >= {"F401", "E722", "B006"}
    assert criteria["style"].hint and criteria["style"].learn_more


def test_the_students_configuration_does_not_change_the_grade(
    week01: LoadedRubric, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """pyproject.toml, setup.cfg, ruff.toml, mypy.ini, .bandit, radon.cfg, .coveragerc, pytest.ini and a
    result-forging conftest.py in the submission leave every criterion's score as it was."""
    plain = grade(sample("samples/sloppy"), week01, sandbox)
    tampered = sample("samples/sloppy")
    for name, text in LENIENT_CONFIGS.items():
        (tampered / name).write_text(text, encoding="utf-8")
    shutil.copy(tampered / "conftest.py", tampered / "tests" / "conftest.py")
    report = grade(tampered, week01, sandbox)
    assert by_id(report) == by_id(plain)
    assert report.score < 100


def test_noqa_and_nosec_comments_do_not_hide_findings(
    week01: LoadedRubric, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """Suppression comments in the student's code are ignored."""
    folder = sample("reference")
    records = folder / "records.py"
    records.write_text(
        records.read_text(encoding="utf-8") + "\nimport os  # noqa\nVALUE = eval('1')  # nosec\n",
        encoding="utf-8",
    )
    scores = by_id(grade(folder, week01, sandbox))
    assert scores["style"] < 10
    assert scores["security"] == 0


def test_a_syntax_error_is_graded_and_explained(
    week01: LoadedRubric, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """A submission that does not parse gets a report: the problem located, the tests at 0."""
    folder = sample("reference")
    (folder / "records.py").write_text("def parse_records(lines:\n    pass\n", encoding="utf-8")
    report = grade(folder, week01, sandbox)
    [problem] = [p for p in report.submission.problems if p.code == "syntax-error"]
    assert (problem.path, problem.line) == ("records.py", 1)
    assert by_id(report)["correctness"] == 0
    assert not report.platform_failed
    tests = report.criteria[0].tests
    assert tests and all(test.outcome == "error" for test in tests)


def test_a_file_that_is_not_utf8_is_graded_and_explained(
    week01: LoadedRubric, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """A latin-1 file is named in the report; mypy's refusal is the student's error, not a tool failure."""
    folder = sample("reference")
    (folder / "notes.py").write_bytes(b"NAME = 'caf\xe9'\n")
    report = grade(folder, week01, sandbox)
    assert any(p.code == "not-utf8" and p.path == "notes.py" for p in report.submission.problems)
    types = next(c for c in report.criteria if c.id == "types")
    assert types.status == "graded"
    assert any(f.path == "notes.py" for f in types.findings)
    assert not report.platform_failed


def test_an_empty_submission_scores_zero_everywhere(
    week01: LoadedRubric, sandbox: LocalSandbox, tmp_path: Path
) -> None:
    """Nothing submitted earns nothing, including the quality criteria, and says why."""
    report = grade(tmp_path, week01, sandbox)
    assert report.score == 0
    assert {p.code for p in report.submission.problems} == {"missing-file", "empty-submission"}
    assert report.status == "incomplete"
    assert all(criterion.summary for criterion in report.criteria)


def test_missing_required_file_fails_the_tests_but_grades_the_rest(
    week01: LoadedRubric, sandbox: LocalSandbox, sample
) -> None:  # type: ignore[no-untyped-def]
    """Renaming records.py loses the hidden tests, and the report names the missing file."""
    folder = sample("reference")
    (folder / "records.py").rename(folder / "record.py")
    report = grade(folder, week01, sandbox)
    assert any(
        p.code == "missing-file" and p.path == "records.py" for p in report.submission.problems
    )
    assert by_id(report)["correctness"] == 0
    # What could not be checked earns nothing: record.py cannot stand in for records.py.
    assert by_id(report)["style"] == 0


def test_an_endless_test_times_out_per_test_and_others_still_count(
    sandbox: LocalSandbox, sample, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """An infinite loop in one function fails its test by timeout; the other tests are graded."""
    loaded = week01_variant(tmp_path, "test_timeout: 10", "test_timeout: 2")
    folder = sample("reference")
    source = (folder / "records.py").read_text(encoding="utf-8")
    (folder / "records.py").write_text(
        source.replace(
            "def top_n(",
            "def top_n(*_a, **_k):\n    while True:\n        pass\n\n\ndef _old_top_n(",
        ),
        encoding="utf-8",
    )
    report = grade(folder, loaded, sandbox)
    tests = report.criteria[0].tests
    timed_out = [
        test for test in tests if test.outcome == "failed" and "Timeout" in (test.message or "")
    ]
    assert timed_out
    assert any(test.outcome == "passed" for test in tests)
    assert 0 < by_id(report)["correctness"] < 60


TIGHT_LOOP = """def top_n(*_a, **_k):
    found = 0
    for a in range(10**6):
        for b in range(10**6):
            if a == b:
                found += 1
    return found


def _old_top_n("""


def test_a_timeout_on_an_instruction_without_a_line_number_fails_only_its_test(
    sandbox: LocalSandbox, sample, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """CPython 3.11 gives the jump that closes ``for ...: if ...:`` no line number, and that is
    where pytest-timeout's SIGALRM lands: without the grader's pytest plugin, pytest fails to
    format the traceback (INTERNALERROR, exit code 3) and the whole criterion is not trusted."""
    loaded = week01_variant(tmp_path, "test_timeout: 10", "test_timeout: 2")
    folder = sample("reference")
    source = (folder / "records.py").read_text(encoding="utf-8")
    (folder / "records.py").write_text(source.replace("def top_n(", TIGHT_LOOP), encoding="utf-8")
    # The whole traceback is the point here; week 1's students see names and one line.
    report = grade(folder, loaded, sandbox, show_hidden=True)
    correctness = report.criteria[0]
    assert "cannot be trusted" not in correctness.summary
    assert correctness.verdict == "timeout"
    timed_out = [
        test
        for test in correctness.tests
        if test.outcome == "failed" and "Timeout" in (test.message or "")
    ]
    assert timed_out
    assert all("records.py:" in (test.message or "") for test in timed_out)
    assert any(test.outcome == "passed" for test in correctness.tests)
    assert 0 < by_id(report)["correctness"] < 60


def test_hidden_tests_withhold_names_and_messages(sandbox: LocalSandbox, tmp_path: Path) -> None:
    """With visibility hidden, students see outcomes only; instructors can ask for everything."""
    loaded = week01_variant(tmp_path, "visibility: names", "visibility: hidden")
    partial = WEEK01 / "samples" / "partial"
    student = grade(partial, loaded, sandbox).criteria[0]
    failing = [test for test in student.tests if test.outcome != "passed"]
    assert failing and all(
        test.name.startswith("hidden test") and test.message is None for test in failing
    )
    instructor = grade(partial, loaded, sandbox, show_hidden=True).criteria[0]
    assert any(test.message for test in instructor.tests)
    assert student.score == instructor.score


def test_the_late_policy_is_applied_from_the_submission_time(
    week01: LoadedRubric, sandbox: LocalSandbox
) -> None:
    """Two days late loses 20%; past the last day scores 0."""
    due = week01.rubric.late.due  # type: ignore[union-attr]
    two_days = grade(
        WEEK01 / "reference",
        week01,
        sandbox,
        submitted_at=due.replace(day=due.day + 1, hour=12) if due.day < 28 else due,
    )
    assert two_days.late is not None
    assert (two_days.late.days_late, two_days.score) == (1, 90)
    extended = grade(  # the student's own due date (an extension) makes the same push on time
        WEEK01 / "reference",
        week01,
        sandbox,
        submitted_at=two_days.late.submitted_at,
        due=due + timedelta(days=3),
    )
    assert extended.late is not None and extended.late.due == due + timedelta(days=3)
    assert (extended.late.days_late, extended.score) == (0, 100)
    too_late = grade(
        WEEK01 / "reference", week01, sandbox, submitted_at=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert too_late.late is not None and not too_late.late.accepted
    assert too_late.score == 0


def test_a_tool_that_prints_garbage_is_the_platforms_failure(
    week01: LoadedRubric, tmp_path: Path
) -> None:
    """A crashing tool scores its criterion 0 provisionally, flags the platform, and the rest is graded."""
    crash = RunOutput(
        exit_code=2, stdout="", stderr="ruff failed\n  Cause: internal error", duration=0.1
    )
    garbage = RunOutput(exit_code=0, stdout="<html>not json</html>", stderr="", duration=0.1)
    sandbox = ScriptedSandbox(LocalSandbox(tmp_path / "cache"), {"ruff": crash, "bandit": garbage})
    report = grade_submission(WEEK01 / "reference", week01, sandbox, GradeOptions())
    criteria = {criterion.id: criterion for criterion in report.criteria}
    assert report.platform_failed
    assert criteria["style"].status == "tool_error" and "ruff failed" in criteria["style"].summary
    assert (
        criteria["security"].status == "tool_error"
        and "did not print JSON" in criteria["security"].summary
    )
    assert criteria["correctness"].score == 50 and criteria["types"].score == 10


def test_a_report_left_behind_by_a_killed_supervisor_is_not_trusted(
    week01: LoadedRubric, tmp_path: Path
) -> None:
    """pytest really ran and wrote an all-passed report, but the step's supervisor was killed:
    the verdict must not depend on whether the orphaned pytest won the race to write it."""

    def supervisor_killed(run: RunOutput) -> RunOutput:
        return dataclasses.replace(run, exit_code=None, supervisor_lost=True)

    sandbox = ScriptedSandbox(LocalSandbox(tmp_path / "cache"), {}, {"pytest": supervisor_killed})
    report = grade_submission(WEEK01 / "reference", week01, sandbox, GradeOptions())
    correctness = next(c for c in report.criteria if c.id == "correctness")
    assert (correctness.score, correctness.verdict) == (0, "crashed (signal 9)")
    assert "killed the sandbox's supervisor" in correctness.summary
    assert not report.platform_failed


def test_a_step_the_sandbox_cannot_run_spoils_its_criterion_not_the_report(
    week01: LoadedRubric, tmp_path: Path
) -> None:
    """The sandbox cannot run mypy's step (e.g. a process slot refused): that criterion is a
    provisional 0 marked `tool_error`, the others are graded, and a report is still returned
    (the CLI writes it and exits 3), as the README promises."""

    def refused(run: RunOutput) -> RunOutput:
        raise SandboxError(
            "cannot start /opt/sandbox/bin/python: [Errno 11] Resource temporarily unavailable"
        )

    sandbox = ScriptedSandbox(LocalSandbox(tmp_path / "cache"), {}, {"mypy": refused})
    report = grade_submission(WEEK01 / "reference", week01, sandbox, GradeOptions())
    criteria = {criterion.id: criterion for criterion in report.criteria}
    assert report.platform_failed
    assert criteria["types"].status == "tool_error" and "Errno 11" in criteria["types"].summary
    assert criteria["correctness"].score == 50 and criteria["style"].status == "graded"


def test_a_step_cut_by_the_run_deadline_is_a_timeout_not_an_escaped_error(
    week01: LoadedRubric, tmp_path: Path
) -> None:
    """A static tool's step that the run's deadline cut short scores its criterion 0 with the
    `timeout` verdict, and the other criteria are still graded (no exception leaves the pipeline)."""
    cut = RunOutput(
        exit_code=None,
        stdout="",
        stderr="the run's 600 s deadline passed",
        duration=0.1,
        deadline_passed=True,
    )
    sandbox = ScriptedSandbox(LocalSandbox(tmp_path / "cache"), {"mypy": cut})
    report = grade_submission(WEEK01 / "reference", week01, sandbox, GradeOptions())
    criteria = {criterion.id: criterion for criterion in report.criteria}
    assert criteria["types"].score == 0 and criteria["types"].verdict == "timeout"
    assert "deadline" in criteria["types"].summary
    assert criteria["correctness"].score == 50


@pytest.mark.slow
def test_a_flood_of_type_errors_is_a_graded_zero_not_the_graders_failure(tmp_path: Path) -> None:
    """Thousands of mypy errors push its report past the output cap: the criterion is a graded 0
    that says so (was: a cut report read as garbage, tool_error, and the whole grade exit 3)."""
    (tmp_path / "rubric.yaml").write_text(
        "id: flood\ntitle: Flood\ncriteria:\n  - {id: types, kind: types, points: 10}\n"
    )
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "records.py").write_text(
        "".join(f'x{i}: int = "not an int"\n' for i in range(6000))
    )
    report = grade_submission(
        submission, load_rubric(tmp_path / "rubric.yaml"), LocalSandbox(tmp_path / "cache")
    )
    [types] = report.criteria
    assert (types.score, types.status) == (0, "graded"), types.summary
    assert "output truncated" in types.summary and not report.platform_failed


def _flood(tmp_path: Path, criterion: str, source: str) -> CriterionResult:
    """Grade a one-criterion rubric on a file made of ``source``; the criterion's result."""
    (tmp_path / "rubric.yaml").write_text(f"id: flood\ntitle: Flood\ncriteria:\n  - {criterion}\n")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "records.py").write_text(source)
    report = grade_submission(
        submission, load_rubric(tmp_path / "rubric.yaml"), LocalSandbox(tmp_path / "cache")
    )
    assert not report.platform_failed, report.criteria[0].summary
    [result] = report.criteria
    return result


@pytest.mark.slow
def test_a_flood_of_advice_below_the_security_threshold_costs_nothing(tmp_path: Path) -> None:
    """Thousands of low-severity findings push bandit's report past the output cap: bandit runs
    again listing only what counts, so the advice costs nothing (was: tool_error, exit 3)."""
    lines = "".join(f"assert x{i}\n" for i in range(3000))  # B101, low severity
    result = _flood(tmp_path, "{id: security, kind: security, points: 5}", lines)
    assert (result.score, result.status) == (5, "graded"), result.summary


@pytest.mark.slow
def test_a_flood_of_simple_functions_costs_no_complexity_points(tmp_path: Path) -> None:
    """Thousands of rank-A functions push radon's report past the output cap: radon runs again
    listing only the functions over max_rank, and the summary says so (was: tool_error)."""
    functions = "".join(f"def f{i}():\n    return {i}\n" for i in range(12000))
    result = _flood(tmp_path, "{id: complexity, kind: complexity, points: 5}", functions)
    assert (result.score, result.status) == (5, "graded"), result.summary
    assert "too many functions to list them all" in result.summary
