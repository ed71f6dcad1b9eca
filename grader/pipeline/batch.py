"""Grade every student folder under a root, in parallel and resumably (``grader batch``).

ROOT has the layout GitHub Classroom's assistant clones into: one folder per student
repository. Each folder is graded by ``grade_submission``, the one pipeline, and leaves in
the output folder::

    <folder>.json          the report, ``grader.report/v1`` as ``grader grade -f json`` writes it
    <folder>.md            the same report in Markdown
    .batch/<folder>.json   the stamp: the inputs the report was graded from
    gradebook.csv          one row per folder, rewritten at the end of every run

- Resumable: a folder is skipped when its stamp holds the digests of its files, of the
  rubric (the file and every path its criteria name: a fixed hidden test counts) and of the
  options, and its report reads back. Every file is written atomically (temporary file,
  rename), the stamp last: a run killed at any moment never leaves half a report as done.
- The platform's failure (``PlatformError``, a ``tool_error`` criterion) is not a finished
  report: no stamp, so the next run retries it. A student's failure is a graded report.
- Threads, each with its own sandbox from the factory (a Docker client per thread: requests'
  ``Session`` is not documented as thread-safe and docker-py pools 10 connections).
- ``jobs`` gradings at once, each with ``workers // jobs`` criteria side by side (at least
  1): about ``GRADER_WORKERS`` steps in all. Students are independent, while inside one
  grading the student's steps run one at a time: cores go further on more students.
- Once ``stop`` is set (Ctrl-C), no folder starts; the running ones finish and are written.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from grader.checks.rubric import LoadedRubric
from grader.errors import InputError, PlatformError
from grader.pipeline.digests import rubric_digest, tree_digest
from grader.pipeline.grade import GradeOptions, grade_submission
from grader.report.cells import number, safe_cell
from grader.report.model import Report, readable
from grader.report.render import render
from grader.sandbox.protocol import Sandbox

log = logging.getLogger(__name__)

STAMPS = ".batch"
"""The output folder's hidden folder of stamps, one per finished report."""
GRADEBOOK = "gradebook.csv"


class FolderStatus(StrEnum):
    """How a folder ended (the gradebook's ``status``): ``graded`` or ``incomplete`` as its
    report says; ``platform_failed`` (no finished report: the next run retries it);
    ``unusable`` (a file the grader cannot read); ``not_graded`` (stopped before it began)."""

    graded = "graded"
    incomplete = "incomplete"
    platform_failed = "platform_failed"
    unusable = "unusable"
    not_graded = "not_graded"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch, beyond the rubric."""

    out: Path
    """Where the reports, their stamps and the gradebook go."""
    jobs: int = 1
    """Folders graded at the same time."""
    workers: int = 1
    """Steps run at the same time in all (``GRADER_WORKERS``); shared among the jobs."""
    force: bool = False
    """Grade every folder again, even those whose report is up to date."""
    show_hidden: bool = False
    """Reports show hidden tests' names and messages (for instructors)."""


@dataclass(frozen=True)
class FolderResult:
    """One student folder's outcome."""

    name: str
    """The folder's name under ROOT."""
    status: FolderStatus
    report: Report | None = None
    """The report (also a platform-failed one, which is not written)."""
    message: str = ""
    """Why there is no finished report, when there is none."""
    kept: bool = False
    """True when an earlier run's report was up to date and kept."""


@dataclass(frozen=True)
class BatchPlan:
    """The folders under ROOT and which of them need grading."""

    root: Path
    out: Path
    folders: tuple[str, ...]
    """Every student folder's name, sorted."""
    known: tuple[FolderResult, ...]
    """Folders settled without grading: up to date reports kept, unreadable folders."""
    todo: tuple[tuple[str, dict[str, str]], ...]
    """Folders to grade, each with the inputs its stamp will hold."""


def default_out(root: Path) -> Path:
    """``ROOT/../<rootname>-reports``: beside the clones, never among them."""
    resolved = _resolved(root)
    return resolved.parent / f"{resolved.name or 'root'}-reports"


def discover(root: Path, out: Path) -> tuple[str, ...]:
    """The student folders of ``root``: its subfolders but hidden ones and ``out``, sorted.

    Raises ``InputError`` naming ``root`` when it is missing, not a folder, or holds no
    student folder.
    """
    shown = readable(str(root))
    entries = _listing(root, shown)
    out = _resolved(out)
    folders = tuple(
        entry.name
        for entry in entries
        if not entry.name.startswith(".")
        and _is_folder(entry)
        and Path(entry.path).resolve() != out
    )
    if not folders:
        raise InputError(
            f"{shown}: no student folders in it ({len(entries)} entries, none a visible folder); "
            "give the folder holding one folder per student repository"
        )
    return folders


def _listing(root: Path, shown: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except FileNotFoundError:
        raise InputError(f"{shown}: no such folder") from None
    except NotADirectoryError:
        raise InputError(
            f"{shown}: not a folder; give the folder holding the student folders"
        ) from None
    except OSError as exc:
        raise InputError(f"{shown}: {exc.strerror or exc}") from None
    if not entries:
        raise InputError(f"{shown}: the folder is empty; it should hold one folder per student")
    return entries


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links (Python 3.11)
        raise InputError(f"{readable(str(path))}: {exc}") from None


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def plan_batch(root: Path, loaded: LoadedRubric, options: BatchOptions) -> BatchPlan:
    """Find the student folders and read the stamps: which folders are done, which to grade.

    Creates the output folder; raises ``InputError`` when it cannot, or when it is ROOT or
    inside a student folder (the reports would change the digest they are stamped with).
    """
    folders = discover(root, options.out)
    _check_out(root, options.out, folders)
    rubric = rubric_digest(loaded)
    known: list[FolderResult] = []
    todo: list[tuple[str, dict[str, str]]] = []
    for name in folders:
        try:
            folder = tree_digest(root / name)
        except OSError as exc:
            message = f"cannot read {readable(str(exc.filename or name))}: {exc.strerror or exc}"
            known.append(FolderResult(name, FolderStatus.unusable, message=message))
            continue
        inputs = {"folder": folder, "rubric": rubric, "show_hidden": str(options.show_hidden)}
        report = None if options.force else _finished(options.out, name, inputs)
        if report is None:
            todo.append((name, inputs))
        else:
            known.append(FolderResult(name, FolderStatus(report.status), report, kept=True))
    return BatchPlan(root, options.out, folders, tuple(known), tuple(todo))


def _check_out(root: Path, out: Path, folders: tuple[str, ...]) -> None:
    resolved_root, resolved_out = _resolved(root), _resolved(out)
    if resolved_out == resolved_root:
        raise InputError(f"--out {readable(str(out))} is ROOT itself; give another folder")
    for name in folders:
        if resolved_out.is_relative_to((root / name).resolve()):
            raise InputError(
                f"--out {readable(str(out))} is inside the student folder {readable(name)}"
            )
    try:
        (out / STAMPS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create --out {readable(str(out))}: {exc.strerror or exc}"
        ) from None


def _finished(out: Path, name: str, inputs: dict[str, str]) -> Report | None:
    """The earlier report of ``name`` when its stamp matches ``inputs`` and it reads back."""
    try:
        stamp = json.loads((out / STAMPS / f"{name}.json").read_text(encoding="utf-8"))
        if stamp != inputs:
            return None
        return Report.model_validate_json((out / f"{name}.json").read_bytes())
    except (OSError, ValueError, ValidationError):  # missing, unreadable or damaged: grade again
        return None


def split_cores(jobs: int, todo: int, workers: int) -> tuple[int, int]:
    """Gradings at once (no more than there are folders) and criteria side by side in each."""
    running = max(1, min(jobs, todo))
    return running, max(1, workers // running)


def run_batch(
    plan: BatchPlan,
    loaded: LoadedRubric,
    sandbox_factory: Callable[[], Sandbox],
    options: BatchOptions,
    *,
    progress: Callable[[FolderResult], None] | None = None,
    stop: threading.Event | None = None,
) -> list[FolderResult]:
    """Grade the plan's folders in parallel, write each report, then the gradebook.

    ``progress`` is called in the caller's thread with each folder's result (the kept ones
    first); ``sandbox_factory`` is called once per worker thread. Returns every folder's
    result in the plan's order.
    """
    stop = stop or threading.Event()
    notify = progress or (lambda result: None)
    results = {result.name: result for result in plan.known}
    for result in plan.known:
        notify(result)
    jobs, workers = split_cores(options.jobs, len(plan.todo), options.workers)
    grade_options = GradeOptions(show_hidden=options.show_hidden, workers=workers)
    grading = _Grading(plan, loaded, sandbox_factory, grade_options, stop)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="batch") as pool:
        try:
            futures = [pool.submit(grading.one, name, inputs) for name, inputs in plan.todo]
            for future in as_completed(futures):
                result = future.result()
                results[result.name] = result
                notify(result)
        except BaseException:  # a KeyboardInterrupt here: start nothing more, let the pool drain
            stop.set()
            raise
    ordered = [results[name] for name in plan.folders]
    write_atomically(plan.out / GRADEBOOK, gradebook_csv(loaded, ordered))
    return ordered


@dataclass(frozen=True)
class _Grading:
    plan: BatchPlan
    loaded: LoadedRubric
    sandbox_factory: Callable[[], Sandbox]
    options: GradeOptions
    stop: threading.Event
    local: threading.local = field(default_factory=threading.local)
    """This thread's sandbox, made on its first grading."""

    def one(self, name: str, inputs: dict[str, str]) -> FolderResult:
        """Grade one folder and write its report; never raises (a bug is a platform failure)."""
        if self.stop.is_set():
            return FolderResult(name, FolderStatus.not_graded, message="stopped before it started")
        try:
            return self._grade(name, inputs)
        except Exception as exc:  # a grader bug spoils one folder, not the batch
            log.exception("grading %s failed", name)
            message = f"the grader failed: {type(exc).__name__}: {exc}"
            return FolderResult(name, FolderStatus.platform_failed, message=message)

    def _grade(self, name: str, inputs: dict[str, str]) -> FolderResult:
        out = self.plan.out
        (out / STAMPS / f"{name}.json").unlink(missing_ok=True)  # not done until stamped again
        try:
            if not hasattr(self.local, "sandbox"):
                self.local.sandbox = self.sandbox_factory()
            report = grade_submission(
                self.plan.root / name, self.loaded, self.local.sandbox, self.options
            )
        except InputError as exc:
            return FolderResult(name, FolderStatus.unusable, message=str(exc))
        except PlatformError as exc:
            return FolderResult(name, FolderStatus.platform_failed, message=str(exc))
        if report.platform_failed:
            failed = [f"{c.id}: {c.summary}" for c in report.criteria if c.status == "tool_error"]
            message = "a grading tool failed: " + "; ".join(failed)
            return FolderResult(name, FolderStatus.platform_failed, report, message)
        try:
            write_atomically(out / f"{name}.json", render(report, "json"))
            write_atomically(out / f"{name}.md", render(report, "markdown"))
            write_atomically(out / STAMPS / f"{name}.json", json.dumps(inputs, indent=2) + "\n")
        except OSError as exc:
            message = f"cannot write the report: {exc.strerror or exc}"
            return FolderResult(name, FolderStatus.platform_failed, report, message)
        return FolderResult(name, FolderStatus(report.status), report)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place: a reader
    (or a run killed half-way) sees the old file or the new one, never a part."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="") as file:
            file.write(readable(text))  # a file name that is not UTF-8 is written readably
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def gradebook_csv(loaded: LoadedRubric, results: list[FolderResult]) -> str:
    """One row per folder: folder, score, max_score, status, late_days, each criterion's
    score (by id), message. A folder without a finished report has empty scores."""
    criteria = [criterion.id for criterion in loaded.rubric.criteria]
    rows = [["folder", "score", "max_score", "status", "late_days", *criteria, "message"]]
    for result in results:
        report = result.report if result.status in ("graded", "incomplete") else None
        scores = {c.id: c.score for c in report.criteria} if report else {}
        late = report.late if report else None
        rows.append(
            [
                safe_cell(readable(result.name)),
                number(report.score if report else None),
                number(loaded.rubric.max_score),
                result.status.value,
                "" if late is None else str(late.days_late),
                *(number(scores.get(criterion)) for criterion in criteria),
                safe_cell(readable(result.message)),
            ]
        )
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
