"""Generated hostile tarballs against the extractor: each one extracts entirely inside the
destination, or is refused with an ``ArchiveError``; never another exception, never a file
outside, never a scratch folder left behind.

``make test`` runs the bounded default profile; ``make fuzz`` the long one
(``pytest -m fuzz --hypothesis-profile=fuzz``).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import resource
import stat
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import ArchiveError
from grader.service.fetch import extract_tarball

pytestmark = pytest.mark.fuzz

TOP = "octocat-hello-abc1234"
MAX_BYTES = 64 * 1024
MAX_FILES = 3000
OUTCOMES: Counter[str] = Counter()
"""Outcomes by class over the module's examples, printed at its end (``-s`` shows them)."""
SLOWEST: list[float] = [0.0]


# --- strategies ---------------------------------------------------------------------------

_plain = st.sampled_from(["a", "pkg", "main.py", "x.py", "naïve.py", "tests", "data.csv"])
_component = st.one_of(
    _plain,
    _plain,
    _plain,
    st.sampled_from(["..", ".", "", "~", "-rf", " ", "[red]x[/]", ":100:", "\u202eyp.exe"]),
    st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s),
    st.builds(lambda n: "n" * n, st.integers(240, 300)),  # around NAME_MAX (255 bytes)
    st.sampled_from(["caf\udce9.py", "a\x00b"]),  # not UTF-8; a NUL
)


@st.composite
def _names(draw: st.DrawFn) -> str:
    """An entry name: mostly plain under the top folder; one in six absolute, outside, very deep,
    very long, not UTF-8..."""
    if draw(st.integers(0, 5)):
        return "/".join([TOP, *draw(st.lists(_plain, min_size=1, max_size=4))])
    parts = draw(st.lists(_component, min_size=0, max_size=6))
    deep = draw(st.sampled_from([0] * 12 + [30, 63, 64, 70, 400, 1700]))
    parts = ["a"] * deep + parts
    prefix = draw(st.sampled_from([TOP] * 8 + ["", "/", "other-top", f"{TOP}/..", "./" + TOP]))
    name = "/".join([prefix, *parts]) if prefix else "/".join(parts)
    if draw(st.integers(0, 15)) == 0:  # a long path: 1,000 bytes to 100 KB
        name += "/" + "/".join(["p" * 200] * draw(st.sampled_from([5, 25, 500])))
    return name


_KINDS = [
    tarfile.REGTYPE,
    tarfile.REGTYPE,
    tarfile.REGTYPE,
    tarfile.DIRTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.CHRTYPE,
    tarfile.BLKTYPE,
    tarfile.FIFOTYPE,
    b"V",
    tarfile.CONTTYPE,
]


@dataclass(frozen=True)
class Entry:
    name: str
    kind: bytes
    link: str
    data: bytes
    mode: int
    size_lie: int


_entries = st.builds(
    Entry,
    name=_names(),
    kind=st.sampled_from(_KINDS),
    link=st.one_of(_names(), st.sampled_from(["/etc/passwd", "../../x", "x.py", "", "."])),
    data=st.one_of(st.just(b"x = 1\n"), st.binary(max_size=64), st.just(b"z" * 70_000)),
    mode=st.sampled_from([0o644, 0o755, 0o4755, 0o2777, 0o1777, 0o000, 0o7777]),
    size_lie=st.sampled_from([0, 0, 0, 1, -1, 10**10]),
)


@dataclass(frozen=True)
class Damage:
    """What happens to the compressed bytes: nothing, a cut, a flipped byte, a trailer lie."""

    how: str
    at: float
    value: int


_damage = st.builds(
    Damage,
    how=st.sampled_from(["none"] * 10 + ["cut", "flip", "crc", "length", "garbage"]),
    at=st.floats(0, 1),
    value=st.integers(1, 255),
)


def _tar_bytes(entries: list[Entry], fmt: Literal[0, 1, 2]) -> bytes:
    """A tar stream written header by header, so that a header may lie about its data."""
    buffer = io.BytesIO()
    for entry in entries:
        info = tarfile.TarInfo(entry.name)
        info.type = entry.kind
        info.linkname = entry.link
        info.mode = entry.mode
        data = entry.data if info.isreg() else b""
        info.size = max(0, len(data) + entry.size_lie) if info.isreg() else 0
        try:
            header = info.tobuf(fmt, "utf-8", "surrogateescape")
        except (ValueError, UnicodeError):  # tarfile cannot write it in this format: left out
            continue
        buffer.write(header)
        buffer.write(data)
        buffer.write(b"\0" * (-len(data) % tarfile.BLOCKSIZE))
    buffer.write(b"\0" * (2 * tarfile.BLOCKSIZE))
    buffer.write(b"\0" * (-buffer.tell() % tarfile.RECORDSIZE))
    return buffer.getvalue()


def _damaged(compressed: bytes, damage: Damage) -> bytes:
    """``compressed`` cut, with a byte flipped, its trailer's CRC or length wrong, or garbage after."""
    position = int(damage.at * max(0, len(compressed) - 1))
    if damage.how == "cut":
        return compressed[:position]
    if damage.how == "flip":
        flipped = compressed[position] ^ damage.value
        return compressed[:position] + bytes([flipped]) + compressed[position + 1 :]
    if damage.how in ("crc", "length"):
        offset = len(compressed) - (8 if damage.how == "crc" else 4)
        word = int.from_bytes(compressed[offset : offset + 4], "little") ^ damage.value
        return compressed[:offset] + word.to_bytes(4, "little") + compressed[offset + 4 :]
    if damage.how == "garbage":
        return compressed + bytes([damage.value]) * 7
    return compressed


# --- the property -------------------------------------------------------------------------


def _tree(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``root``, without following links, iteratively."""
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                info = entry.stat(follow_symlinks=False)
                yield Path(entry.path), info
                if stat.S_ISDIR(info.st_mode):
                    pending.append(Path(entry.path))


def _check_extracted(dest: Path) -> None:
    """Only folders and regular files, inside ``dest``, with no set-id or sticky bits."""
    real = dest.resolve()
    for path, info in _tree(dest):
        assert stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode), path
        assert not info.st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX), path
        assert path.resolve().is_relative_to(real), path


@given(
    entries=st.lists(_entries, min_size=1, max_size=6),
    top_first=st.sampled_from([True, True, True, False]),
    fmt=st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT]),
    damage=_damage,
)
def test_a_generated_archive_extracts_inside_or_is_refused(
    entries: list[Entry], top_first: bool, fmt: Literal[0, 1, 2], damage: Damage
) -> None:
    """Names with `..`, absolute paths, links, devices, long names, deep nesting, lying sizes,
    truncation and corrupt gzip: inside the destination, or ``ArchiveError``; nothing left."""
    if top_first:
        entries = [Entry(f"{TOP}/", tarfile.DIRTYPE, "", b"", 0o755, 0), *entries]
    compressed = _damaged(gzip.compress(_tar_bytes(entries, fmt), mtime=0), damage)
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        (base / "outside").mkdir()
        (base / "outside" / "keep.txt").write_bytes(b"keep")
        work = base / "work"
        work.mkdir()
        archive = work / "repo.tar.gz"
        archive.write_bytes(compressed)
        dest = work / "src"
        started = time.monotonic()
        try:
            extract_tarball(archive, dest, max_bytes=MAX_BYTES, max_files=MAX_FILES)
        except ArchiveError as exc:
            OUTCOMES[f"ArchiveError: {_why(str(exc))}"] += 1
            assert not exc.retried
            assert 0 < len(str(exc)) < 1000
            assert sorted(p.name for p in work.iterdir()) == ["repo.tar.gz"]
        else:
            OUTCOMES["extracted"] += 1
            _check_extracted(dest)
            assert sorted(p.name for p in work.iterdir()) == ["repo.tar.gz", "src"]
        SLOWEST[0] = max(SLOWEST[0], time.monotonic() - started)
        assert sorted(p.name for p in base.iterdir()) == ["outside", "work"]
        assert [p.name for p in (base / "outside").iterdir()] == ["keep.txt"]


def _why(message: str) -> str:
    """The class of a refusal: its reason, without the entry's name, quoted text or numbers."""
    if message.startswith("entry '"):
        message = message.split("': ", 1)[-1]
    message = message.split(" (at or after", 1)[0]
    message = re.sub(r"'[^']*'|b'[^']*'", "'...'", message)
    return re.sub(r"(0x[0-9a-f]+|\d+)", "N", message)[:72]


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    """Print the module's figures (outcomes by class, slowest example, peak RSS)."""
    yield
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    total = sum(OUTCOMES.values())
    print(f"\ntarball fuzz: {total} archives, slowest {SLOWEST[0]:.3f} s, peak RSS {peak} MiB")
    for outcome, count in OUTCOMES.most_common():
        print(f"  {count:6d}  {outcome}")
