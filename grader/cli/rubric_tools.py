"""``grader rubric size-bench``: propose a benchmark's sizes, repeat and call timeout.

Kept apart from ``commands.py`` (registered there in one line): it only times the rubric's
reference, with the local sandbox, since the reference is the instructor's trusted code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.checks.bench_sizing import (
    MAX_SIZE,
    BenchSource,
    Proposal,
    Timing,
    draft_criterion,
    seconds_text,
    size_benchmark,
)
from grader.checks.benchmark import BenchmarkCriterion
from grader.checks.rubric import LoadedRubric, load_rubric
from grader.errors import InputError, PlatformError
from grader.rubric.bands import rubric_file
from grader.rubric.model import Limits
from grader.sandbox.local import LocalSandbox

EXIT_INPUT, EXIT_PLATFORM = 2, 3


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _criterion(loaded: LoadedRubric, wanted: str | None) -> BenchmarkCriterion:
    """The benchmark criterion named, or the rubric's only one."""
    benchmarks = {c.id: c for c in loaded.rubric.criteria if isinstance(c, BenchmarkCriterion)}
    ids = ", ".join(benchmarks) or "none"
    if wanted is None and len(benchmarks) > 1:
        raise _fail(
            f"{loaded.path} has several benchmarks ({ids}): pick one with --criterion", EXIT_INPUT
        )
    chosen = benchmarks.get(wanted) if wanted else next(iter(benchmarks.values()), None)
    if chosen is None:
        what = f"no benchmark criterion {wanted!r}" if wanted else "no benchmark criterion"
        raise _fail(f"{loaded.path} has {what} (benchmarks: {ids})", EXIT_INPUT)
    return chosen


def _show(timing: Timing) -> None:
    if timing.seconds is None:
        typer.echo(f"  size {timing.size:>12,}: {timing.why}")
    else:
        typer.echo(f"  size {timing.size:>12,}: reference {seconds_text(timing.seconds)}")


def _report(criterion: BenchmarkCriterion, proposal: Proposal) -> None:
    typer.echo("")
    typer.echo(f"{'size':>12}  {'reference':>12}  {'quadratic*':>12}")
    for size, seconds in zip(proposal.sizes, proposal.times, strict=True):
        quadratic = seconds * size / proposal.sizes[0]
        typer.echo(f"{size:>12,}  {seconds_text(seconds):>12}  {seconds_text(quadratic):>12}")
    typer.echo(
        "* a quadratic submission that ties with the reference at the smallest size "
        "(reference time x size / smallest size)"
    )
    typer.echo("")
    typer.echo(
        f"call_timeout {proposal.call_timeout:g} s: {proposal.fine_seconds:,.2f} s would do for a "
        f"submission at x{proposal.goals.fine_ratio:g} the reference at {proposal.sizes[-1]:,}; "
        f"the quadratic one would need {proposal.quadratic_seconds:,.2f} s and is stopped"
        if proposal.bounded
        else f"call_timeout {proposal.call_timeout:g} s"
    )
    typer.echo(
        f"timed calls per step, about: {proposal.fine_step_seconds():,.1f} s for a submission at "
        f"x{proposal.goals.fine_ratio:g}, {proposal.quadratic_step_seconds():,.1f} s for the "
        f"quadratic one (limits.timeout: {proposal.goals.step_timeout:g} s)"
    )
    for warning in proposal.warnings():
        typer.echo(f"warning: {warning}")
    typer.echo("")
    typer.echo(f"# paste into criterion {criterion.id!r}:")
    typer.echo(proposal.yaml(), nl=False)


def _target(
    rubric: Path, criterion: str | None, draft: dict[str, str | float | None]
) -> tuple[BenchSource, BenchmarkCriterion]:
    """The rubric's benchmark criterion, or a draft one from the options (``--call``)."""
    if draft["call"] is None:
        loaded = load_rubric(rubric_file(rubric))
        return BenchSource.of(loaded), _criterion(loaded, criterion)
    if draft["inputs"] is None:
        raise _fail("--call needs --inputs (e.g. bench.py:make_input)", EXIT_INPUT)
    folder = rubric if rubric.is_dir() else rubric.parent
    source = BenchSource(folder, Limits())
    chosen = draft_criterion(
        source,
        str(draft["call"]),
        str(draft["inputs"]),
        compare=None if draft["compare"] is None else str(draft["compare"]),
        reference=str(draft["reference"]),
        max_ratio=None if draft["max_ratio"] is None else float(draft["max_ratio"]),
    )
    return source, chosen


def size_bench(
    rubric: Annotated[
        Path,
        typer.Argument(
            help="The rubric file or folder (with --call: the folder of bench.py and reference/)."
        ),
    ],
    criterion: Annotated[
        str | None,
        typer.Option(help="The benchmark criterion's id (needed when the rubric has several)."),
    ] = None,
    start: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_SIZE,
            help="The first size timed (default: the criterion's smallest / 16, or 1,000 with --call).",
        ),
    ] = None,
    call: Annotated[
        str | None,
        typer.Option(
            help="Size a benchmark the rubric does not have yet: module:function of the reference."
        ),
    ] = None,
    inputs: Annotated[
        str | None, typer.Option(help="With --call: file.py:function making one call's arguments.")
    ] = None,
    compare: Annotated[
        str | None, typer.Option(help="With --call: file.py:function comparing two results.")
    ] = None,
    reference: Annotated[
        str, typer.Option(help="With --call: the reference's folder, relative to RUBRIC.")
    ] = "reference",
    max_ratio: Annotated[
        float | None, typer.Option(help="With --call: the max_ratio the criterion will have.")
    ] = None,
) -> None:
    """Time the reference on doubling sizes and propose the benchmark's sizes, repeat and
    call_timeout, so that a quadratic submission is stopped by the timeout (runs the reference
    only, locally: it is your trusted code)."""
    draft = {
        "call": call,
        "inputs": inputs,
        "compare": compare,
        "reference": reference,
        "max_ratio": max_ratio,
    }
    try:
        source, chosen = _target(rubric, criterion, draft)
        typer.echo(f"timing {chosen.call} from {chosen.reference}/ (best CPU time of a call):")
        _, proposal = size_benchmark(LocalSandbox(), source, chosen, start, progress=_show)
    except InputError as exc:
        raise _fail(str(exc), EXIT_INPUT) from None
    except PlatformError as exc:
        raise _fail(f"the grader failed: {exc}", EXIT_PLATFORM) from None
    if proposal is None:
        raise _fail(
            "fewer than three sizes could be timed: start lower (--start) or make the reference's input generator cheaper",
            EXIT_INPUT,
        )
    _report(chosen, proposal)
