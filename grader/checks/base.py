"""What every check shares: its context, file selection and result builders."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import OutputFlood, RunDeadlineExceeded, ToolOutputError
from grader.report.model import CriterionResult, Finding, TestResult
from grader.report.wording import plural
from grader.rubric.model import CriterionBase, Limits, StaticCriterion
from grader.sandbox.protocol import (
    OUTPUT_LIMIT,
    Command,
    RunOutput,
    StepDir,
    Workspace,
)
from grader.scoring import Points, unchecked_points
from grader.submission import SubmissionFiles

if TYPE_CHECKING:  # the loaded rubric's model is built from the registry, which imports every check
    from grader.checks.rubric import LoadedRubric

RESULT_FILE_LIMIT = 16 * 1024 * 1024
"""Largest result file (JUnit XML, coverage JSON) read back from the sandbox."""

ISOLATED_PYTHON = ("python", "-I", "-B", "-X", "utf8")
"""The interpreter for steps of the student's code: ``-I`` ignores ``PYTHON*`` variables and user
site-packages and, above all, does not put the working folder first on ``sys.path``, so a
student's ``pytest.py`` or ``coverage/`` cannot stand in for the real tool. pytest's
``pythonpath`` setting puts the submission on the path once pytest is loaded."""

PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""Every pytest session on the student's code: no plugin loads itself from an entry point."""
PYTEST_NO_TESTS_EXIT = 5
"""pytest's exit code when it collected no tests."""

PYTEST_INI = "grader/pytest.ini"
"""The grader's pytest configuration in the workspace; the student's is never read."""
PYTEST_PLUGIN = "grader_pytest_plugin"
"""The grader's pytest plugin (``-p``), see ``grader/harness/pytest_plugin.py``."""
COLLECTED_FILE_ENV = "GRADER_COLLECTED_FILE"
"""Where the plugin writes a file once pytest has collected, so imported, the code under test."""
PYTEST_PLUGIN_SOURCE = Path(__file__).resolve().parent.parent / "harness" / "pytest_plugin.py"
PYTEST_PLUGIN_FILE = f"grader/plugins/{PYTEST_PLUGIN}.py"
"""Where the workspace keeps it: the grader's ``pytest.ini`` puts ``grader/plugins`` on ``sys.path``."""
PYTEST_INI_TEXT = (
    "[pytest]\n"
    "# The grader's own configuration: with -c, the student's pytest settings are never read.\n"
    "# The grader's plugins, then the submission, go on sys.path once pytest is loaded (relative\n"
    "# to this file), before -p plugins are imported; plugins first, so no student module shadows them.\n"
    "pythonpath = plugins ../submission\n"
)


@dataclass(frozen=True)
class WorkspaceFile:
    """A file of the grader's that a kind's steps read, put in the workspace before any check runs."""

    path: str
    """Where it goes, relative to the workspace (under ``grader/``)."""
    content: str | Path
    """Its text, or the host file copied in."""

    def put(self, workspace: Workspace) -> None:
        """Write it into ``workspace``."""
        if isinstance(self.content, Path):
            workspace.add_tree(self.content, self.path)
        else:
            workspace.write_text(self.path, self.content)


PYTEST_FILES = (
    WorkspaceFile(PYTEST_INI, PYTEST_INI_TEXT),
    WorkspaceFile(PYTEST_PLUGIN_FILE, PYTEST_PLUGIN_SOURCE),
)
"""What every pytest session on the student's code needs: the grader's ini file and plugin."""


def pytest_options(test_timeout: int) -> tuple[str, ...]:
    """What every pytest session on the student's code shares: the grader's ini and plugin, no
    cache, a per-test timeout, and output straight to the step's capped stream (``-s``), not to a file."""
    return (
        "-c", f"../{PYTEST_INI}", "-p", "no:cacheprovider", "-p", PYTEST_PLUGIN, "-p", "pytest_timeout",
        "--timeout", str(test_timeout), "-q", "-s", "--no-header",
    )  # fmt: skip


JUNIT_OPTIONS = (
    "--continue-on-collection-errors",
    "-rN",
    "--tb=short",
    "-o",
    "junit_family=xunit2",
)
"""Options of the sessions whose results are read back from JUnit XML."""


@dataclass(frozen=True)
class CheckContext:
    """Everything a check needs besides its criterion."""

    workspace: Workspace
    loaded: LoadedRubric
    submission: SubmissionFiles
    now: datetime
    """The grading time, for `after_due` visibility."""
    show_hidden: bool
    """Show hidden tests' names and messages (instructors only)."""

    def command(
        self,
        *argv: str,
        cwd: StepDir = "submission",
        student_code: bool = False,
        env: dict[str, str] | None = None,
        outputs: tuple[str, ...] = (),
    ) -> Command:
        """A step with the rubric's timeout."""
        return Command(
            argv=argv,
            timeout=float(self.loaded.rubric.limits.timeout),
            cwd=cwd,
            runs_student_code=student_code,
            env=env or {},
            outputs=outputs,
        )

    @property
    def limits(self) -> Limits:
        """The rubric's resource limits."""
        return self.loaded.rubric.limits


def select_files(criterion: StaticCriterion, files: Iterable[str]) -> list[str]:
    """The submission's files matching the criterion's include globs and none of its excludes."""
    return [
        name
        for name in files
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in criterion.include)
        and not any(fnmatch.fnmatchcase(name, pattern) for pattern in criterion.exclude)
    ]


def relative_path(reported: str, files: Iterable[str]) -> str:
    """A tool's path for a file (absolute, or ``./x``, or ``../submission/x``) as the submission's."""
    normalised = reported.replace("\\", "/").removeprefix("./")
    names = sorted(files, key=len, reverse=True)
    # The workspace folder is always `submission/`: an exact match there beats a longer suffix,
    # so `submission/records.py` does not swallow a top-level `records.py`.
    for name in names:
        if normalised == name or normalised.endswith("submission/" + name):
            return name
    best = ""
    for name in names:
        if normalised.endswith("/" + name) and len(name) > len(best):
            best = name
    return best or normalised


def step_result(ctx: CheckContext, run: RunOutput, path: str) -> bytes | None:
    """The result file a step of the student's code wrote, or None when there is none to trust.

    Without its supervisor the step's end is unknown: whether the orphaned process got to
    write the file is a race, so a file it left is never read and the verdict cannot depend on it.
    """
    return None if run.supervisor_lost else ctx.workspace.read_bytes(path, RESULT_FILE_LIMIT)


def load_json(text: str, tool: str) -> Any:
    """Parse a tool's JSON output or say, in one line, that it was not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        first = text.strip().splitlines()[0][:200] if text.strip() else "(no output)"
        raise ToolOutputError(
            f"{tool} did not print JSON ({exc.msg} at line {exc.lineno}); it printed: {first}"
        ) from None


def checked_run(
    ctx: CheckContext,
    tool: str,
    argv: tuple[str, ...],
    ok_exits: tuple[int, ...],
    cwd: StepDir = "submission",
    outputs: tuple[str, ...] = (),
    *,
    reports_findings: bool = False,
) -> RunOutput:
    """Run a grading tool; raise ``ToolOutputError`` when it did not finish or failed.

    Static tools only read the student's code, so their failure is the
    grader's, never the student's. With ``reports_findings``, a report cut at the output cap
    is the student's flood of findings (``OutputFlood``), not garbage from the tool.
    """
    run = ctx.workspace.run(ctx.command(*argv, cwd=cwd, outputs=outputs))
    if run.deadline_passed:
        raise RunDeadlineExceeded(run.stderr)
    if reports_findings and run.output_truncated:
        raise OutputFlood(
            f"{tool} found too much in your code to list: its report passed {size_text(OUTPUT_LIMIT)}"
            " (output truncated); fix the most frequent problem first"
        )
    if run.timed_out or run.exit_code not in ok_exits:
        status = (
            "did not finish" if run.exit_code is None else f"failed (exit code {run.exit_code})"
        )
        raise ToolOutputError(f"{tool} {status}: {first_line(run)}")
    return run


def first_line(run: RunOutput) -> str:
    """The most telling line of a failed step's output."""
    for text in (run.stderr, run.stdout):
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if lines:
            return lines[-1][:300]
    return "(no output)"


def result(
    criterion: CriterionBase,
    points: Points,
    summary: str,
    *,
    findings: Iterable[Finding] = (),
    tests: Iterable[TestResult] = (),
    metrics: dict[str, float] | None = None,
    verdict: str | None = None,
    details: Iterable[str] = (),
) -> CriterionResult:
    """A graded criterion; the hint and link are attached only when points were lost."""
    lost = points.score < criterion.points
    return CriterionResult(
        id=criterion.id,
        kind=criterion.kind,
        title=criterion.heading,
        score=points.score,
        max_score=criterion.points,
        summary=summary,
        explanation=points.explanation,
        findings=tuple(findings),
        tests=tuple(tests),
        hint=criterion.hint if lost else None,
        learn_more=criterion.learn_more if lost else None,
        metrics=metrics or {},
        verdict=verdict,
        details=tuple(details),
    )


UNCHECKABLE = {
    "missing-file": "missing",
    "syntax-error": "a syntax error",
    "not-utf8": "not UTF-8",
    "unreadable": "unreadable",
    "file-too-large": "too large to check",
    "too-deeply-nested": "nested too deeply to parse",
}
"""Problems of the submission that keep a static tool from checking a file, and how to say so."""


def unchecked_files(
    criterion: StaticCriterion,
    ctx: CheckContext,
    files: Iterable[str],
    findings: Iterable[Finding],
    tool_codes: Collection[str],
) -> list[Finding]:
    """The files the criterion should have checked and could not: a required file that is
    missing, or a selected file the submission's inspection or the tool itself (a finding with
    one of ``tool_codes``) could not read or parse. One ``not-checked`` error each."""
    selected = set(files)
    reasons: dict[str, str] = {}
    for problem in ctx.submission.problems:  # missing files and files kept from the tools too
        wanted = problem.path in selected or bool(select_files(criterion, [problem.path]))
        if problem.code in UNCHECKABLE and wanted:
            reasons.setdefault(problem.path, UNCHECKABLE[problem.code])
    for finding in findings:
        if finding.code in tool_codes and finding.path in selected:
            reasons.setdefault(finding.path, finding.message[:200])
    return [
        Finding(path=path, code="not-checked", severity="error", message=f"not checked: {reason}")
        for path, reason in sorted(reasons.items())
    ]


def unchecked_result(
    criterion: StaticCriterion,
    unchecked: list[Finding],
    findings: Iterable[Finding],
    metrics: dict[str, float],
) -> CriterionResult:
    """0 points, graded: what could not be checked cannot earn points, whatever the other
    files hold (a student cannot trade a broken or missing module for a clean helper)."""
    named = ", ".join(
        f"{finding.path} ({finding.message.removeprefix('not checked: ')})"
        for finding in unchecked[:5]
    )
    more = f" and {len(unchecked) - 5} more" if len(unchecked) > 5 else ""
    return result(
        criterion,
        unchecked_points(criterion.points, [finding.path for finding in unchecked]),
        f"{plural(len(unchecked), 'file')} could not be checked: {named}{more}",
        findings=[*unchecked, *findings],
        metrics={**metrics, "unchecked_files": float(len(unchecked))},
    )


def failed(
    criterion: CriterionBase,
    summary: str,
    *,
    tool_fault: bool = False,
    tests: Iterable[TestResult] = (),
    verdict: str | None = None,
    details: Iterable[str] = (),
) -> CriterionResult:
    """A criterion that could not be graded: 0 points, and why.

    ``tool_fault`` marks the grader's own failure (a tool crashed or printed
    garbage): the score is provisional and the platform, not the student, is
    at fault.
    """
    return CriterionResult(
        id=criterion.id,
        kind=criterion.kind,
        title=criterion.heading,
        score=0.0,
        max_score=criterion.points,
        status="tool_error" if tool_fault else "error",
        summary=summary,
        explanation="could not be graded: 0"
        + (" (provisional: the grader failed, not your code)" if tool_fault else ""),
        tests=tuple(tests),
        hint=None if tool_fault else criterion.hint,
        learn_more=None if tool_fault else criterion.learn_more,
        verdict=verdict,
        details=tuple(details),
    )


def stopped_summary(run: RunOutput, what: str, limits: Limits) -> str | None:
    """A sentence for a step the sandbox stopped (its verdict), or None when it ended by itself."""
    verdict = run.verdict
    if run.import_timed_out:
        return (
            f"{what} {_were(what)} not run: importing your code did not finish within "
            f"{limits.timeout} s in an earlier step (timeout)"
        )
    if run.supervisor_lost and verdict == "crashed (signal 9)":
        return (
            f"{what} killed the sandbox's supervisor ({verdict}), so no result can be "
            "trusted and nothing is counted"
        )
    if verdict == "timeout":
        return (
            f"{what} ran out of time after {run.duration:.0f} s and {_were(what)} stopped (timeout)"
        )
    if verdict == "memory limit":
        return f"{what} ran out of memory (limit {size_text(int(limits.memory))}) and {_were(what)} stopped (memory limit)"
    if verdict == "process limit":
        return f"{what} tried to start more than {limits.pids} processes or threads (process limit)"
    if verdict == "disk full":
        return f"{what} filled the writable space of {size_text(int(limits.disk))} (disk full)"
    if verdict.startswith("crashed"):
        return f"{what} {verdict}"
    return None


def verdict_note(run: RunOutput, limits: Limits) -> str:
    """``; <what happened>`` for a step that reported but hit a limit on the way, else ``""``."""
    verdict = run.verdict
    if verdict == "output truncated":
        return f"; the output was cut at {size_text(OUTPUT_LIMIT)} (output truncated)"
    if verdict in ("passed", "failed"):
        return ""
    return f"; {stopped_summary(run, 'the run', limits)}"


def _were(what: str) -> str:
    return "were" if what.startswith(("your tests", "the tests")) else "was"


def size_text(value: int) -> str:
    """Bytes as people read them: ``1.5 MiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value} bytes"
