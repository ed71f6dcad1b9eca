"""Downloading GitHub's tarball from the fake GitHub (``tests/fakegithub.py``, real HTTP on 127.0.0.1)
and extracting it safely."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import re
import socket
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fakegithub import FakeGitHub

from grader.errors import ArchiveError, FetchError, InputError, PlatformError
from grader.service.fetch import download, extract_tarball

TOKEN = "ghs_s3cr3tT0k3n"
QUERY_TOKEN = "QUERYs3cr3t"
BODY = b"tarball bytes " * 1000
TOP = "octocat-hello-abc1234"
SHA = "abc1234" + "0" * 33
REPO = "octocat/hello"
TARBALL = f"/repos/{REPO}/tarball/{SHA}"
"""The tarball's API path (``repos/download-tarball-archive``): it redirects to codeload."""
CODELOAD = f"/_codeload/{REPO}/legacy.tar.gz/{SHA}"
"""Where the fake's redirect points (the fake's stand-in for codeload.github.com)."""


# --- the fake GitHub ------------------------------------------------------------


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """The fake GitHub on 127.0.0.1, serving ``BODY`` as the tarball of ``SHA`` to ``TOKEN``."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO)
        fake.set_tarball(SHA, BODY)
        yield fake


def _seen(gh: FakeGitHub) -> list[tuple[str, str | None]]:
    """(path, Authorization header) of every request the fake saw."""
    return [(request.url_path, request.headers.get("authorization")) for request in gh.requests]


def _no_secrets(error: BaseException) -> None:
    assert TOKEN not in str(error)
    assert QUERY_TOKEN not in str(error)


def _nothing_left(folder: Path) -> None:
    assert list(folder.iterdir()) == []


# --- download -------------------------------------------------------------------


def test_download_follows_the_redirect_without_the_token(gh: FakeGitHub, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "repo.tar.gz"

    assert download(gh.api_url + TARBALL, dest, token=TOKEN, max_bytes=10**6) == dest

    assert dest.read_bytes() == BODY
    assert _seen(gh) == [
        (gh.prefix + TARBALL, f"token {TOKEN}"),
        (CODELOAD, None),
    ]
    assert [p.name for p in dest.parent.iterdir()] == ["repo.tar.gz"]
    assert gh.violations == []


def test_download_drops_a_clients_own_authorization(gh: FakeGitHub, tmp_path: Path) -> None:
    with httpx.Client(headers={"Authorization": f"token {TOKEN}"}, auth=("u", "p")) as client:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=10**6, client=client)
        assert not client.is_closed
    assert _seen(gh)[1] == (CODELOAD, None)
    assert gh.violations == []


def test_download_without_a_token_sends_none(gh: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=None, max_bytes=10**6)
    assert caught.value.permanent
    assert caught.value.status == 401
    assert _seen(gh) == [(gh.prefix + TARBALL, None)]


def test_download_streams_a_body_without_length(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.send_without_length_next("GET", CODELOAD)
    dest = download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=len(BODY))
    assert dest.read_bytes() == BODY


def test_download_stops_a_stream_over_the_cap(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.send_without_length_next("GET", CODELOAD)
    with pytest.raises(ArchiveError, match=rf"{CODELOAD}: .*over the limit of 5000") as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=5000)
    assert isinstance(caught.value, InputError)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def test_download_refuses_a_content_length_over_the_cap(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.send_with_length_next("GET", CODELOAD, 10**9)
    with pytest.raises(
        ArchiveError, match=r"is 1000000000 bytes, over the limit of 5000"
    ) as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=5000)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def _missing(gh: FakeGitHub) -> str:
    """A commit the fake does not have: its own 404."""
    return f"/repos/{REPO}/tarball/{'f' * 40}"


def _unauthorized(gh: FakeGitHub) -> str:
    """The token has expired: the fake's own 401."""
    gh.add_token(TOKEN, expires_in=-1)
    return TARBALL


def _injected(status: int, message: str | None = None) -> Callable[[FakeGitHub], str]:
    def arrange(gh: FakeGitHub) -> str:
        gh.fail_next("GET", TARBALL, status, body={"message": message} if message else None)
        return TARBALL

    return arrange


@pytest.mark.parametrize(
    ("arrange", "status"),
    [
        (_missing, 404),
        (_injected(410), 410),
        (_unauthorized, 401),
        (_injected(403, "Resource not accessible by integration"), 403),
        (_injected(422), 422),
    ],
    ids=["missing", "gone", "unauthorized", "forbidden", "unprocessable"],
)
def test_download_refusals_are_permanent(
    gh: FakeGitHub, tmp_path: Path, arrange: Callable[[FakeGitHub], str], status: int
) -> None:
    path = arrange(gh)
    url = f"{gh.api_url}{path}?access_token={QUERY_TOKEN}"
    with pytest.raises(FetchError) as caught:
        download(url, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert caught.value.permanent
    assert caught.value.status == status
    assert f"GET {gh.api_url}{path}: HTTP " in str(caught.value)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def _bad_gateway(gh: FakeGitHub) -> None:
    gh.fail_next("GET", TARBALL, 502)


def _rate_limited(gh: FakeGitHub) -> None:
    gh.primary_rate_limit_next("GET", TARBALL, reset_in=30)


def _secondary(gh: FakeGitHub) -> None:
    gh.rate_limit_next("GET", TARBALL, retry_after=None)


def _too_many(gh: FakeGitHub) -> None:
    gh.rate_limit_next("GET", TARBALL, retry_after=7, status=429)


@pytest.mark.parametrize(
    ("arrange", "status", "retry_after"),
    [
        (_bad_gateway, 502, None),
        (_rate_limited, 403, pytest.approx(30, abs=2)),
        (_secondary, 403, None),
        (_too_many, 429, 7.0),
    ],
    ids=["bad-gateway", "rate-limited", "secondary", "too-many"],
)
def test_download_platform_failures_are_retried(
    gh: FakeGitHub,
    tmp_path: Path,
    arrange: Callable[[FakeGitHub], None],
    status: int,
    retry_after: float | None,
) -> None:
    arrange(gh)
    url = f"{gh.api_url}{TARBALL}?t={QUERY_TOKEN}"
    with pytest.raises(
        FetchError, match=rf"GET {re.escape(gh.api_url + TARBALL)}: HTTP {status}"
    ) as caught:
        download(url, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert isinstance(caught.value, PlatformError)
    assert not caught.value.permanent
    assert caught.value.status == status
    assert caught.value.retry_after == retry_after
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def test_download_body_cut_short_is_retried(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.send_with_length_next("GET", CODELOAD, len(BODY) + 100_000)
    with pytest.raises(
        FetchError, match=rf"{CODELOAD}: RemoteProtocolError after \d+ bytes"
    ) as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert not caught.value.permanent
    _nothing_left(tmp_path)


def test_download_timeout_is_retried(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.stall_next("GET", TARBALL)
    with pytest.raises(FetchError, match=rf"{TARBALL}: timed out") as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=10**6, timeout=0.2)
    assert not caught.value.permanent
    assert caught.value.status is None
    _nothing_left(tmp_path)


def test_download_connection_refused_is_retried(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/repo?token={QUERY_TOKEN}"
    with pytest.raises(
        FetchError, match=rf"GET http://127.0.0.1:{port}/repo: ConnectError"
    ) as caught:
        download(url, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert not caught.value.permanent
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


@pytest.mark.parametrize(
    ("location", "why"),
    [("{api}" + TARBALL, "more than 3 redirects"), ("ftp://127.0.0.1/x", "unsafe ftp URL")],
    ids=["loop", "to-ftp"],
)
def test_download_bad_redirects_are_permanent(
    gh: FakeGitHub, tmp_path: Path, location: str, why: str
) -> None:
    gh.fail_next(
        "GET", TARBALL, 302, times=4, headers={"Location": location.format(api=gh.api_url)}
    )
    with pytest.raises(FetchError, match=why) as caught:
        download(gh.api_url + TARBALL, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert caught.value.permanent
    assert len(gh.requests) <= 4
    _nothing_left(tmp_path)


def test_errors_survive_pickling() -> None:
    """Celery sends exceptions between processes."""
    fetch = pickle.loads(pickle.dumps(FetchError("x", status=404, permanent=True)))  # noqa: S301
    archive = pickle.loads(pickle.dumps(ArchiveError("y", entry="a/b")))  # noqa: S301
    assert (str(fetch), fetch.status, fetch.permanent) == ("x", 404, True)
    assert (str(archive), archive.entry) == ("y", "a/b")


# --- tarballs -------------------------------------------------------------------


def _file(
    name: str, data: bytes = b"print('hi')\n", mode: int = 0o644
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


def _entry(
    name: str, kind: bytes, linkname: str = "", mode: int = 0o755
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    return info, b""


def _tarball(
    path: Path,
    *members: tuple[tarfile.TarInfo, bytes],
    top: bool = True,
    fmt: int = tarfile.PAX_FORMAT,
) -> Path:
    """A tarball shaped like GitHub's: a pax global header with the commit, then one top folder."""
    pax = {"comment": SHA} if fmt == tarfile.PAX_FORMAT else None
    with tarfile.open(
        path, "w:gz", format=fmt, pax_headers=pax, encoding="utf-8", errors="surrogateescape"
    ) as tar:
        if top:
            tar.addfile(_entry(f"{TOP}/", tarfile.DIRTYPE, mode=0o775)[0])
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _refused(
    archive: Path,
    dest: Path,
    entry: str | None,
    why: str,
    *,
    max_bytes: int = 10**6,
    max_files: int = 100,
) -> ArchiveError:
    """Extract, expect an ``ArchiveError`` naming ``entry``, and check nothing is left."""
    with pytest.raises(ArchiveError, match=why) as caught:
        extract_tarball(archive, dest, max_bytes=max_bytes, max_files=max_files)
    if entry is not None:
        assert f"'{entry}'" in str(caught.value)
        assert caught.value.entry == entry
    assert not dest.exists()
    assert sorted(p.name for p in dest.parent.iterdir()) == [archive.name]
    return caught.value


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_extract_strips_the_top_folder(tmp_path: Path) -> None:
    long_name = "d" * 60 + "/" + "f" * 90 + ".py"
    archive = _tarball(
        tmp_path / "repo.tar.gz",
        _entry(f"{TOP}/week01", tarfile.DIRTYPE),
        _file(f"{TOP}/week01/solution.py"),
        _file(f"{TOP}/README.md", b"# hi\n"),
        _file(f"{TOP}/{long_name}", b"long\n"),
        _file(f"{TOP}/naïve.py", b"unicode\n"),
        _file(f"{TOP}/deep/er/x.txt", b"implicit folders\n"),
        _file(f"{TOP}/empty.txt", b""),
    )
    dest = tmp_path / "src"

    assert extract_tarball(archive, dest, max_bytes=10**6, max_files=100) == dest

    assert (dest / "week01" / "solution.py").read_text() == "print('hi')\n"
    assert (dest / "README.md").read_bytes() == b"# hi\n"
    assert (dest / long_name).read_bytes() == b"long\n"
    assert (dest / "naïve.py").read_bytes() == b"unicode\n"
    assert (dest / "deep" / "er" / "x.txt").exists()
    assert (dest / "empty.txt").read_bytes() == b""
    assert not (dest / TOP).exists()
    assert _mode(dest) == _mode(dest / "deep" / "er") == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo.tar.gz", "src"]


def test_extract_reads_gnu_long_names(tmp_path: Path) -> None:
    name = f"{TOP}/" + "n" * 150 + ".py"
    archive = _tarball(tmp_path / "a.tar.gz", _file(name, b"gnu\n"), fmt=tarfile.GNU_FORMAT)
    dest = extract_tarball(archive, tmp_path / "src", max_bytes=1000, max_files=10)
    assert (dest / ("n" * 150 + ".py")).read_bytes() == b"gnu\n"


def test_extract_without_stripping_keeps_the_top_folder(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file("solution.py"), top=False)
    dest = extract_tarball(archive, tmp_path / "src", max_bytes=1000, max_files=10, strip_top=False)
    assert (dest / "solution.py").exists()


def test_extract_into_an_existing_empty_folder(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/a.py"))
    (tmp_path / "src").mkdir()
    assert (
        extract_tarball(archive, tmp_path / "src", max_bytes=1000, max_files=10) / "a.py"
    ).exists()


def test_extract_refuses_a_folder_with_files(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/a.py"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "old").touch()
    with pytest.raises(FileExistsError):
        extract_tarball(archive, tmp_path / "src", max_bytes=1000, max_files=10)


def test_extract_strips_setuid_and_write_bits(tmp_path: Path) -> None:
    archive = _tarball(
        tmp_path / "a.tar.gz",
        _file(f"{TOP}/setuid", mode=0o4755),
        _file(f"{TOP}/setgid", mode=0o2777),
        _file(f"{TOP}/private", mode=0o700),
        _file(f"{TOP}/writable", mode=0o666),
        _file(f"{TOP}/unreadable", mode=0o000),
        _entry(f"{TOP}/sticky", tarfile.DIRTYPE, mode=0o1777),
    )
    dest = extract_tarball(archive, tmp_path / "src", max_bytes=10**6, max_files=100)
    assert {p.name: _mode(p) for p in dest.iterdir()} == {
        "setuid": 0o755,
        "setgid": 0o755,
        "private": 0o755,
        "writable": 0o644,
        "unreadable": 0o644,
        "sticky": 0o755,
    }


def test_extract_skips_links_inside_and_special_files(tmp_path: Path) -> None:
    archive = _tarball(
        tmp_path / "a.tar.gz",
        _file(f"{TOP}/pkg/real.py"),
        _entry(f"{TOP}/pkg/alias.py", tarfile.SYMTYPE, "real.py"),
        _entry(f"{TOP}/up.py", tarfile.SYMTYPE, "pkg/../pkg/real.py"),
        _entry(f"{TOP}/hard.py", tarfile.LNKTYPE, f"{TOP}/pkg/real.py"),
        _entry(f"{TOP}/tty", tarfile.CHRTYPE),
        _entry(f"{TOP}/disk", tarfile.BLKTYPE),
        _entry(f"{TOP}/pipe", tarfile.FIFOTYPE),
    )
    dest = extract_tarball(archive, tmp_path / "src", max_bytes=10**6, max_files=100)
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == ["pkg", "pkg/real.py"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (f"{TOP}/../evil.py", "has a '..' component"),
        (f"{TOP}/a/../../evil.py", "has a '..' component"),
        ("/etc/cron.d/evil", "has an absolute path"),
        ("other-top/evil.py", f"lies outside the top folder '{TOP}'"),
    ],
)
def test_extract_refuses_paths_out(tmp_path: Path, name: str, why: str) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/ok.py"), _file(name))
    _refused(archive, tmp_path / "src", name, why)
    assert not (tmp_path / "evil.py").exists()


def test_extract_refuses_a_file_with_no_top_folder(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file("setup.py"), top=False)
    _refused(archive, tmp_path / "src", "setup.py", "is not inside a top folder")


@pytest.mark.parametrize(
    ("kind", "target", "why"),
    [
        (tarfile.SYMTYPE, "/etc/passwd", "links to absolute path '/etc/passwd'"),
        (tarfile.SYMTYPE, "../../etc/passwd", "links outside the tree, to '../../etc/passwd'"),
        (tarfile.SYMTYPE, "../..", "links outside the tree"),
        (tarfile.LNKTYPE, "/etc/passwd", "links to absolute path"),
        (tarfile.LNKTYPE, f"{TOP}/../../etc/passwd", "links outside the tree"),
        (tarfile.LNKTYPE, "other-top/x.py", "links outside the tree"),
    ],
)
def test_extract_refuses_links_out(tmp_path: Path, kind: bytes, target: str, why: str) -> None:
    name = f"{TOP}/sub/link"
    archive = _tarball(tmp_path / "a.tar.gz", _entry(name, kind, target))
    _refused(archive, tmp_path / "src", name, why)


def test_extract_refuses_too_many_entries(tmp_path: Path) -> None:
    files = [_file(f"{TOP}/f{i}.py") for i in range(5)]
    archive = _tarball(tmp_path / "a.tar.gz", *files)
    _refused(archive, tmp_path / "src", f"{TOP}/f2.py", "more than 3 entries", max_files=3)


def test_extract_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/big.bin", b"\0" * 5000))
    _refused(
        archive,
        tmp_path / "src",
        f"{TOP}/big.bin",
        "is 5000 bytes; the files may total at most 4096",
        max_bytes=4096,
    )


def test_extract_refuses_files_that_add_up_over_the_cap(tmp_path: Path) -> None:
    files = [_file(f"{TOP}/f{i}.bin", b"x" * 1000) for i in range(5)]
    archive = _tarball(tmp_path / "a.tar.gz", *files)
    _refused(
        archive,
        tmp_path / "src",
        f"{TOP}/f4.bin",
        "is 1000 bytes; the files may total at most 4500",
        max_bytes=4500,
    )


def test_extract_refuses_a_header_claiming_a_huge_size(tmp_path: Path) -> None:
    """The header says 8 GiB though 10 bytes follow: refused before reading them."""
    info, _ = _file(f"{TOP}/huge.bin")
    info.size = 8 * 1024**3
    raw = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "strict") + b"x" * 10
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(gzip.compress(raw))
    _refused(archive, tmp_path / "src", f"{TOP}/huge.bin", "is 8589934592 bytes")


def _sparse(name: str, real_size: int) -> tuple[tarfile.TarInfo, bytes]:
    """A GNU sparse 1.0 member: one 512-byte block of data stored, the rest holes."""
    stored = b"1\n0\n512\n".ljust(512, b"\0") + b"d" * 512
    info = tarfile.TarInfo(f"{TOP}/GNUSparseFile.0/{name}")
    info.size = len(stored)
    info.pax_headers = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": f"{TOP}/{name}",
        "GNU.sparse.realsize": str(real_size),
    }
    return info, stored


def test_extract_refuses_a_large_sparse_member(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _sparse("holes.bin", 10**12))
    _refused(archive, tmp_path / "src", f"{TOP}/holes.bin", "is 1000000000000 bytes")


def test_extract_writes_a_small_sparse_member_in_full(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _sparse("holes.bin", 2048), _file(f"{TOP}/after.py"))
    dest = extract_tarball(archive, tmp_path / "src", max_bytes=10**6, max_files=10)
    assert (dest / "holes.bin").read_bytes() == b"d" * 512 + b"\0" * 1536
    assert (dest / "after.py").exists()


def test_extract_caps_the_bytes_actually_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a member yield more than its header said, the writing stops at the cap."""
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/liar.bin", b"x" * 10))
    monkeypatch.setattr(
        tarfile.TarFile, "extractfile", lambda self, member: io.BytesIO(b"x" * 5000)
    )
    _refused(
        archive,
        tmp_path / "src",
        f"{TOP}/liar.bin",
        "takes the files over 1000 bytes",
        max_bytes=1000,
    )


def test_extract_caps_the_whole_stream(tmp_path: Path) -> None:
    """A 3 MiB pax header (which tarfile reads whole) is cut off by the stream's cap."""
    info, data = _file(f"{TOP}/a.py")
    info.pax_headers = {"comment": "z" * 3 * 1024 * 1024}
    archive = _tarball(tmp_path / "a.tar.gz", (info, data))
    _refused(
        archive,
        tmp_path / "src",
        TOP,
        "the archive unpacks to more than",
        max_bytes=1000,
        max_files=10,
    )


def test_extract_refuses_a_nul_in_a_name(tmp_path: Path) -> None:
    info, data = _file(f"{TOP}/ab.py")
    info.pax_headers = {"path": f"{TOP}/a\0b.py"}
    archive = _tarball(tmp_path / "a.tar.gz", (info, data))
    _refused(archive, tmp_path / "src", f"{TOP}/a\\x00b.py", "has a NUL character")


def test_extract_refuses_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/caf\udce9.py"), fmt=tarfile.GNU_FORMAT)
    _refused(archive, tmp_path / "src", f"{TOP}/caf\\udce9.py", "not valid UTF-8")


def test_extract_refuses_a_duplicate(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/a.py"), _file(f"{TOP}/a.py"))
    _refused(archive, tmp_path / "src", f"{TOP}/a.py", "appears twice")


def test_extract_refuses_a_folder_where_a_file_is(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/a"), _file(f"{TOP}/a/b.py"))
    _refused(archive, tmp_path / "src", f"{TOP}/a/b.py", "needs folder 'a', already a file")


def test_extract_refuses_an_unknown_entry_type(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "a.tar.gz", _entry(f"{TOP}/label", b"V"))
    _refused(archive, tmp_path / "src", f"{TOP}/label", "unsupported entry type")


def test_extract_refuses_a_truncated_archive(tmp_path: Path) -> None:
    data = os.urandom(64 * 1024)  # incompressible, so the cut lands inside this file's data
    whole = _tarball(
        tmp_path / "whole.tar.gz", _file(f"{TOP}/a.py"), _file(f"{TOP}/random.bin", data)
    )
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    _refused(
        archive,
        tmp_path / "src",
        f"{TOP}/random.bin",
        r"^not a valid tar.gz archive: .*\(at or after entry",
    )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (
            b"\x89PNG random bytes, not gzip at all" * 10,
            "not a valid tar.gz archive: Not a gzipped file",
        ),
        (b"", "not a valid tar.gz archive"),
        (gzip.compress(b"not a tar archive, just text " * 40), "not a valid tar.gz archive"),
        (gzip.compress(b"\0" * 1024), "not a valid tar.gz archive: a.tar.gz holds no entries"),
    ],
    ids=["random", "empty-file", "gzip-of-text", "empty-tar"],
)
def test_extract_refuses_what_is_not_a_tarball(tmp_path: Path, content: bytes, why: str) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(content)
    error = _refused(archive, tmp_path / "src", None, why)
    assert error.entry is None


# --- names, depth and the gzip trailer: the archive's fault, never the platform's ----------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (f"{TOP}/" + "n" * 300 + ".py", "has a path component longer than 255 bytes"),
        (f"{TOP}/" + "d/" * 50 + "x" * 200 + "/" + "y" * 1000, "has a path longer than 1024 bytes"),
        (f"{TOP}/" + "p" * 100 * 1024, "has a path longer than 1024 bytes"),
        (f"{TOP}/" + "d/" * 100 + "x.py", "is nested deeper than 64 folders"),
    ],
    ids=["300-char-component", "long-path", "100-KB-path", "deep-name"],
)
def test_extract_refuses_names_the_disk_would_refuse(tmp_path: Path, name: str, why: str) -> None:
    """ENAMETOOLONG would be a retried HostError: the name is refused as the student's input."""
    archive = _tarball(tmp_path / "a.tar.gz", _file(f"{TOP}/ok.py"), _file(name))
    error = _refused(archive, tmp_path / "src", name[:200] + "...", why, max_bytes=10**6)
    assert isinstance(error, InputError) and not isinstance(error, PlatformError)
    assert not error.retried


def test_extract_refuses_1700_nested_folders_and_leaves_nothing(tmp_path: Path) -> None:
    """A few hundred bytes of archive nesting 1,700 folders: refused at the depth cap, no
    RecursionError, no `.src.*.extracting` left behind."""
    folders = [_entry(f"{TOP}/" + "a/" * depth, tarfile.DIRTYPE) for depth in range(1, 1701)]
    archive = _tarball(tmp_path / "a.tar.gz", *folders, fmt=tarfile.GNU_FORMAT)
    assert archive.stat().st_size < 64 * 1024
    _refused(
        archive,
        tmp_path / "src",
        f"{TOP}/" + "/".join(["a"] * 65),
        "is nested deeper than 64 folders",
        max_files=10_000,
    )


def test_the_scratch_clean_up_needs_no_recursion(tmp_path: Path) -> None:
    """The clean-up removes a tree 1,100 folders deep (shutil.rmtree recurses once per level,
    and Python stops at 1,000)."""
    from grader.service.fetch.extract import _remove_tree

    scratch = tmp_path / ".src.x.extracting"
    folder = scratch
    for _ in range(1100):
        folder = folder / "a"
        folder.mkdir(parents=folder.parent == scratch)
    (folder / "f.py").write_bytes(b"x")
    (scratch / "link").symlink_to(tmp_path)
    _remove_tree(scratch)
    assert list(tmp_path.iterdir()) == []


def _with_trailer(whole: bytes, crc_xor: int = 0, size_delta: int = 0) -> bytes:
    """``whole`` (one gzip member) with its trailer's CRC32 or length changed."""
    crc = int.from_bytes(whole[-8:-4], "little") ^ crc_xor
    size = (int.from_bytes(whole[-4:], "little") + size_delta) % 2**32
    return whole[:-8] + crc.to_bytes(4, "little") + size.to_bytes(4, "little")


@pytest.mark.parametrize(
    ("crc_xor", "size_delta", "why"),
    [(1, 0, "CRC check failed"), (0, 1, "Incorrect length of data produced")],
    ids=["crc", "length"],
)
def test_extract_checks_the_gzip_trailer(
    tmp_path: Path, crc_xor: int, size_delta: int, why: str
) -> None:
    """A wrong CRC (or length) in the gzip trailer, past the tar's end, is refused and named."""
    whole = _tarball(tmp_path / "whole.tar.gz", _file(f"{TOP}/a.py")).read_bytes()
    (tmp_path / "whole.tar.gz").unlink()
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_with_trailer(whole, crc_xor, size_delta))
    _refused(archive, tmp_path / "src", f"{TOP}/a.py", f"not a valid tar.gz archive: {why}")
