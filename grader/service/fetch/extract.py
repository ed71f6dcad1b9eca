"""Extract GitHub's tarball safely: one entry at a time into a fresh folder, refusing anything
that could write outside that folder, fill the disk or hold the worker's memory.

An archive that is too large or unsafe is an ``ArchiveError`` (the student's
``InputError``) naming the entry; the disk failing is a ``HostError``.

Extraction decisions:

* Links are never created. A symbolic or hard link that points outside the
  tree (an absolute target, or one that climbs out with ``..``) is refused;
  one that stays inside is skipped, as the Docker sandbox skips links too.
* Character and block devices and FIFOs are skipped silently: git cannot store
  them, so they carry nothing to grade.
* Files are written ``0o644``, or ``0o755`` when the owner could execute them;
  folders ``0o755``. Set-user-ID, set-group-ID and sticky bits never survive.
* Names are bounded: a path component longer than 255 bytes (what a file
  system takes), a path longer than ``_MAX_PATH_BYTES`` or nested deeper than
  ``_MAX_DEPTH`` folders is the archive's fault, refused by name, never the
  disk's ``ENAMETOOLONG`` passed off as the platform failing (and retried).
* The gzip stream is read to its end after the last entry, so that its
  trailer (CRC and length) is checked: a corrupt archive is refused even when
  the damage lies past the tar's end-of-archive marker.
* The scratch folder is removed without recursion whatever an archive nests.
* The archive is read as a stream (``tarfile`` mode ``r|``) over our own gzip
  reader rather than ``r|gz``, so that every decompressed byte, headers
  included, counts against a cap: ``tarfile`` reads a pax header or a GNU long
  name whole, and this bounds how much memory a crafted one can take.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, NoReturn

from grader.errors import ArchiveError, HostError

__all__ = ["extract_tarball"]

log = logging.getLogger("grader.service.fetch")

_CHUNK = 64 * 1024
_HEADER_ALLOWANCE = 1024 * 1024
_HEADER_ALLOWANCE_PER_ENTRY = 4096
"""The tar stream may exceed ``max_bytes`` by this much for headers, long names and padding."""
_SHOWN_NAME_CHARS = 200
_MAX_COMPONENT_BYTES = 255
"""NAME_MAX of the usual file systems."""
_MAX_PATH_BYTES = 1024
"""An entry's whole name; well under PATH_MAX (4096) with the scratch folder in front."""
_MAX_DEPTH = 64
"""Folders an entry may be nested in; git repositories need a handful."""


class _Corrupt(Exception):
    """The compressed stream is not gzip, or ends early (internal)."""


class _TooBig(Exception):
    """The decompressed stream passed its cap (internal)."""


class _CappedGzip:
    """The decompressed tar stream, refusing to yield more than ``limit`` bytes.

    This bounds what ``tarfile`` can read into memory at once (pax headers and
    GNU long names are read whole) as well as a decompression bomb.
    """

    def __init__(self, compressed: gzip.GzipFile, limit: int) -> None:
        self._compressed = compressed
        self._limit = limit
        self._read = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (``-1``: what the cap allows)."""
        allowed = self._limit + 1 - self._read
        try:
            data = self._compressed.read(allowed if size < 0 else min(size, allowed))
        except (OSError, EOFError, zlib.error) as exc:
            raise _Corrupt(str(exc) or type(exc).__name__) from exc
        self._read += len(data)
        if self._read > self._limit:
            raise _TooBig
        return data

    def write(self, b: bytes, /) -> int:
        raise OSError("read-only stream")

    def tell(self) -> int:
        return self._read

    def seek(self, pos: int, /) -> int:
        raise OSError("unseekable stream")

    def close(self) -> None:
        """The caller closes the underlying file."""


def extract_tarball(
    archive: Path,
    dest: Path,
    *,
    max_bytes: int,
    max_files: int,
    strip_top: bool = True,
) -> Path:
    """Extract the gzip tar ``archive`` into ``dest`` and return ``dest``.

    With ``strip_top`` every entry must sit in one top folder (GitHub's
    ``owner-repo-sha7/``), whose contents land directly in ``dest``.
    ``max_files`` caps the entries (folders, skipped links and devices
    included), ``max_bytes`` the total size of the files, checked against each
    header and against the bytes actually written. ``dest`` must be absent or
    an empty folder (else ``FileExistsError``); the archive is extracted into
    a temporary folder beside it, renamed to ``dest`` on success and removed
    on failure, so an error leaves ``dest`` as it was.

    Raises ``ArchiveError`` (naming the entry) for an unsafe, oversized or
    broken archive, and ``PlatformError`` when the disk fails.
    """
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise FileExistsError(f"{dest}: exists and is not an empty folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".extracting", dir=dest.parent))
    try:
        _Extractor(scratch, max_bytes=max_bytes, max_files=max_files, strip_top=strip_top).run(
            archive
        )
        scratch.chmod(0o755)
        scratch.replace(dest)
    except OSError as exc:
        _remove_tree(scratch)
        raise HostError(f"cannot extract {archive.name} into {dest}: {exc}") from exc
    except BaseException:
        _remove_tree(scratch)
        raise
    return dest


class _Extractor:
    """One extraction: the checks and the counts, entry by entry."""

    def __init__(self, root: Path, *, max_bytes: int, max_files: int, strip_top: bool) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.strip_top = strip_top
        self.top: str | None = None
        self.entries = 0
        self.written = 0
        self.current: str | None = None
        self.folders: set[tuple[str, ...]] = {()}
        self.skipped = 0

    def run(self, archive: Path) -> None:
        """Read the archive as a stream and extract its entries in order."""
        limit = self.max_bytes + _HEADER_ALLOWANCE + _HEADER_ALLOWANCE_PER_ENTRY * self.max_files
        try:
            with archive.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as compressed:
                stream = _CappedGzip(compressed, limit)
                with tarfile.open(
                    fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape"
                ) as tar:
                    for member in tar:
                        self._entry(tar, member)
                _drain(stream)  # so that gzip checks its trailer's CRC and length
        except _TooBig:
            raise _archive_error(
                f"the archive unpacks to more than {limit} bytes", self.current, after=True
            ) from None
        except (_Corrupt, tarfile.TarError, EOFError, ValueError, zlib.error) as exc:
            raise self._invalid(exc) from None
        if self.entries == 0:
            raise ArchiveError(f"not a valid tar.gz archive: {archive.name} holds no entries")
        if self.skipped:
            log.info("skipped %d links and special files in %s", self.skipped, archive.name)

    def _entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        """Check one entry and extract, skip or refuse it."""
        self.current = member.name
        self.entries += 1
        if self.entries > self.max_files:
            self._refuse(member.name, f"more than {self.max_files} entries")
        _check_name(member.name, member.name)
        _check_length(member.name)
        relative = self._relative(member)
        if relative is None:
            return
        if member.issym() or member.islnk():
            self._check_link(member, relative)
            self.skipped += 1
        elif member.ischr() or member.isblk() or member.isfifo():
            self.skipped += 1
        elif member.isdir():
            self._filtered(member, relative)
            self._folder(member.name, relative)
        elif member.isreg():
            self._file(tar, member, relative)
        else:
            self._refuse(member.name, f"unsupported entry type {member.type!r}")

    def _relative(self, member: tarfile.TarInfo) -> tuple[str, ...] | None:
        """The entry's path parts under ``dest``; None for the top folder itself."""
        parts = _safe_parts(member.name)
        if not self.strip_top:
            return parts or None
        if not parts:
            return None
        if self.top is None:
            self.top = parts[0]
        if parts[0] != self.top:
            self._refuse(member.name, f"lies outside the top folder '{_shown(self.top)}'")
        if len(parts) == 1 and not member.isdir():
            self._refuse(member.name, "is not inside a top folder")
        return parts[1:] or None

    def _check_link(self, member: tarfile.TarInfo, relative: tuple[str, ...]) -> None:
        """Refuse a link whose target leaves the tree; one that stays in is skipped."""
        _check_name(member.linkname, member.name)
        why = _link_problem(member, relative, self.top if self.strip_top else None)
        if why:
            self._refuse(member.name, why)

    def _file(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, relative: tuple[str, ...]
    ) -> None:
        """Write a regular file, counting its bytes against ``max_bytes`` as they come."""
        if self.written + member.size > self.max_bytes:
            self._refuse(
                member.name,
                f"is {member.size} bytes; the files may total at most {self.max_bytes} bytes",
            )
        filtered = self._filtered(member, relative)
        folder = self._folder(member.name, relative[:-1])
        source = tar.extractfile(member)
        if source is None:  # pragma: no cover - tarfile gives a reader for every regular file
            self._refuse(member.name, "has no data")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            handle = os.open(folder / relative[-1], flags, 0o600)
        except FileExistsError:
            self._refuse(member.name, "appears twice in the archive")
        with source, os.fdopen(handle, "wb") as out:
            self._copy(member.name, source, out)
            os.fchmod(out.fileno(), 0o755 if filtered.mode & 0o100 else 0o644)

    def _copy(self, name: str, source: IO[bytes], out: BinaryIO) -> None:
        while chunk := source.read(_CHUNK):
            self.written += len(chunk)
            if self.written > self.max_bytes:
                self._refuse(name, f"takes the files over {self.max_bytes} bytes")
            out.write(chunk)

    def _folder(self, name: str, relative: tuple[str, ...]) -> Path:
        """Create ``relative`` and its parents (``0o755``), refusing to go through a file."""
        path = self.root
        for depth in range(1, len(relative) + 1):
            path = path / relative[depth - 1]
            if relative[:depth] in self.folders:
                continue
            if path.is_symlink() or path.exists():
                self._refuse(
                    name, f"needs folder '{_shown('/'.join(relative[:depth]))}', already a file"
                )
            path.mkdir()
            path.chmod(0o755)
            self.folders.add(relative[:depth])
        return path

    def _filtered(self, member: tarfile.TarInfo, relative: tuple[str, ...]) -> tarfile.TarInfo:
        """Python's ``data`` filter, as defence in depth behind the checks above."""
        try:
            return tarfile.data_filter(member.replace(name="/".join(relative)), str(self.root))
        except tarfile.FilterError as exc:
            self._refuse(member.name, f"refused by tarfile's data filter: {exc}")

    def _invalid(self, exc: BaseException) -> ArchiveError:
        detail = str(exc) or type(exc).__name__
        return _archive_error(f"not a valid tar.gz archive: {detail}", self.current, after=True)

    def _refuse(self, name: str, why: str) -> NoReturn:
        raise _archive_error(why, name)


def _archive_error(why: str, name: str | None, *, after: bool = False) -> ArchiveError:
    """An ``ArchiveError`` naming the entry: "entry 'x': why", or "why (at or after entry 'x')"."""
    if name is None:
        return ArchiveError(why)
    shown = _shown(name)
    if after:
        return ArchiveError(f"{why} (at or after entry '{shown}')", entry=shown)
    return ArchiveError(f"entry '{shown}': {why}", entry=shown)


def _link_problem(member: tarfile.TarInfo, relative: tuple[str, ...], top: str | None) -> str:
    """Why a link cannot stay in the tree, or "" when its target is inside it.

    A symbolic link's target is relative to the link's folder; a hard link's
    to the archive's root, where the top folder (when stripped) must begin it.
    """
    target = PurePosixPath(member.linkname)
    shown = _shown(member.linkname)
    if not member.linkname:
        return "is a link with an empty target"
    if target.is_absolute():
        return f"links to absolute path '{shown}'"
    if member.issym():
        inside = _resolve(relative[:-1], target.parts) is not None
    else:
        resolved = _resolve((), target.parts)
        inside = resolved is not None and (top is None or resolved[:1] == (top,))
    return "" if inside else f"links outside the tree, to '{shown}'"


def _check_name(name: str, entry: str) -> None:
    """Refuse a name holding NUL or bytes that are not UTF-8 (decoded as lone surrogates)."""
    if "\x00" in name:
        raise _archive_error("has a NUL character in its name", entry)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise _archive_error("has a name that is not valid UTF-8", entry) from None


def _check_length(name: str) -> None:
    """Refuse a name the file system would refuse (too long) or nested past ``_MAX_DEPTH``."""
    encoded = name.encode("utf-8")
    if len(encoded) > _MAX_PATH_BYTES:
        raise _archive_error(f"has a path longer than {_MAX_PATH_BYTES} bytes", name)
    parts = encoded.split(b"/")
    if any(len(part) > _MAX_COMPONENT_BYTES for part in parts):
        raise _archive_error(f"has a path component longer than {_MAX_COMPONENT_BYTES} bytes", name)
    if len([part for part in parts if part not in (b"", b".")]) > _MAX_DEPTH + 1:
        raise _archive_error(f"is nested deeper than {_MAX_DEPTH} folders", name)


def _drain(stream: _CappedGzip) -> None:
    """Read what is left of the decompressed stream (within its cap) to reach gzip's trailer."""
    while stream.read(_CHUNK):
        pass


def _remove_tree(root: Path) -> None:
    """Remove ``root`` and everything in it, without recursion and without following links;
    what cannot be removed is left (the caller is already failing)."""
    folders: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        folders.append(folder)
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            else:
                with contextlib.suppress(OSError):
                    Path(entry.path).unlink()
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _safe_parts(name: str) -> tuple[str, ...]:
    """The parts of an entry's name without ``.``; refuses absolute paths and ``..``."""
    pure = PurePosixPath(name)
    if pure.is_absolute():
        raise _archive_error("has an absolute path", name)
    if ".." in pure.parts:
        raise _archive_error("has a '..' component in its path", name)
    return pure.parts


def _resolve(start: tuple[str, ...], steps: tuple[str, ...]) -> tuple[str, ...] | None:
    """Walk ``steps`` from ``start`` lexically; None when it climbs above the root."""
    parts = list(start)
    for step in steps:
        if step == "..":
            if not parts:
                return None
            parts.pop()
        elif step not in ("", "."):
            parts.append(step)
    return tuple(parts)


def _shown(name: str) -> str:
    """A name safe to print: non-printable characters escaped, long names cut."""
    escaped = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)
    if len(escaped) > _SHOWN_NAME_CHARS:
        return escaped[:_SHOWN_NAME_CHARS] + "..."
    return escaped
