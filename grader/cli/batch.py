"""``grader batch ROOT --rubric R``: grade every student folder under ROOT.

The logic is ``grader.pipeline.batch``; this module is the door: options, the sandbox
per thread, the progress bar (rich on a terminal, a plain line per folder otherwise, both
on stderr) and Ctrl-C. Exit codes as ``grader grade``'s, for the whole batch: 0 every
folder has its report; 2 unusable input (ROOT, the rubric, --out, or a student folder
that cannot be read); 3 the platform failed for at least one folder (run again to retry
those); 130 stopped by Ctrl-C (run again to resume).
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from grader.checks.rubric import LoadedRubric, load_rubric
from grader.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PLATFORM,
    SandboxKind,
    err,
    fail,
    print_literal,
    settings_or_exit,
)
from grader.errors import InputError, PlatformError
from grader.pipeline.batch import (
    GRADEBOOK,
    BatchOptions,
    BatchPlan,
    FolderResult,
    FolderStatus,
    default_out,
    plan_batch,
    run_batch,
    split_cores,
)
from grader.report.model import readable
from grader.rubric.bands import rubric_file
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import Sandbox
from grader.settings import Settings

EXIT_STOPPED = 130
"""Stopped by Ctrl-C (128 + SIGINT, as a shell reports it)."""

_STYLES = {
    FolderStatus.graded: "green",
    FolderStatus.incomplete: "yellow",
    FolderStatus.platform_failed: "bold red",
    FolderStatus.unusable: "red",
    FolderStatus.not_graded: "dim",
}


def _say(*parts: str | tuple[str, str]) -> None:
    """Print to stderr; user text (folder names, messages) never goes through rich markup."""
    print_literal(Text.assemble(*parts))


def batch(
    root: Annotated[
        str,
        typer.Argument(
            help="The folder holding one folder per student repository (as GitHub Classroom's assistant clones them).",
            metavar="ROOT",
            show_default=False,
        ),
    ],
    rubric: Annotated[
        Path, typer.Option("--rubric", "-r", help="The rubric file (or its folder).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where the reports and gradebook.csv go (default: ROOT/../<ROOT's name>-reports).",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Folders graded at once (default: the cores).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Grade every folder again, even those whose report is up to date.")
    ] = False,
    sandbox: Annotated[
        SandboxKind | None,
        typer.Option(
            help="Where the code runs (default: GRADER_SANDBOX, else docker). docker: a fresh locked-down container per submission. local: a scratch copy and a subprocess with limits; FOR TRUSTED CODE ONLY (your own, or a reference), it does not contain hostile code.",
            show_default=False,
        ),
    ] = None,
    show_hidden: Annotated[
        bool, typer.Option(help="Reports show the names and messages of hidden tests.")
    ] = False,
) -> None:
    """Grade every student folder under ROOT in parallel: a JSON and a Markdown report per
    folder and a gradebook CSV; folders already graded from the same files and rubric are
    kept (--force grades them again). Ctrl-C stops after the running gradings."""
    if not root:
        raise fail("ROOT is empty; give the folder holding the student folders", EXIT_INPUT)
    settings = settings_or_exit()
    kind = sandbox or SandboxKind(settings.sandbox)
    try:
        options = BatchOptions(
            out=out or default_out(Path(root)),
            jobs=jobs or os.cpu_count() or 1,
            workers=settings.workers,
            force=force,
            show_hidden=show_hidden,
        )
        loaded = load_rubric(rubric_file(rubric))
        plan = plan_batch(Path(root), loaded, options)
        factory = _sandbox_factory(kind, settings) if plan.todo else _no_sandbox
    except InputError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except KeyboardInterrupt:  # while reading the folders: nothing graded, nothing to keep
        raise fail("stopped before any grading began", EXIT_STOPPED) from None
    _announce(plan, options, kind)
    stop = threading.Event()
    with _stop_on_interrupt(stop):
        results = _run(plan, loaded, factory, options, stop)
    raise typer.Exit(_summarize(results, plan))


def _sandbox_factory(kind: SandboxKind, settings: Settings) -> Callable[[], Sandbox]:
    """Makes a sandbox per worker thread; the Docker engine and image are checked once here,
    so a missing engine is one message and exit 3, not a failure per folder."""
    if kind is SandboxKind.local:
        return lambda: LocalSandbox(settings.cache_dir)
    from grader.sandbox.docker import connect, from_settings, image_summary  # the docker SDK

    try:
        client = connect(timeout=10)
        found = image_summary(client, settings.sandbox_image)
        client.close()
    except PlatformError as exc:
        raise fail(str(exc), EXIT_PLATFORM) from None
    if found is None:
        raise fail(
            f"the sandbox image {settings.sandbox_image} is missing: run `grader sandbox build`",
            EXIT_PLATFORM,
        )
    return lambda: from_settings(settings)


def _no_sandbox() -> Sandbox:
    raise AssertionError("nothing to grade, no sandbox asked for")  # pragma: no cover


def _announce(plan: BatchPlan, options: BatchOptions, kind: SandboxKind) -> None:
    kept = sum(result.kept for result in plan.known)
    jobs, workers = split_cores(options.jobs, len(plan.todo), options.workers)
    line = f"{len(plan.folders)} folders: {len(plan.todo)} to grade"
    if plan.todo:
        each = "1 criterion" if workers == 1 else f"{workers} criteria"
        line += f" ({jobs} at a time, each running {each} at a time; {kind.value} sandbox)"
    if kept:
        line += f", {kept} up to date (kept; --force grades them again)"
    _say(line)
    _say(f"reports: {readable(str(plan.out))}")


@contextmanager
def _stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C sets ``stop`` (the running gradings finish and are written); the
    second abandons them at once: no report for them, and their containers are removed by
    the next grader to start (they carry this process's id)."""

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            stop.set()
            _say(
                ("stopping:", "bold yellow"),
                " the running gradings finish first (Ctrl-C again to abandon them)",
            )
            return
        _say(("abandoned", "bold red"), " the running gradings; run again to resume")
        os._exit(EXIT_STOPPED)

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(
    plan: BatchPlan,
    loaded: LoadedRubric,
    factory: Callable[[], Sandbox],
    options: BatchOptions,
    stop: threading.Event,
) -> list[FolderResult]:
    total = len(plan.folders)
    if not err.is_terminal:
        done = iter(range(1, total + 1))
        return run_batch(
            plan,
            loaded,
            factory,
            options,
            progress=lambda result: _line(result, f"[{next(done)}/{total}] "),
            stop=stop,
        )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("grading", total=total)

        def advance(result: FolderResult) -> None:
            if not result.kept:
                _line(result, "")
            bar.advance(task)

        return run_batch(plan, loaded, factory, options, progress=advance, stop=stop)


def _line(result: FolderResult, prefix: str) -> None:
    """``alice: graded 85/100`` (kept), or the status and why there is no report."""
    parts: list[str | tuple[str, str]] = [prefix, readable(result.name), ": "]
    parts.append((result.status.value.replace("_", " "), _STYLES[result.status]))
    report = result.report
    if report is not None and result.status in (FolderStatus.graded, FolderStatus.incomplete):
        parts.append(f" {report.score:g}/{report.max_score:g}")
        parts.append(" (kept)" if result.kept else f" ({report.duration:.1f} s)")
    if result.message:
        parts.append(f": {readable(result.message)}")
    _say(*parts)


def _summarize(results: list[FolderResult], plan: BatchPlan) -> int:
    """Print the counts and where the gradebook is; the exit code."""
    counts = Counter(result.status for result in results)
    kept = sum(result.kept for result in results)
    shown = ", ".join(
        f"{status.value} {counts[status]}" for status in FolderStatus if counts[status]
    )
    _say(
        f"{len(results)} folders: {shown}" + (f" ({kept} kept from an earlier run)" if kept else "")
    )
    _say(f"gradebook: {readable(str(plan.out / GRADEBOOK))}")
    if counts[FolderStatus.not_graded]:
        _say(("stopped:", "bold yellow"), " run the same command again to grade the rest")
        return EXIT_STOPPED
    if counts[FolderStatus.platform_failed]:
        _say(
            ("platform failures:", "bold red"), " not your students' fault; run again to retry them"
        )
        return EXIT_PLATFORM
    return EXIT_INPUT if counts[FolderStatus.unusable] else EXIT_OK
