"""`grader rubric validate` prints rubric problems exactly as they are: no rich markup, no emoji."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

BAD_AT_LINE_100 = (
    "id: d\ntitle: D\n" + "# padding\n" * 96 + "criteria:\n  - {id: s, kind: lint, points: -1}\n"
)


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "rubric", "validate", str(path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(path.parent), "COLUMNS": "400"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("folder", ["plain", "[red]course", "a[/]b", "x[bold"])
def test_problems_are_printed_verbatim(tmp_path: Path, folder: str) -> None:
    """An error on line 100 stays `:100:` (not an emoji), and `[red]` or `[/]` in the path is
    printed as written (neither swallowed nor a MarkupError), with exit 2 and no traceback."""
    (tmp_path / folder).mkdir(parents=True)
    path = tmp_path / folder / "rubric.yaml"
    path.write_text(BAD_AT_LINE_100, encoding="utf-8")
    done = validate(path)
    assert done.returncode == 2, done.stderr
    assert (
        f"{path}:100:33: criteria[0].points: Input should be greater than or equal to 0"
        in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_fifo_given_as_the_rubric_exits_2_at_once(tmp_path: Path) -> None:
    """A FIFO would block a plain read forever; validate refuses it and exits 2."""
    import os

    fifo = tmp_path / "rubric.yaml"
    os.mkfifo(fifo)
    done = validate(fifo)
    assert done.returncode == 2
    assert f"{fifo}: is not a regular file" in done.stderr
