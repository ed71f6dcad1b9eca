"""Grade one submission: locate, inspect, sandbox, check, score, report.

The one function both the CLI and the worker call. Criteria run side by side
(their steps are independent processes); a student's problem becomes a
scored result, and only the platform's failures raise.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader import __version__
from grader.checks.base import COLLECTED_FILE_ENV, PYTEST_PLUGIN, CheckContext, failed, result
from grader.checks.registry import Criterion, run_check
from grader.checks.rubric import LoadedRubric
from grader.errors import (
    GraderError,
    OutputFlood,
    PlatformError,
    RunDeadlineExceeded,
    SandboxError,
    ToolOutputError,
)
from grader.report.model import CriterionResult, LateInfo, Report, RubricInfo, SubmissionInfo
from grader.sandbox.protocol import Command, RunOutput, Sandbox, Workspace
from grader.sandbox.staging import put_files
from grader.scoring import Points, apply_late_policy
from grader.submission import SubmissionFiles, inspect, locate

log = logging.getLogger(__name__)

TOOLS = ("pytest", "pytest-timeout", "coverage", "ruff", "mypy", "bandit", "radon")
_VERSIONS_SCRIPT = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"


@dataclass(frozen=True)
class GradeOptions:
    """How to grade, beyond the rubric."""

    submitted_at: datetime | None = None
    """When the work was submitted, for the late policy; None: on time."""
    due: datetime | None = None
    """The student's own deadline (an extension, late days spent), replacing the late
    policy's ``due``; None: the rubric's."""
    now: datetime | None = None
    """The grading time (for `after_due` visibility); None: the clock."""
    show_hidden: bool = False
    """Show hidden tests' names and messages (for instructors)."""
    workers: int = 2
    """Criteria graded at the same time."""


def grade_submission(
    path: Path, loaded: LoadedRubric, sandbox: Sandbox, options: GradeOptions | None = None
) -> Report:
    """Grade the submission at ``path`` against a loaded rubric.

    Raises ``SubmissionPathError`` when ``path`` cannot be graded at all and
    ``PlatformError`` when the sandbox fails; everything the student did
    wrong is in the report.
    """
    options = options or GradeOptions()
    started = time.monotonic()
    now = options.now or datetime.now(UTC)
    rubric = loaded.rubric
    submission = inspect(locate(path, rubric.submission), rubric.submission)
    with sandbox.open(submission.root, rubric.limits, rubric.services, rubric.image) as workspace:
        put_files(
            workspace, ((file.path, file.content) for file in loaded.registry.workspace_files)
        )
        tools = tool_versions(workspace)
        ctx = CheckContext(
            workspace=ImportWatch(workspace),
            loaded=loaded,
            submission=submission,
            now=now,
            show_hidden=options.show_hidden,
        )
        results = _run_criteria(rubric.criteria, ctx, options.workers)
        sandbox_info = workspace.describe()
    return build_report(
        loaded,
        submission,
        results,
        options.submitted_at,
        due=options.due,
        tools=tools,
        sandbox=sandbox_info,
        graded_at=now,
        duration=time.monotonic() - started,
    )


def _run_criteria(
    criteria: tuple[Criterion, ...], ctx: CheckContext, workers: int
) -> list[CriterionResult]:
    """Every criterion's result, in the rubric's order: the others side by side, then those
    that run alone (benchmarks) one at a time with nothing else running, so no grading step
    competes with the code being timed."""
    alone = [criterion for criterion in criteria if criterion.runs_alone]
    others = [criterion for criterion in criteria if not criterion.runs_alone]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="check") as pool:
        done = dict(
            zip(
                (criterion.id for criterion in others),
                pool.map(lambda criterion: _guarded(criterion, ctx), others),
                strict=True,
            )
        )
    done.update((criterion.id, _guarded(criterion, ctx)) for criterion in alone)
    return [done[criterion.id] for criterion in criteria]


def _guarded(criterion: Criterion, ctx: CheckContext) -> CriterionResult:
    """Run a check; a bug in the grader spoils one criterion, not the report."""
    try:
        return run_check(criterion, ctx)
    except ToolOutputError as exc:  # a tool's failure spoils its criterion, not the report
        return _crashed(criterion, exc)
    except SandboxError as exc:  # so is a step the sandbox could not run: the report says which
        return _crashed(criterion, exc)
    except RunDeadlineExceeded as exc:  # before GraderError: the student's, and a result
        return failed(criterion, f"not graded: {exc} (timeout)", verdict="timeout")
    except OutputFlood as exc:  # the student's thousands of findings: graded, not the grader's
        return result(criterion, Points(0.0, "too many findings to count: 0"), str(exc))
    except GraderError:
        raise
    except Exception as exc:  # a grader bug: the other criteria still count
        return _crashed(criterion, exc)


def _crashed(criterion: Criterion, exc: Exception) -> CriterionResult:
    log.exception("check %s crashed", criterion.id)
    return failed(
        criterion,
        f"the grader failed while checking this: {type(exc).__name__}: {exc}",
        tool_fault=True,
    )


class ImportWatch:
    """The workspace the checks see: once a step has shown that the submission cannot be
    imported within a step's timeout, later steps of the submission's code are not run.

    Hostile or broken code that hangs at import would otherwise cost the full timeout once per
    step that imports it (the tests, then the coverage or the benchmark). A pytest step on the
    submission is told, through the grader's plugin, to write a file once it has collected its
    tests; when it runs out of time (its verdict ``timeout``: not the run's deadline, not a
    lost supervisor, not a full disk) before that file exists, importing the code under test
    did not finish. Every later step of the submission's code is then answered at once with
    that reason: a ``timeout`` scoring 0.
    Steps on other code (``test_quality`` runs the student's tests against the reference, in
    ``grader/``) are neither watched nor skipped.
    """

    def __init__(self, inner: Workspace) -> None:
        self._inner = inner
        self._hung = threading.Event()
        self._markers = itertools.count()

    def run(self, command: Command) -> RunOutput:
        """Run ``command``, or answer at once when the submission is known not to import in time."""
        if not (command.runs_student_code and command.cwd == "submission"):
            return self._inner.run(command)
        with self._inner.exclusive():
            if self._hung.is_set():
                return _not_run(command)
            if PYTEST_PLUGIN not in command.argv:
                return self._inner.run(command)
            marker = f"out/grader-collected-{next(self._markers)}"
            watched = dataclasses.replace(
                command,
                env={**command.env, COLLECTED_FILE_ENV: f"../{marker}"},
                outputs=(*command.outputs, marker),
            )
            run = self._inner.run(watched)
            # `timeout`, not a limit that explains it: a full disk may have kept the file out.
            if (
                run.verdict == "timeout"
                and not run.deadline_passed
                and not run.supervisor_lost
                and self._inner.read_bytes(marker, 64) is None
            ):
                log.info("the submission did not import within %s s", command.timeout)
                self._hung.set()
            return run

    def add_tree(self, source: Path, dest: str) -> None:
        """Delegated."""
        self._inner.add_tree(source, dest)

    def write_text(self, dest: str, text: str) -> None:
        """Delegated."""
        self._inner.write_text(dest, text)

    def remove(self, dest: str) -> None:
        """Delegated."""
        self._inner.remove(dest)

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Delegated."""
        return self._inner.read_bytes(path, limit)

    def cache_dir(self, tool: str) -> str | None:
        """Delegated."""
        return self._inner.cache_dir(tool)

    def exclusive(self) -> AbstractContextManager[None]:
        """Delegated."""
        return self._inner.exclusive()

    def describe(self) -> dict[str, str]:
        """Delegated."""
        return self._inner.describe()


def _not_run(command: Command) -> RunOutput:
    return RunOutput(
        exit_code=None,
        stdout="",
        stderr=f"not run: importing the submission did not finish within {command.timeout:.0f} s in an earlier step",
        duration=0.0,
        timed_out=True,
        import_timed_out=True,
    )


_VERSIONS: dict[str, dict[str, str]] = {}
"""The tools' versions by sandbox image digest: an image's tools never change, so a worker asks
each image once instead of spending a step of every grading on it."""


def tool_versions(workspace: Workspace) -> dict[str, str]:
    """The versions of the grading tools inside the sandbox."""
    image = workspace.describe().get("image_digest")
    if image and image in _VERSIONS:
        return dict(_VERSIONS[image])
    run = workspace.run(
        Command(argv=("python", "-c", _VERSIONS_SCRIPT, *TOOLS), timeout=60, cwd="grader")
    )
    try:
        versions = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise PlatformError(
            f"the sandbox's Python cannot report the grading tools' versions: {run.stderr.strip()[-300:]}"
        ) from None
    found = {str(name): str(version) for name, version in versions.items()}
    if image:
        _VERSIONS[image] = found
    return dict(found)


def build_report(
    loaded: LoadedRubric,
    submission: SubmissionFiles,
    results: list[CriterionResult],
    submitted_at: datetime | None,
    *,
    due: datetime | None = None,
    tools: dict[str, str],
    sandbox: dict[str, str],
    graded_at: datetime,
    duration: float,
) -> Report:
    """Add up the criteria and apply the late policy."""
    rubric = loaded.rubric
    total = round(sum(result.score for result in results), 2)
    late: LateInfo | None = None
    if rubric.late is not None and submitted_at is not None:
        policy = rubric.late if due is None else rubric.late.model_copy(update={"due": due})
        penalty = apply_late_policy(total, policy, submitted_at)
        total = penalty.score
        late = LateInfo(
            submitted_at=submitted_at,
            due=policy.due,
            days_late=penalty.days_late,
            penalty_percent=penalty.penalty_percent,
            accepted=penalty.accepted,
        )
    return Report(
        score=total,
        max_score=rubric.max_score,
        status="graded" if all(result.status == "graded" for result in results) else "incomplete",
        rubric=RubricInfo(id=rubric.id, title=rubric.title, sha256=loaded.sha256),
        submission=SubmissionInfo(
            root=str(submission.root), files=submission.files, problems=submission.problems
        ),
        criteria=tuple(results),
        late=late,
        tools=tools,
        sandbox=sandbox,
        grader_version=__version__,
        graded_at=graded_at,
        duration=round(duration, 3),
    )
