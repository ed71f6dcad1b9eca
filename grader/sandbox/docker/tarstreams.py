"""The tar streams that carry files into and results out of the container.

Files go in and results come out as tar streams through the Docker API
(``put_archive``/``get_archive``), never through bind mounts. What goes in is
regular files and folders only, owned by root; reading is size-capped (even the
archive around the file) and refuses links and anything but one regular file.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from grader.sandbox.protocol import NOT_COPIED

_IGNORED = set(NOT_COPIED)


def entry(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    """A root-owned tar entry: what goes in is read-only to the steps unless ``mode`` says not."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid = info.gid = 0
    info.mtime = int(time.time())
    return info


def add_file(tar: tarfile.TarFile, source: Path, name: PurePosixPath) -> None:
    info = entry(str(name), tarfile.REGTYPE, 0o644)
    info.size = source.stat().st_size
    with source.open("rb") as handle:
        tar.addfile(info, handle)


def add_tree(tar: tarfile.TarFile, source: Path, target: PurePosixPath) -> None:
    """Regular files and folders only, owned by root; links and special files stay out."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if _IGNORED.intersection(relative.parts) or relative.suffix == ".pyc":
            continue
        name = target / relative.as_posix()
        if path.is_symlink():
            continue
        if path.is_dir():
            tar.addfile(entry(str(name), tarfile.DIRTYPE, 0o755))
        elif path.is_file():
            add_file(tar, path, name)


def regular_file(stream: Iterator[bytes], limit: int) -> bytes | None:
    """The one regular file in a ``get_archive`` tar stream, or None past ``limit`` or for anything else."""
    archive = io.BytesIO()
    for chunk in stream:
        archive.write(chunk)
        if archive.tell() > limit + 64 * 1024:  # the file plus tar headers
            return None
    archive.seek(0)
    with tarfile.open(fileobj=archive, mode="r") as tar:
        member = tar.next()
        if member is None or not member.isreg() or member.size > limit:
            return None
        handle = tar.extractfile(member)
        return handle.read() if handle else None
