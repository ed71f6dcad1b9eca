"""Downloading GitHub's tarball over real HTTP (on 127.0.0.1) and extracting it safely."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import socket
import stat
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from grader.errors import InputError, PlatformError
from grader.service.fetch import ArchiveError, FetchError, download, extract_tarball

TOKEN = "ghs_s3cr3tT0k3n"
QUERY_TOKEN = "QUERYs3cr3t"
BODY = b"tarball bytes " * 1000
TOP = "octocat-hello-abc1234"
SHA = "abc1234" + "0" * 33


# --- a local GitHub -------------------------------------------------------------


@dataclass
class _State:
    body: bytes = BODY
    stop: threading.Event = field(default_factory=threading.Event)
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Authorization header) of every request."""


class _GitHub(BaseHTTPRequestHandler):
    """The API redirects to "codeload", which refuses any Authorization header."""

    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        state = self.server.state
        state.seen.append((path, self.headers.get("Authorization")))
        route = _ROUTES.get(path)
        if route is None:
            self._reply(404, b"Not Found")
        else:
            route(self, state)

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def api(self, state: _State) -> None:
        if self.headers.get("Authorization") != f"token {TOKEN}":
            self._reply(401, b"Bad credentials")
            return
        target = self.path.replace("/api/", "/codeload/", 1).split("?", 1)[0]
        self._reply(302, headers={"Location": f"{target}?token={QUERY_TOKEN}"})

    def codeload(self, state: _State) -> None:
        if "Authorization" in self.headers:
            self._reply(400, b"Authorization header leaked to codeload")
        else:
            self._reply(200, state.body, {"Content-Type": "application/x-gzip"})

    def stream(self, state: _State) -> None:
        """No Content-Length: the body ends when the connection closes."""
        self.send_response(200)
        self.end_headers()
        for start in range(0, len(state.body), 4096):
            self.wfile.write(state.body[start : start + 4096])

    def huge_length(self, state: _State) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10**9))
        self.end_headers()
        self.wfile.write(b"x" * 100)

    def short(self, state: _State) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"x" * 10)

    def slow(self, state: _State) -> None:
        state.stop.wait(5)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _status(status: int, body: bytes = b"", **headers: str) -> Callable[[_GitHub, _State], None]:
    def reply(handler: _GitHub, state: _State) -> None:
        handler._reply(status, body, {k.replace("_", "-"): v for k, v in headers.items()})

    return reply


_ROUTES: dict[str, Callable[[_GitHub, _State], None]] = {
    "/api/repo/tarball": _GitHub.api,
    "/codeload/repo/tarball": _GitHub.codeload,
    "/api/repo/stream": _GitHub.api,
    "/codeload/repo/stream": _GitHub.stream,
    "/api/repo/huge-length": _GitHub.api,
    "/codeload/repo/huge-length": _GitHub.huge_length,
    "/short": _GitHub.short,
    "/slow": _GitHub.slow,
    "/gone": _status(410, b"Gone"),
    "/unauthorized": _status(401, b"Bad credentials"),
    "/bad-gateway": _status(502, b"Bad Gateway"),
    "/rate-limited": _status(403, b"API rate limit exceeded", X_RateLimit_Remaining="0"),
    "/secondary": _status(403, b'{"message": "You have exceeded a secondary rate limit."}'),
    "/forbidden": _status(403, b'{"message": "Resource not accessible by integration"}'),
    "/too-many": _status(429, b"slow down", Retry_After="7"),
    "/unprocessable": _status(422, b"no"),
    "/loop": _status(302, Location="/loop"),
    "/to-ftp": _status(302, Location="ftp://127.0.0.1/x"),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, _State]]:
    """A GitHub look-alike on 127.0.0.1: its base URL and what it saw."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    server = _Server(("127.0.0.1", 0), _GitHub)
    server.state = _State()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.state
    finally:
        server.state.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()


def _no_secrets(error: BaseException) -> None:
    assert TOKEN not in str(error)
    assert QUERY_TOKEN not in str(error)


def _nothing_left(folder: Path) -> None:
    assert list(folder.iterdir()) == []


# --- download -------------------------------------------------------------------


def test_download_follows_the_redirect_without_the_token(
    github: tuple[str, _State], tmp_path: Path
) -> None:
    base, state = github
    dest = tmp_path / "out" / "repo.tar.gz"

    assert download(f"{base}/api/repo/tarball", dest, token=TOKEN, max_bytes=10**6) == dest

    assert dest.read_bytes() == BODY
    assert state.seen == [
        ("/api/repo/tarball", f"token {TOKEN}"),
        ("/codeload/repo/tarball", None),
    ]
    assert [p.name for p in dest.parent.iterdir()] == ["repo.tar.gz"]


def test_download_drops_a_clients_own_authorization(
    github: tuple[str, _State], tmp_path: Path
) -> None:
    base, state = github
    with httpx.Client(headers={"Authorization": f"token {TOKEN}"}, auth=("u", "p")) as client:
        download(
            f"{base}/api/repo/tarball", tmp_path / "a", token=TOKEN, max_bytes=10**6, client=client
        )
        assert not client.is_closed
    assert state.seen[1] == ("/codeload/repo/tarball", None)


def test_download_without_a_token_sends_none(github: tuple[str, _State], tmp_path: Path) -> None:
    base, state = github
    with pytest.raises(FetchError) as caught:
        download(f"{base}/api/repo/tarball", tmp_path / "a", token=None, max_bytes=10**6)
    assert caught.value.permanent
    assert caught.value.status == 401
    assert state.seen == [("/api/repo/tarball", None)]


def test_download_streams_a_body_without_length(github: tuple[str, _State], tmp_path: Path) -> None:
    base, _ = github
    dest = download(f"{base}/api/repo/stream", tmp_path / "a", token=TOKEN, max_bytes=len(BODY))
    assert dest.read_bytes() == BODY


def test_download_stops_a_stream_over_the_cap(github: tuple[str, _State], tmp_path: Path) -> None:
    base, _ = github
    with pytest.raises(
        ArchiveError, match=r"/codeload/repo/stream: .*over the limit of 5000"
    ) as caught:
        download(f"{base}/api/repo/stream", tmp_path / "a", token=TOKEN, max_bytes=5000)
    assert isinstance(caught.value, InputError)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def test_download_refuses_a_content_length_over_the_cap(
    github: tuple[str, _State], tmp_path: Path
) -> None:
    base, _ = github
    with pytest.raises(
        ArchiveError, match=r"is 1000000000 bytes, over the limit of 5000"
    ) as caught:
        download(f"{base}/api/repo/huge-length", tmp_path / "a", token=TOKEN, max_bytes=5000)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


@pytest.mark.parametrize(
    "path", ["/missing", "/gone", "/unauthorized", "/forbidden", "/unprocessable"]
)
def test_download_refusals_are_permanent(
    github: tuple[str, _State], tmp_path: Path, path: str
) -> None:
    base, _ = github
    url = f"{base}{path}?access_token={QUERY_TOKEN}"
    with pytest.raises(FetchError) as caught:
        download(url, tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert caught.value.permanent
    assert f"GET {base}{path}: HTTP " in str(caught.value)
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


@pytest.mark.parametrize(
    ("path", "status", "retry_after"),
    [
        ("/bad-gateway", 502, None),
        ("/rate-limited", 403, None),
        ("/secondary", 403, None),
        ("/too-many", 429, 7.0),
    ],
)
def test_download_platform_failures_are_retried(
    github: tuple[str, _State], tmp_path: Path, path: str, status: int, retry_after: float | None
) -> None:
    base, _ = github
    with pytest.raises(FetchError, match=rf"GET {base}{path}: HTTP {status}") as caught:
        download(f"{base}{path}?t={QUERY_TOKEN}", tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert isinstance(caught.value, PlatformError)
    assert not caught.value.permanent
    assert caught.value.status == status
    assert caught.value.retry_after == retry_after
    _no_secrets(caught.value)
    _nothing_left(tmp_path)


def test_download_body_cut_short_is_retried(github: tuple[str, _State], tmp_path: Path) -> None:
    base, _ = github
    with pytest.raises(FetchError, match=r"/short: RemoteProtocolError after \d+ bytes") as caught:
        download(f"{base}/short", tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert not caught.value.permanent
    _nothing_left(tmp_path)


def test_download_timeout_is_retried(github: tuple[str, _State], tmp_path: Path) -> None:
    base, _ = github
    with pytest.raises(FetchError, match=r"/slow: timed out") as caught:
        download(f"{base}/slow", tmp_path / "a", token=TOKEN, max_bytes=10**6, timeout=0.2)
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
    ("path", "why"), [("/loop", "more than 3 redirects"), ("/to-ftp", "unsafe ftp URL")]
)
def test_download_bad_redirects_are_permanent(
    github: tuple[str, _State], tmp_path: Path, path: str, why: str
) -> None:
    base, state = github
    with pytest.raises(FetchError, match=why) as caught:
        download(f"{base}{path}", tmp_path / "a", token=TOKEN, max_bytes=10**6)
    assert caught.value.permanent
    assert len(state.seen) <= 4
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
