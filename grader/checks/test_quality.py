"""``test_quality``: the student's own tests, graded by the faults they catch.

The student's tests run against the reference, then against each of the
rubric's faulty implementations (a copy of the reference with one fault
folder's ``fault.yaml`` edits made and its files laid over it), then against
the reference again. Every run uses the same folder, so a test cannot tell
the variants apart by their path, and the closing run on the reference fails
tests that pass only the first time they run (a marker left on disk). The
tests must pass on the reference both times; a fault is caught when they fail
on it. The missed faults are named, with their description.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.checks.base import (
    ISOLATED_PYTHON,
    PYTEST_ENV,
    PYTEST_FILES,
    PYTEST_NO_TESTS_EXIT,
    PYTEST_PLUGIN,
    CheckContext,
    failed,
    first_line,
    result,
    stopped_summary,
)
from grader.checks.kind import CheckKind
from grader.errors import RubricError, RubricProblem
from grader.report.model import CriterionResult
from grader.report.wording import format_number, plural
from grader.rubric.faults import LoadedFault, load_faults
from grader.rubric.model import CriterionBase, NamedPath, RelativePath
from grader.sandbox.protocol import RunOutput
from grader.scoring import Points


class TestQualityCriterion(CriterionBase):
    """Grade the student's own tests by the faults they catch."""

    __test__ = False  # not a pytest test class, despite the name

    kind: Literal["test_quality"]
    """Run the student's tests against the reference and against faulty implementations."""
    tests: RelativePath = "tests"
    """The student's test folder, relative to `root`."""
    faults: str = "faults"
    """Folder (relative to the rubric file) with one subfolder per faulty implementation: a `fault.yaml` of edits to the reference, and/or files laid over it."""
    reference: str = "reference"
    """The reference solution's folder, relative to the rubric file; the student's tests must pass on it."""

    def named_paths(self) -> tuple[NamedPath, ...]:
        """The reference, and the folder of faults."""
        return (
            NamedPath("reference", self.reference, "folder"),
            NamedPath("faults", self.faults, "faults"),
        )

    def rubric_problems(self, folder: Path) -> list[RubricProblem]:
        """Every fault that cannot be made from the reference (once both folders exist)."""
        faults, reference = folder / self.faults, folder / self.reference
        if not (faults.is_dir() and reference.is_dir()):
            return []
        try:
            load_faults(faults, reference)
        except RubricError as exc:
            return list(exc.problems)
        return []


STUDENT_ROOT_FILES = ("conftest.py",)
"""Files at the root of the submission that the student's tests may rely on."""
SHOWN_FAILURES = 5


def pytest_command(
    folder: str, tests: str, test_timeout: int, *, first_failure: bool
) -> tuple[str, ...]:
    """pytest on the student's tests in ``folder``, with the implementation beside them on sys.path."""
    return (
        *ISOLATED_PYTHON, "-m", "pytest", "-c", f"{folder}/pytest.ini", "--rootdir", folder,
        "-p", "no:cacheprovider", "-p", PYTEST_PLUGIN, "-p", "pytest_timeout", "--timeout", str(test_timeout),
        "-q", "--no-header", "--tb=no", "-rfE", *(("-x",) if first_failure else ()), f"{folder}/{tests}",
    )  # fmt: skip


def failures(run: RunOutput, folder: str) -> list[str]:
    """pytest's ``FAILED``/``ERROR`` lines, the folder's path cut off."""
    lines = [
        line.strip().replace(f"{folder}/", "")
        for line in run.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]
    return lines[:SHOWN_FAILURES]


class _Variants:
    """Builds each implementation in the one folder the student's tests run in."""

    def __init__(self, criterion: TestQualityCriterion, ctx: CheckContext) -> None:
        self.criterion = criterion
        self.ctx = ctx
        self.folder = f"grader/tq-{criterion.id}"
        self.tests = criterion.tests.strip("/")
        self.reference = ctx.loaded.resolve(criterion.reference)

    def run(self, fault: LoadedFault | None) -> RunOutput:
        """The student's tests against the reference, or against the reference with ``fault``."""
        workspace = self.ctx.workspace
        workspace.remove(self.folder)
        workspace.add_tree(self.reference, self.folder)
        workspace.remove(f"{self.folder}/{self.tests}")
        for name in STUDENT_ROOT_FILES:
            workspace.remove(f"{self.folder}/{name}")
        if fault is not None:
            for relative, path in fault.files:
                workspace.add_tree(path, f"{self.folder}/{relative}")
            for relative, text in fault.edited:
                workspace.write_text(f"{self.folder}/{relative}", text)
        root = self.ctx.submission.root
        workspace.add_tree(root / self.tests, f"{self.folder}/{self.tests}")
        for name in STUDENT_ROOT_FILES:
            if (root / name).is_file():
                workspace.add_tree(root / name, f"{self.folder}/{name}")
        workspace.write_text(f"{self.folder}/pytest.ini", "[pytest]\npythonpath = ../plugins .\n")
        argv = pytest_command(
            self.folder.removeprefix("grader/"),
            self.tests,
            self.ctx.limits.test_timeout,
            first_failure=fault is not None,
        )
        return workspace.run(
            self.ctx.command(*argv, cwd="grader", student_code=True, env=PYTEST_ENV)
        )


@dataclass(frozen=True)
class _Problem:
    """Why the student's tests did not pass on the reference."""

    summary: str
    stopped: str | None = None
    """The verdict when the sandbox stopped the tests (timeout, memory...): not graded."""


def _reference_problem(
    run: RunOutput, which: str, ctx: CheckContext, folder: str
) -> _Problem | None:
    """Why the student's tests did not pass on the reference, or None when they did."""
    if run.exit_code == 0:
        return None
    stopped = stopped_summary(run, "your tests", ctx.limits)
    if stopped:
        return _Problem(f"on a correct implementation ({which}), {stopped}", run.verdict)
    if run.exit_code == PYTEST_NO_TESTS_EXIT:
        return _Problem("pytest found no tests in your test folder")
    shown = failures(run, folder) or [first_line(run)]
    return _Problem(f"your tests fail on a correct implementation ({which}): " + "; ".join(shown))


def run_test_quality(criterion: TestQualityCriterion, ctx: CheckContext) -> CriterionResult:
    """Run the student's tests on the reference and on every fault; score the share caught."""
    tests = criterion.tests.strip("/")
    if not any(name.startswith(tests + "/") for name in ctx.submission.files):
        return failed(criterion, f"no tests found in {tests}/: add test_*.py files there")
    faults = load_faults(
        ctx.loaded.resolve(criterion.faults), ctx.loaded.resolve(criterion.reference)
    )
    secrets.SystemRandom().shuffle(faults)  # no order to learn from
    variants = _Variants(criterion, ctx)
    caught: list[LoadedFault] = []
    with ctx.workspace.exclusive():
        try:
            name = variants.folder.removeprefix("grader/")
            problem = _reference_problem(variants.run(None), "first run", ctx, name)
            if problem is None:
                caught = [fault for fault in faults if variants.run(fault).exit_code != 0]
                problem = _reference_problem(
                    variants.run(None), "run again after the faults", ctx, name
                )
        finally:
            ctx.workspace.remove(variants.folder)
    if problem is not None:
        summary = problem.summary + "; tests must pass on correct code before they can catch faults"
        if problem.stopped:
            return failed(criterion, summary, verdict=problem.stopped)
        zero = Points(0.0, "your tests must pass on the reference before faults count: 0")
        return result(criterion, zero, summary, verdict="failed")
    return _scored(criterion, faults, caught)


def _scored(
    criterion: TestQualityCriterion, faults: list[LoadedFault], caught: list[LoadedFault]
) -> CriterionResult:
    missed = sorted(
        (fault for fault in faults if fault not in caught), key=lambda fault: fault.name
    )
    share = len(caught) / len(faults)
    score = round(criterion.points * share, 2)
    points = Points(
        score,
        f"{format_number(criterion.points)} x {len(caught)}/{len(faults)} faults caught = {format_number(score)}",
    )
    summary = f"your tests caught {len(caught)} of {plural(len(faults), 'faulty implementation')}"
    if missed:
        summary += "; missed: " + ", ".join(fault.name for fault in missed)
    details = [
        f"caught: {fault.name}" for fault in sorted(caught, key=lambda fault: fault.name)
    ] + [
        f"missed: {fault.name}" + (f" ({fault.description})" if fault.description else "")
        for fault in missed
    ]
    return result(
        criterion,
        points,
        summary,
        metrics={"caught": float(len(caught)), "faults": float(len(faults))},
        details=details,
        verdict="passed" if not missed else "failed",
    )


KIND = CheckKind(
    model=TestQualityCriterion,
    run=run_test_quality,
    tool="the student's own tests on the reference and on faulty copies of it",
    fields="`tests` (tests), `faults` (faults), `reference` (reference)",
    score="`points` x faults caught / faults; 0 unless the tests pass on the reference (twice)",
    workspace_files=PYTEST_FILES,
)
