"""The grader's pytest plugin: every pytest session on the student's code loads it.

The pipeline copies this file into the workspace as
``grader/plugins/grader_pytest_plugin.py``; the grader's ``pytest.ini`` puts
that folder on ``sys.path`` (pytest does so before it imports ``-p``
plugins), ahead of the submission, so no student module can stand in for it.
It runs in the sandbox's interpreter: it imports only pytest and the standard
library.

What it fixes: on CPython 3.11 some instructions have no line number, e.g. the
``JUMP_BACKWARD`` that closes ``for ...: if ...: ...`` (python/cpython#107901).
A signal handler runs at exactly such an instruction, so when pytest-timeout's
SIGALRM stops a tight loop there, the traceback entry of the interrupted frame
has ``tb_lineno`` None (3.11.7; -1 on Debian's 3.11.2, which pytest prints as
``file.py:-1``). pytest computes ``tb_lineno - 1`` while it formats the failure
(``TracebackEntry.lineno`` in ``_pytest/_code/code.py``), None raises
TypeError, and the session ends with INTERNALERROR and exit code 3: no later
test runs and the report cannot be trusted. Here the exception leaving a test
phase gets an equal traceback in which an entry without a line number points
at the nearest line before its instruction, so pytest reports the timeout as
an ordinary failure of that one test.

It also writes the file named by ``GRADER_COLLECTED_FILE``, when set, once the
session has collected its tests: a step that runs out of time before that file
exists has shown that the code under test cannot be imported in time, and the
pipeline does not make later steps wait for the same import again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator
from pathlib import Path
from types import TracebackType

import pytest


def nearest_line(tb: TracebackType) -> int:
    """The line of the last instruction up to ``tb_lasti`` that has one; else the function's first line."""
    code = tb.tb_frame.f_code
    positions = list(code.co_positions())  # one entry per 2-byte code unit
    for lineno, *_ in reversed(positions[: tb.tb_lasti // 2 + 1]):
        if lineno is not None:
            return lineno
    return code.co_firstlineno


def _has_line(tb: TracebackType) -> bool:
    # typeshed says int; for an instruction without a line, CPython 3.11.7 gives None, 3.11.2 -1
    lineno: int | None = tb.tb_lineno
    return lineno is not None and lineno > 0


def with_lines(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` itself when every entry has a line number, else a copy in which every entry has one."""
    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    if all(_has_line(entry) for entry in entries):
        return entries[0] if entries else None
    fixed: TracebackType | None = None
    for entry in reversed(entries):
        lineno = entry.tb_lineno if _has_line(entry) else nearest_line(entry)
        fixed = TracebackType(fixed, entry.tb_frame, entry.tb_lasti, lineno)
    return fixed


def repair(exc: BaseException | None, seen: set[int] | None = None) -> None:
    """Give line numbers to ``exc``'s traceback and to those of the exceptions it chains to."""
    seen = set() if seen is None else seen
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        fixed = with_lines(exc.__traceback__)
        if fixed is not exc.__traceback__:
            exc.__traceback__ = fixed
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                repair(inner, seen)
        repair(exc.__cause__, seen)
        exc = exc.__context__


def _guarded() -> Generator[None, object, object]:
    __tracebackhide__ = True
    try:
        return (yield)
    except BaseException as exc:  # pytest's outcomes (Failed, Skipped) are BaseExceptions
        repair(exc)
        raise


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    __tracebackhide__ = True
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    __tracebackhide__ = True
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    __tracebackhide__ = True
    return (yield from _guarded())


@pytest.hookimpl
def pytest_collection_finish(session: pytest.Session) -> None:
    """Collection (and so the import of the code under test) finished: say so in the file asked for."""
    marker = os.environ.get("GRADER_COLLECTED_FILE")
    if marker:
        with contextlib.suppress(OSError):
            Path(marker).write_text("collected\n", encoding="utf-8")
