"""Generated hostile submissions at the command line's door: file names (markup, emoji codes,
control characters, bytes that are not UTF-8, 255-byte names), contents (deep expressions, NUL
bytes, bad encodings, 50 MB), FIFOs, links (to ``/dev/zero``, out, dangling, loops) and deep
folders. ``submission.inspect`` must answer, quickly, with findings that serialise; and
``grader grade --format json`` must grade them (exit 0, JSON on stdout, no traceback).

No student code runs here: the CLI examples grade a lint-only rubric (ruff reads files, it
runs nothing) in the local sandbox, with the tool-version step scripted. Hostile *code* is the
Docker sandbox's door (tests/test_hostile.py), never the local runner's.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from grader.cli import commands as cli
from grader.rubric.model import Submission
from grader.sandbox.fake import ScriptedSandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.protocol import RunOutput
from grader.submission import MAX_FILE_BYTES, inspect

pytestmark = pytest.mark.fuzz

SPEC = Submission(root=".", required=("main.py",))
RUBRIC = """\
id: fuzz-lint
title: Lint only
submission: {root: ".", required: [main.py]}
criteria:
  - {id: style, kind: lint, title: Lint, points: 10, select: [E, F]}
"""
OUTCOMES: Counter[str] = Counter()
SLOWEST: dict[str, float] = {"inspect": 0.0, "grade": 0.0}
_CLI_EXAMPLES = max(10, settings().max_examples // 4)
"""Each CLI example runs ruff: a quarter of the profile's budget (25 bounded, 750 in make fuzz)."""


class _NeverOpened:
    """A sandbox these examples must never reach: nothing is graded."""

    def open(
        self, submission: Path, limits: object, services: object = (), image: object = None
    ) -> None:
        raise AssertionError(f"graded {submission}")


RUBRIC_FILE = str(Path(__file__).parent.parent / "rubrics" / "week01-generators" / "rubric.yaml")


# --- strategies ---------------------------------------------------------------------------

_names = st.one_of(
    st.sampled_from(
        [
            b"helper.py",
            b"main.py",
            b"[red]x.py",
            b"[bold red]x[.py",
            b":100:.py",
            b"-rf.py",
            b"caf\xe9.py",  # latin-1: not UTF-8
            b"\xff\xfe.py",
            b"tab\there.py",
            b"new\nline.py",
            b"\x1b[31mred.py",
            b"\xe2\x80\xaeyp.exe",  # right-to-left override
            b"n" * 252 + b".py",  # 255 bytes, NAME_MAX
            b".hidden.py",
            b"__init__.py",
        ]
    ),
    st.text(
        st.characters(codec="utf-8", exclude_characters="/\x00"),
        min_size=1,
        max_size=20,
    ).map(lambda text: (text + ".py").encode("utf-8")),
).filter(lambda name: b"/" not in name and len(name) <= 255)

_contents = st.one_of(
    st.just(b"x = 1\n"),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"x = " + b" + ".join([b"1"] * 100_000) + b"\n",
            b"x = " + b"-" * 100_000 + b"1\n",
            b"x = " + b"(" * 300 + b")" * 300 + b"\n",
            b"x = [" * 5000 + b"]" * 5000 + b"\n",
            b"def f(:\n",
            b"x = 1\x00\n",
            b"name = 'caf\xe9'\n",
            b"\xef\xbb\xbfx = 1\n",
            b"",
            b"# -*- coding: rot13 -*-\nk = 1\n",
        ]
    ),
)


@dataclass(frozen=True)
class Node:
    """One generated entry of the submission."""

    name: bytes
    kind: str
    content: bytes
    depth: int

    def __repr__(self) -> str:  # a 100,000-term module would make a failing example unreadable
        shown = self.content if len(self.content) <= 80 else self.content[:60] + b"..."
        return (
            f"Node({self.name!r}, {self.kind!r}, {shown!r} ({len(self.content)} B), {self.depth})"
        )


_nodes = st.builds(
    Node,
    name=_names,
    kind=st.sampled_from(
        ["file"] * 6 + ["fifo", "zero-link", "out-link", "in-link", "dangling", "loop", "big"]
    ),
    content=_contents,
    depth=st.sampled_from([0] * 6 + [1, 2, 70]),
)


def _make(root: Path, nodes: list[Node]) -> None:
    """Write the generated tree under ``root`` (bytes names: some are not UTF-8)."""
    base = os.fsencode(root)
    (root / "main.py").write_bytes(b"x = 1\n")
    for index, node in enumerate(nodes):
        folder = base + b"".join(b"/d%d" % index for _ in range(node.depth))
        os.makedirs(folder, exist_ok=True)  # noqa: PTH103 - a bytes path
        path = folder + b"/" + node.name
        if os.path.lexists(path):
            continue
        if node.kind == "file":
            with open(path, "wb") as handle:  # noqa: PTH123 - a bytes path
                handle.write(node.content)
        elif node.kind == "big":
            with open(path, "wb") as handle:  # noqa: PTH123 - a bytes path
                handle.truncate(50 * 1024 * 1024)  # sparse: no disk, 50 MB to any reader
        elif node.kind == "fifo":
            os.mkfifo(path)
        else:
            target = {
                "zero-link": b"/dev/zero",
                "out-link": b"../" * (node.depth + 2) + b"etc/passwd",
                "in-link": b"main.py" if node.depth == 0 else b"../" * node.depth + b"main.py",
                "dangling": b"no-such-file.py",
                "loop": node.name,
            }[node.kind]
            os.symlink(target, path)  # noqa: PTH211 - a bytes path


# --- the properties -----------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(nodes=st.lists(_nodes, max_size=8))
def test_inspect_answers_any_folder_with_serialisable_findings(
    tmp_path_factory: pytest.TempPathFactory, nodes: list[Node]
) -> None:
    """No hang (FIFO), no read of /dev/zero, no RecursionError or MemoryError, no crash on a
    name; what the tools are given is regular, UTF-8 named and within MAX_FILE_BYTES."""
    root = tmp_path_factory.mktemp("sub")
    _make(root, nodes)
    started = time.monotonic()
    found = inspect(root, SPEC)
    SLOWEST["inspect"] = max(SLOWEST["inspect"], time.monotonic() - started)
    for problem in found.problems:
        problem.model_dump_json()
        OUTCOMES[f"inspect finding: {problem.code}"] += 1
    for name in found.files:
        name.encode("utf-8")
        info = (root / name).lstat()
        assert info.st_size <= MAX_FILE_BYTES and (root / name).is_file(), name
        assert not (root / name).is_symlink(), name
    OUTCOMES["inspect: answered"] += 1


@pytest.fixture(scope="module")
def rubric(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rubric") / "rubric.yaml"
    path.write_text(RUBRIC, encoding="utf-8")
    return path


@settings(
    max_examples=_CLI_EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(nodes=st.lists(_nodes, max_size=6))
def test_grade_json_reports_any_folder(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    rubric: Path,
    nodes: list[Node],
) -> None:
    """`grader grade --format json` on a hostile folder: exit 0 and a JSON report naming
    every problem readably (lint only: nothing the student wrote is run)."""
    root = tmp_path_factory.mktemp("sub")
    _make(root, nodes)
    versions = RunOutput(exit_code=0, stdout='{"ruff": "fake"}', stderr="", duration=0.0)
    monkeypatch.setattr(
        cli, "_sandbox", lambda kind, s: ScriptedSandbox(LocalSandbox(None), {"python": versions})
    )
    started = time.monotonic()
    result = CliRunner().invoke(cli.app, ["grade", str(root), "-r", str(rubric), "-f", "json"])
    SLOWEST["grade"] = max(SLOWEST["grade"], time.monotonic() - started)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "graded"
    OUTCOMES["grade: exit 0, JSON report"] += 1


@given(
    path=st.one_of(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
        st.sampled_from(["[red]x[/]", "[/]", ":100:", "a" * 300, "a" * 300 + "/b", "-", " "]),
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_missing_path_of_any_spelling_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, path: str
) -> None:
    """Whatever the user types as a path that is not there: exit 2, the path printed literally."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.setattr(cli, "_sandbox", lambda kind, s: _NeverOpened())
    # Under a folder that does not exist, every spelling is missing ("missing/.." included: the
    # kernel resolves `missing` first); "" alone is the empty argument.
    target = "missing/" + path if path else path
    result = CliRunner().invoke(cli.app, ["grade", "--rubric", RUBRIC_FILE, "--", target])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    shown = "".join(c for c in result.stderr if c.isprintable() and not c.isspace())
    named = str(Path(target)) if target else ""  # as the message names it: `a//b` is `a/b`
    assert "".join(c for c in named if c.isprintable() and not c.isspace()) in shown
    OUTCOMES["path: exit 2 naming it"] += 1


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    """Print the module's figures (outcomes by class, slowest examples, peak RSS)."""
    yield
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    slowest = ", ".join(f"{what} {seconds:.2f} s" for what, seconds in SLOWEST.items())
    print(f"\nCLI fuzz: slowest {slowest}, peak RSS {peak} MiB")
    for outcome, count in OUTCOMES.most_common():
        print(f"  {count:6d}  {outcome}")
