"""A fake GitHub REST API on 127.0.0.1, for end-to-end tests that drive the real PyGithub (and httpx).

``FakeGitHub`` serves a GHES-style API (``gh.api_url`` is ``http://127.0.0.1:PORT/api/v3``, the ``base_url``
PyGithub takes) from a background thread. Every request is recorded (``gh.requests``) and checked against
GitHub's own OpenAPI description of the 12 operations the autograder calls
(``tests/fixtures/github/github-rest-subset.openapi.json``) with openapi-core. A request outside that subset, or
one that breaks it or a documented GitHub limit, is answered the way GitHub would (404/422/400) and described in
``gh.violations``, so an end-to-end test can finish with ``assert gh.violations == []``.

What it models: an App (RS256 JWTs, installation tokens in both token formats, expiry, permissions), plain
tokens, repositories and commits built from dicts or fixture folders, pull requests with a real unified diff,
tarballs behind a codeload-style redirect, check runs (annotations appended across updates), commit statuses,
issue comments (paginated) and reviews (all-or-nothing inline comments on diff lines), plus fault injection
(5xx before or after the action, primary and secondary rate limits) and broken deliveries of an answer (no
``Content-Length``, a false one, no answer at all) for clients' transport handling.

Signing in (the console): the App's OAuth web flow on the web root (``/login/oauth/authorize`` approves as the
login ``gh.sign_in_as(...)`` chose, or answers ``access_denied``; ``/login/oauth/access_token`` checks
``gh.client_id``/``gh.client_secret`` and takes each code once), ``GET /user`` and ``GET
/orgs/{org}/teams/{slug}/memberships/{user}`` (``gh.add_team_member``) with the user's token. These are not in the
OpenAPI subset, so their requests are checked by hand (parameters, credentials, User-Agent, method).

    with FakeGitHub() as gh:
        gh.add_repo("course/week01", installation_id=7)
        base = gh.add_commit("course/week01", starter_folder)
        head = gh.add_commit("course/week01", {"records.py": b"..."})
        gh.add_pull("course/week01", 1, base_sha=base, head_sha=head, head_repo="student/week01")
        auth = github.Auth.AppAuth(gh.app_id, gh.private_key_pem).get_installation_auth(7)
        client = github.Github(auth=auth, base_url=gh.api_url,
                               seconds_between_requests=0, seconds_between_writes=0)
        ...  # run the service against gh.api_url
        assert gh.violations == []
        assert gh.check_runs("course/week01")[0]["conclusion"] == "success"

Three logs: ``violations`` (the client's fault: outside or against the spec, over a documented limit, missing
Authorization/User-Agent, Authorization sent to codeload), ``rejections`` (every 4xx the fake chose to answer,
violations included, e.g. an expired token or an inline comment off the diff) and ``internal_errors`` (bugs in
the fake: crashes, or its own JSON failing the spec's response schemas).

Spec quirks patched in the in-memory copy are listed in ``_patched_spec``; GitHub rules that are not in the spec
but are enforced here are commented where they are applied.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import difflib
import fnmatch
import hashlib
import io
import itertools
import json
import re
import secrets
import socket
import string
import tarfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = (
    Path(__file__).resolve().parent / "fixtures" / "github" / "github-rest-subset.openapi.json"
)

DOCS = "https://docs.github.com/rest"
API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
"""Values GitHub accepts in ``X-GitHub-Api-Version``; anything else is a 400."""

DEFAULT_PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}
"""What the fake App is granted on every installation (``FakeGitHub(app_permissions=...)`` to change)."""

MAX_ANNOTATIONS = 50
MAX_COMMENT_BODY = 65536
MAX_STATUS_DESCRIPTION = 140
MAX_STATUSES_PER_CONTEXT = 1000
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_BYTES = 64 * 1024

_T = TypeVar("_T")
_LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}
_APP_OPERATIONS = frozenset({"apps/create-installation-access-token", "apps/get-repo-installation"})
_CHECK_OPERATIONS = frozenset({"checks/create", "checks/update"})
_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "repos/get": (("metadata",), "read"),
    "pulls/get": (("pull_requests",), "read"),
    "repos/download-tarball-archive": (("contents",), "read"),
    "checks/create": (("checks",), "write"),
    "checks/update": (("checks",), "write"),
    "repos/create-commit-status": (("statuses",), "write"),
    "issues/list-comments": (("issues", "pull_requests"), "read"),
    "issues/create-comment": (("issues", "pull_requests"), "write"),
    "issues/update-comment": (("issues", "pull_requests"), "write"),
    "pulls/create-review": (("pull_requests",), "write"),
}
"""The installation permission each operation needs (any one of the names, at least that level)."""

_DIFF_ACCEPT = re.compile(r"application/vnd\.github(?:\.v3)?[.+](diff|patch)\b")
_SHA = re.compile(r"[0-9a-f]{40}")
_EXAMPLE_REPO_API = "https://api.github.com/repos/octocat/Hello-World"
_CLASSIC_ALPHABET = string.ascii_letters + string.digits

# --------------------------------------------------------------------------------------------------------------
# The spec, patched, and the App key: built once per test session (startup must stay fast).
# --------------------------------------------------------------------------------------------------------------

_CACHE_LOCK = threading.RLock()
_CACHE: dict[str, Any] = {}
# openapi-core validators are shared by every FakeGitHub of the session.
_VALIDATE_LOCK = threading.Lock()


def _cached(name: str, build: Callable[[], _T]) -> _T:
    with _CACHE_LOCK:
        if name not in _CACHE:
            _CACHE[name] = build()
        return _CACHE[name]  # type: ignore[no-any-return]


def _patched_spec() -> dict[str, Any]:
    """The OpenAPI subset with the quirks listed in GITHUB-LIMITS.md ("Spec quirks") worked around."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    create = spec["paths"]["/repos/{owner}/{repo}/check-runs"]["post"]
    # Quirk 1: the create-check-run body has `discriminator: {propertyName: status}` on an *inline* oneOf.
    # openapi-core (openapi-schema-validator) implements discriminator and tries to resolve
    # #/components/schemas/<status value>, which fails even for GitHub's own examples. The oneOf itself
    # (status completed => conclusion required) is kept and still checked.
    create["requestBody"]["content"]["application/json"]["schema"].pop("discriminator", None)
    # Quirk 2: check-run.conclusion is `nullable: true` with an enum lacking null, so every queued or
    # in-progress run (conclusion null) fails strict OAS 3.0.3 validation; the response enum also lacks
    # "stale", which the request enum allows. Only matters for response validation (validate_responses=True).
    conclusion = spec["components"]["schemas"]["check-run"]["properties"]["conclusion"]
    conclusion["enum"] = [
        *conclusion["enum"],
        *(v for v in (None, "stale") if v not in conclusion["enum"]),
    ]
    # Quirk 3 (not patched, on purpose): the update-check-run anyOf lists only completed/queued/in_progress
    # although `status` also allows waiting/requested/pending. Only GitHub Actions may set those, so an App
    # sending them is wrong anyway and is reported.
    # Quirk 4 (not patched): some examples do not match their schemas (pull-request requested_teams[0].type,
    # full-repository language). The fake builds its own responses and always sets those fields.
    # Not a quirk of the file but of openapi-core: `{ref}` (tarball) and `{sha}` (statuses) carry
    # `x-multi-segment: true` (a ref may be `refs/heads/x`). openapi-core's path finder only matches one
    # segment, so the fake routes requests itself (multi-segment aware) and hands openapi-core the matched
    # path pattern and parameters.
    return spec


def _openapi() -> OpenAPI:
    return _cached("openapi", lambda: OpenAPI.from_dict(_patched_spec()))


def _app_key() -> tuple[str, Any]:
    """One RSA key for the whole session (generating a 2048-bit key costs ~0.1 s)."""

    def build() -> tuple[str, Any]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        return pem, key.public_key()

    return _cached("app-key", build)


# --------------------------------------------------------------------------------------------------------------
# Records and internal state
# --------------------------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as the fake saw it. ``path`` is relative to the API prefix (``/repos/o/r``) for API
    requests and the raw path for anything else (``/_codeload/...``); ``headers`` keys are lower-case."""

    method: str
    path: str
    url_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    operation: str | None = None
    status: int | None = None
    injected: bool = False
    time: float = field(default_factory=time.monotonic)
    """When the request arrived (``time.monotonic``)."""

    @property
    def json(self) -> Any:
        return self.body if not isinstance(self.body, bytes) else None


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delivery: _Delivery | None = None
    """How the answer goes on the wire when a delivery fault matched; None: with its true length."""


class _Fail(Exception):
    """Raised inside the fake to answer at once; ``violation`` also records the request as a client error."""

    def __init__(
        self, status: int, payload: Any, *, violation: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.violation = violation
        self.hint = hint  # for gh.rejections only (the client sees GitHub's message)


@dataclass
class _Principal:
    kind: str  # "token" (PAT-like), "installation", "app" (JWT)
    login: str
    user_type: str
    installation_id: int | None = None
    expires_at: float | None = None
    permissions: dict[str, str] | None = None
    repositories: frozenset[str] | None = None


@dataclass
class _Repo:
    owner: str
    name: str
    id: int
    installation_id: int | None
    private: bool
    default_branch: str
    fork_of: str | None = None
    description: str | None = None
    branches: dict[str, str] = field(default_factory=dict)
    commits: set[str] = field(default_factory=set)
    created_at: float = field(default_factory=time.time)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class _Pull:
    repo: str
    number: int
    id: int
    base_sha: str
    head_sha: str
    head_repo: str
    head_ref: str
    base_ref: str
    title: str
    body: str | None
    user: str
    state: str
    created_at: float


@dataclass
class _Fault:
    method: str
    pattern: str | re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any
    after: bool
    reset_in: float | None = None  # a primary rate limit: x-ratelimit-reset = now + reset_in

    def matches(self, method: str, paths: tuple[str, ...]) -> bool:
        return _request_matches(self.method, self.pattern, method, paths)


def _request_matches(
    wanted: str, pattern: str | re.Pattern[str], method: str, paths: tuple[str, ...]
) -> bool:
    """A fault's method (or ``*``) and its glob, or regex (compiled or starting with ``^``), against a request."""
    if wanted not in ("*", method.upper()):
        return False
    if isinstance(pattern, re.Pattern):
        return any(pattern.search(p) for p in paths)
    if pattern.startswith("^"):
        return any(re.search(pattern, p) for p in paths)
    return any(fnmatch.fnmatchcase(p, pattern) for p in paths)


@dataclass(frozen=True)
class _Delivery:
    """A broken way to send an answer: ``stall`` sends nothing until ``stop()``; otherwise the body goes out
    under ``Content-Length: length`` (left out when None) and the connection is closed after it."""

    stall: bool = False
    length: int | None = None


@dataclass
class _DeliveryFault:
    method: str
    pattern: str | re.Pattern[str]
    delivery: _Delivery
    times: int

    def matches(self, method: str, paths: tuple[str, ...]) -> bool:
        return _request_matches(self.method, self.pattern, method, paths)


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: str
    operation_id: str
    regex: re.Pattern[str]
    int_params: frozenset[str]


@dataclass
class _Ctx:
    """One routed API request, handed to an operation handler."""

    rec: RecordedRequest
    route: _Route
    params: dict[str, Any]
    body: Any
    principal: _Principal
    accept: str


@dataclass
class _FileDiff:
    path: str
    text: str
    additions: int
    deletions: int
    lines: dict[str, set[int]]
    positions: dict[int, tuple[str, int] | None]


@dataclass
class _OpenAPIRequest:
    """openapi-core's Request protocol (plus SupportsPathPattern, so it skips its own one-segment routing)."""

    host_url: str
    path: str
    path_pattern: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass(frozen=True)
class _OpenAPIResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _error(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, **extra, "documentation_url": DOCS}


def _validation_failed(resource: str, field_name: str, code: str, message: str) -> dict[str, Any]:
    return _error(
        "Validation Failed",
        errors=[{"resource": resource, "code": code, "field": field_name, "message": message}],
    )


def _review_failed(*errors: str) -> dict[str, Any]:
    return _error("Unprocessable Entity", errors=list(errors))


def _git_blob(content: bytes) -> str:
    header = f"blob {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


def _tree_sha(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha1(b"fakegithub-commit\0", usedforsecurity=False)
    for path in sorted(files):
        digest.update(f"{path}\0{len(files[path])}\0".encode())
        digest.update(files[path])
    return digest.hexdigest()


def _load_files(files: Mapping[str, bytes | str] | Path) -> dict[str, bytes]:
    if isinstance(files, Path):
        found = sorted(p for p in files.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        return {p.relative_to(files).as_posix(): p.read_bytes() for p in found}
    return {
        path.strip("/"): content.encode() if isinstance(content, str) else bytes(content)
        for path, content in files.items()
    }


def _text(content: bytes | None) -> str | None:
    """The file as text, "" when absent, None when binary (as git decides: a NUL byte or not UTF-8)."""
    if content is None:
        return ""
    if b"\0" in content:
        return None
    try:
        return content.decode()
    except UnicodeDecodeError:
        return None


def _split_lines(text: str) -> list[str]:
    """Lines as git sees them: split on "\\n" only, keeping it; the last line may lack it."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _hunk_range(start: int, stop: int) -> str:
    """A unified-diff range as git writes it (",1" left out; an empty range starts one line earlier)."""
    length = stop - start
    first = start + 1
    if length == 1:
        return f"{first}"
    if not length:
        first -= 1
    return f"{first},{length}"


class _HunkWriter:
    """Writes hunks and keeps, per side, which lines they show and what each diff position points at."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.lines: dict[str, set[int]] = {"LEFT": set(), "RIGHT": set()}
        self.positions: dict[int, tuple[str, int] | None] = {}
        self.position = 0
        self.additions = 0
        self.deletions = 0

    def header(self, text: str) -> None:
        if self.out:  # the first "@@" is position 0; later ones take a position of their own
            self.position += 1
            self.positions[self.position] = None
        self.out.append(text + "\n")

    def line(self, prefix: str, text: str, side: str, number: int) -> None:
        self.out.append(prefix + text)
        self.position += 1
        self.positions[self.position] = (side, number)
        self.lines[side].add(number)
        if not text.endswith("\n"):
            self.out.append("\n\\ No newline at end of file\n")
            self.position += 1
            self.positions[self.position] = None

    def write(self, old: list[str], new: list[str]) -> None:
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for group in matcher.get_grouped_opcodes(3):
            first, last = group[0], group[-1]
            self.header(
                f"@@ -{_hunk_range(first[1], last[2])} +{_hunk_range(first[3], last[4])} @@"
            )
            for tag, i1, i2, j1, j2 in group:
                self.opcode(tag, old, new, (i1, i2, j1, j2))

    def opcode(
        self, tag: str, old: list[str], new: list[str], span: tuple[int, int, int, int]
    ) -> None:
        i1, i2, j1, j2 = span
        if tag == "equal":
            for offset in range(i2 - i1):
                self.lines["LEFT"].add(i1 + offset + 1)
                self.line(" ", new[j1 + offset], "RIGHT", j1 + offset + 1)
            return
        for i in range(i1, i2):
            self.deletions += 1
            self.line("-", old[i], "LEFT", i + 1)
        for j in range(j1, j2):
            self.additions += 1
            self.line("+", new[j], "RIGHT", j + 1)


def _file_diff(path: str, old: bytes | None, new: bytes | None) -> _FileDiff:
    """One file's block of ``git diff`` output (no rename detection; mode always 100644)."""
    head = [f"diff --git a/{path} b/{path}"]
    if old is None:
        head += ["new file mode 100644", f"index 0000000..{_git_blob(new or b'')[:7]}"]
    elif new is None:
        head += ["deleted file mode 100644", f"index {_git_blob(old)[:7]}..0000000"]
    else:
        head.append(f"index {_git_blob(old)[:7]}..{_git_blob(new)[:7]} 100644")
    writer = _HunkWriter()
    old_text, new_text = _text(old), _text(new)
    if old_text is None or new_text is None:
        a_name = "/dev/null" if old is None else f"a/{path}"
        b_name = "/dev/null" if new is None else f"b/{path}"
        head.append(f"Binary files {a_name} and {b_name} differ")
    elif old_text or new_text:
        head.append(f"--- {'/dev/null' if old is None else 'a/' + path}")
        head.append(f"+++ {'/dev/null' if new is None else 'b/' + path}")
        writer.write(_split_lines(old_text), _split_lines(new_text))
    text = "\n".join(head) + "\n" + "".join(writer.out)
    return _FileDiff(path, text, writer.additions, writer.deletions, writer.lines, writer.positions)


def unified_diff(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> dict[str, _FileDiff]:
    """The git-style diff between two trees, per changed path, in path order."""
    changed = sorted(p for p in set(base) | set(head) if base.get(p) != head.get(p))
    return {path: _file_diff(path, base.get(path), head.get(path)) for path in changed}


def _tarball(top: str, files: Mapping[str, bytes], sha: str) -> bytes:
    """A gzip tar like GitHub's: a pax global header with the commit id, one top folder, folders first."""
    raw = io.BytesIO()
    mtime = 1_700_000_000
    with tarfile.open(
        fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}
    ) as tar:
        folders = {top}
        for path in sorted(files):
            parts = path.split("/")[:-1]
            folders.update(f"{top}/{'/'.join(parts[: i + 1])}" for i in range(len(parts)))
        for folder in sorted(folders):
            info = tarfile.TarInfo(folder + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o775, mtime
            tar.addfile(info)
        for path in sorted(files):
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mode, info.mtime = len(files[path]), 0o664, mtime
            tar.addfile(info, io.BytesIO(files[path]))
    return raw.getvalue()


def _route_regex(pattern: str, path_params: Mapping[str, Any]) -> re.Pattern[str]:
    """A path template as a regex: `{name}` matches one segment, or several when `x-multi-segment`."""

    def group(match: re.Match[str]) -> str:
        multi = path_params[match[1]].get("x-multi-segment")
        return f"(?P<{match[1]}>{'.+' if multi else '[^/]+'})"

    return re.compile(re.sub(r"\\\{(\w+)\\\}", group, re.escape(pattern)))


def _query_dict(raw_query: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return out


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw


def _schema_error_message(error: Any) -> str:
    """A jsonschema error in GitHub's "Invalid request" wording (values shortened)."""
    where = "/".join(f"properties/{p}" if isinstance(p, str) else f"items/{p}" for p in error.path)
    value = json.dumps(error.instance, default=str)
    short = value if len(value) <= 60 else value[:57] + "..."
    validator = error.validator
    if validator == "maxItems":
        return f"No more than {error.validator_value} items are allowed; {len(error.instance)} were supplied."
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return " ".join(f'"{name}" wasn\'t supplied.' for name in missing)
    if validator == "maxLength":
        return (
            f"For '{where}', {short} is too long (maximum is {error.validator_value} characters)."
        )
    if validator == "enum":
        return f"For '{where}', {short} is not a member of {error.validator_value}."
    if validator in ("oneOf", "anyOf"):
        reasons = sorted({_schema_error_message(sub) for sub in error.context or []})
        return (
            f"For '{where or 'body'}', none of the {validator} alternatives matched: "
            + " / ".join(reasons)
        )
    return f"For '{where or 'body'}', {short}: {error.message[:200]}"


# --------------------------------------------------------------------------------------------------------------
# The HTTP layer
# --------------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads, so no socket outlives stop()
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self.connections_lock:
            open_sockets = list(self.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # an idle keep-alive connection is closed after this long
    # Headers and body go out in two writes; with Nagle on, each response waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "GitHub.com"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests itself."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        fake = self.server.fake
        reply = fake._handle(self.command, self.path, self.headers, body)
        delivery = reply.delivery
        if delivery is not None and delivery.stall:
            fake._stopping.wait()  # a server that took the request and never answers
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if delivery is None:
            self.send_header("Content-Length", str(len(reply.body)))
        else:  # the body's end is the connection's end (HTTP/1.1 allows it without a length)
            if delivery.length is not None:
                self.send_header("Content-Length", str(delivery.length))
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _serve


# --------------------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------------------


class FakeGitHub:
    """A GitHub REST API on 127.0.0.1 (see the module docstring). Use as a context manager or start()/stop().

    ``token`` is a plain token (like a PAT: every repository, never expires; cannot create check runs
    unless ``checks_need_app=False``). The App is always there: ``app_id``, ``private_key_pem``; installation
    tokens live ``token_ttl`` seconds and alternate between the classic 40-character ``ghs_`` form and the
    long ``ghs_APPID_JWT`` form (``token_format="classic"``/``"jwt"`` to pin one).
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        app_id: int = 4242,
        app_slug: str = "grader",
        token_login: str = "grader-bot",  # noqa: S107 - a user name
        token_ttl: float = 3600.0,
        token_format: str = "alternate",  # noqa: S107 - a choice, not a secret
        app_permissions: Mapping[str, str] | None = None,
        checks_need_app: bool = True,
        codeload_ttl: float = 300.0,
        validate_responses: bool = True,
        prefix: str = "/api/v3",
    ) -> None:
        self.app_id = app_id
        self.app_slug = app_slug
        self.token_ttl = token_ttl
        self.token_format = token_format
        self.app_permissions = dict(app_permissions or DEFAULT_PERMISSIONS)
        self.checks_need_app = checks_need_app
        self.codeload_ttl = codeload_ttl
        self.validate_responses = validate_responses
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.private_key_pem, self._public_key = _app_key()

        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        """Client errors: not in the spec, invalid against it, or over a documented GitHub limit."""
        self.rejections: list[str] = []
        """Every 4xx the fake answered on its own (violations, 401s, unknown objects, off-diff reviews...)."""
        self.internal_errors: list[str] = []
        """Bugs in the fake itself: exceptions, and its own responses failing the spec (validate_responses)."""

        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes = self._build_routes()
        self._ops: dict[str, Callable[[_Ctx], _Reply]] = {
            "apps/create-installation-access-token": self._op_create_token,
            "apps/get-repo-installation": self._op_get_installation,
            "repos/get": self._op_get_repo,
            "pulls/get": self._op_get_pull,
            "repos/download-tarball-archive": self._op_tarball,
            "checks/create": self._op_create_check_run,
            "checks/update": self._op_update_check_run,
            "repos/create-commit-status": self._op_create_status,
            "issues/list-comments": self._op_list_comments,
            "issues/create-comment": self._op_create_comment,
            "issues/update-comment": self._op_update_comment,
            "pulls/create-review": self._op_create_review,
        }
        self._tokens: dict[str, _Principal] = {}
        self._minted = itertools.count()
        self._users: dict[str, int] = {}
        self._repos: dict[str, _Repo] = {}
        self._installations: dict[int, dict[str, Any]] = {}
        self._commits: dict[str, dict[str, bytes]] = {}
        self._tarballs: dict[str, bytes] = {}
        self._pulls: dict[tuple[str, int], _Pull] = {}
        self._check_runs: dict[int, dict[str, Any]] = {}
        self._suites: dict[tuple[str, str], int] = {}
        self._statuses: list[dict[str, Any]] = []
        self._comments: dict[int, dict[str, Any]] = {}
        self._reviews: list[dict[str, Any]] = []
        self._codeload: dict[str, tuple[str, str, float]] = {}
        self._faults: list[_Fault] = []
        self._delivery_faults: list[_DeliveryFault] = []
        self._stopping = threading.Event()
        self.client_id = f"Iv1.fake{app_id:012d}"
        """The App's OAuth client id (``GITHUB_CLIENT_ID``), as ``GET /app`` shows it."""
        self.client_secret = secrets.token_hex(20)
        """The App's OAuth client secret (``GITHUB_CLIENT_SECRET``)."""
        self._signing_in: str | None = None
        self._oauth_codes: dict[str, tuple[str, str, float]] = {}
        """code -> (login, redirect_uri, expires at): single use, ten minutes, like GitHub's."""
        self._oauth_tokens: dict[str, str] = {}
        """User access tokens from the web flow -> login."""
        self._teams: dict[tuple[str, str], dict[str, str]] = {}
        """(org, team slug), lowercased -> {login: membership state}."""
        """Set by ``stop()``: releases the handlers holding a stalled answer."""
        self._rate: dict[str, tuple[int, float]] = {}
        self._ids = {
            kind: itertools.count(start)
            for kind, start in {
                "repo": 1_000_001,
                "pull": 2_000_001,
                "check_run": 3_000_001,
                "suite": 4_000_001,
                "comment": 5_000_001,
                "review": 6_000_001,
                "status": 7_000_001,
                "user": 101,
            }.items()
        }
        if token is not None:
            self.add_token(token, login=token_login)

    # ---- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        if self._server is not None:
            return self
        _openapi()  # build (or reuse) the validator before the first request
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fakegithub-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the web root (``html_url``s), and the host codeload links point at."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v3``: PyGithub's ``base_url``."""
        return self.base_url + self.prefix

    # ---- set-up ---------------------------------------------------------------------------------------------

    def add_token(
        self,
        token: str,
        *,
        login: str = "grader-bot",
        installation_id: int | None = None,
        expires_in: float | None = None,
    ) -> str:
        """Accept ``token``: a plain user token, or (``installation_id``) an installation token of the App."""
        with self._lock:
            expires_at = None if expires_in is None else time.time() + expires_in
            if installation_id is None:
                self._user_id(login)
                self._tokens[token] = _Principal("token", login, "User", expires_at=expires_at)
            else:
                self._tokens[token] = self._installation_principal(installation_id, expires_at)
            return token

    def add_repo(
        self,
        full_name: str,
        *,
        installation_id: int | None = 1,
        private: bool = False,
        default_branch: str = "main",
        fork_of: str | None = None,
        description: str | None = None,
    ) -> None:
        """Create ``owner/name`` (the App is installed on it unless ``installation_id=None``)."""
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"not an owner/name: {full_name!r}")
        with self._lock:
            repo = _Repo(
                owner, name, next(self._ids["repo"]), installation_id, private, default_branch,
                fork_of=fork_of, description=description,
            )  # fmt: skip
            self._repos[full_name.lower()] = repo
            self._user_id(owner)
            if installation_id is not None and installation_id not in self._installations:
                self._installations[installation_id] = {"account": owner, "created_at": time.time()}

    def add_commit(
        self,
        full_name: str,
        files: Mapping[str, bytes | str] | Path,
        *,
        branch: str | None = None,
    ) -> str:
        """Add a commit holding ``files`` (a dict, or every file under a folder); returns its sha, which
        depends only on the content. ``branch`` (default: the default branch, if it has no commit yet) moves."""
        tree = _load_files(files)
        sha = _tree_sha(tree)
        with self._lock:
            repo = self._repo(full_name)
            self._commits[sha] = tree
            repo.commits.add(sha)
            if branch is not None:
                repo.branches[branch] = sha
            repo.branches.setdefault(repo.default_branch, sha)
        return sha

    def add_pull(
        self,
        full_name: str,
        number: int,
        *,
        base_sha: str,
        head_sha: str,
        head_repo: str | None = None,
        head_ref: str = "feature",
        base_ref: str | None = None,
        title: str = "Week 1 submission",
        body: str | None = None,
        user: str | None = None,
    ) -> None:
        """Open PR ``number`` on ``full_name`` from ``head_repo:head_ref`` (a fork when it differs; it is
        created, uninstalled, if unknown). Both shas must come from ``add_commit``."""
        with self._lock:
            repo = self._repo(full_name)
            head_name = head_repo or full_name
            if head_name.lower() not in self._repos:
                self.add_repo(head_name, installation_id=None, fork_of=full_name)
            head = self._repo(head_name)
            for sha in (base_sha, head_sha):
                if sha not in self._commits:
                    raise KeyError(f"unknown commit {sha}: add it with add_commit first")
            repo.commits.update((base_sha, head_sha))
            head.commits.add(head_sha)
            head.branches[head_ref] = head_sha
            base_branch = base_ref or repo.default_branch
            repo.branches.setdefault(base_branch, base_sha)
            self._pulls[(repo.full_name.lower(), number)] = _Pull(
                repo.full_name, number, next(self._ids["pull"]), base_sha, head_sha, head.full_name,
                head_ref, base_branch, title, body, user or head.owner, "open", time.time(),
            )  # fmt: skip
            self._user_id(user or head.owner)

    def set_tarball(self, sha: str, raw: bytes) -> None:
        """Serve ``raw`` (any bytes, hostile archives included) as the tarball of ``sha``."""
        with self._lock:
            self._tarballs[sha] = bytes(raw)
            self._commits.setdefault(sha, {})

    def installation_token(self, installation_id: int = 1) -> str:
        """Mint an installation token directly (no JWT round trip), e.g. for httpx calls in tests."""
        with self._lock:
            return self._mint(self._installation_principal(installation_id, None))

    def app_jwt(self, *, expires_in: int = 300, iat_offset: int = -60) -> str:
        """A JWT for the App, signed with ``private_key_pem`` (what PyGithub's AppAuth sends)."""
        now = int(time.time())
        claims = {"iat": now + iat_offset, "exp": now + expires_in, "iss": str(self.app_id)}
        return jwt.encode(claims, self.private_key_pem, algorithm="RS256")

    def expire_tokens(self) -> None:
        """Make every installation token (and expiring plain token) already expired: next use gives 401."""
        with self._lock:
            for principal in self._tokens.values():
                if principal.kind == "installation" or principal.expires_at is not None:
                    principal.expires_at = time.time() - 1

    def expire_codeload_links(self) -> None:
        with self._lock:
            self._codeload.clear()

    # ---- signing in (the OAuth web flow) -------------------------------------------------------------------

    def sign_in_as(self, login: str | None, *, id: int | None = None) -> None:
        """Who approves every following ``/login/oauth/authorize`` (until changed): ``login``, with GitHub
        user id ``id`` (else the fake's own for that login); None: the user declines (``access_denied``)."""
        with self._lock:
            self._signing_in = login
            if login is not None and id is not None:
                self._users[login] = id
            elif login is not None:
                self._user_id(login)

    def add_team_member(self, org: str, slug: str, login: str, *, state: str = "active") -> None:
        """Make ``login`` a member of the team ``org/slug`` (``state`` "active", or "pending": invited)."""
        with self._lock:
            self._teams.setdefault((org.lower(), slug.lower()), {})[login.lower()] = state

    def user_token(self, login: str) -> str:
        """Mint a user access token for ``login`` directly, as the web flow would."""
        with self._lock:
            token = "ghu_" + "".join(secrets.choice(_CLASSIC_ALPHABET) for _ in range(36))
            self._oauth_tokens[token] = login
            self._user_id(login)
            return token

    # ---- fault injection ------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        status: int = 502,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` WITHOUT doing anything.

        ``path_pattern`` is an fnmatch glob (``/repos/*/issues/*/comments``), or a regex when it starts with
        ``^`` or is compiled; it is matched against the API path (``/repos/o/r/...``) and the raw path.
        ``method`` may be ``*``. Faults are consumed in the order they were added."""
        self._add_fault(method, path_pattern, status, times, headers, body, after=False)

    def fail_after(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        status: int = 502,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Do the next ``times`` matching requests, then answer ``status`` anyway (GitHub's ambiguous 5xx)."""
        self._add_fault(method, path_pattern, status, times, headers, body, after=True)

    def rate_limit_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        retry_after: int | None = 1,
        *,
        times: int = 1,
        status: int = 403,
    ) -> None:
        """A secondary rate limit: 403 (or ``status=429``) with GitHub's message and ``Retry-After``
        (left out when ``retry_after=None``, as GitHub sometimes does); nothing is done."""
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
            "If you reach out to GitHub Support for help, please include the request ID FAKE:0000."
        )
        body = {
            "message": message,
            "documentation_url": DOCS
            + "/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self._add_fault(method, path_pattern, status, times, headers, body, after=False)

    def primary_rate_limit_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        reset_in: float = 1,
        *,
        times: int = 1,
    ) -> None:
        """A primary rate limit: 403, ``x-ratelimit-remaining: 0``, ``x-ratelimit-reset`` = now + reset_in."""
        body = {
            "message": "API rate limit exceeded for installation. If you reach out to GitHub Support for "
            "help, please include the request ID FAKE:0000.",
            "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api",
        }
        with self._lock:
            self._faults.append(
                _Fault(
                    method.upper(),
                    path_pattern,
                    403,
                    times,
                    {},
                    body,
                    after=False,
                    reset_in=reset_in,
                )
            )

    def send_without_length_next(
        self, method: str, path_pattern: str | re.Pattern[str], *, times: int = 1
    ) -> None:
        """Handle the next ``times`` matching requests as usual, but send each answer without
        ``Content-Length``, its end marked only by closing the connection (a streamed body).

        These delivery faults match like ``fail_next`` (API paths and raw ones such as ``/_codeload/*``) and
        combine with it: the answer, injected or not, is what is delivered this way."""
        self._add_delivery_fault(method, path_pattern, _Delivery(), times)

    def send_with_length_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        length: int,
        *,
        times: int = 1,
    ) -> None:
        """Handle the next ``times`` matching requests as usual, but announce ``Content-Length: length``
        whatever the body's size, then close the connection after the body (over its size: a body cut
        short; far over: an archive too big to take)."""
        self._add_delivery_fault(method, path_pattern, _Delivery(length=length), times)

    def stall_next(
        self, method: str, path_pattern: str | re.Pattern[str], *, times: int = 1
    ) -> None:
        """Take the next ``times`` matching requests (handled as usual) and answer nothing, holding the
        connection open until ``stop()``: a hung server, for clients' timeouts."""
        self._add_delivery_fault(method, path_pattern, _Delivery(stall=True), times)

    def _add_delivery_fault(
        self, method: str, pattern: str | re.Pattern[str], delivery: _Delivery, times: int
    ) -> None:
        with self._lock:
            self._delivery_faults.append(_DeliveryFault(method.upper(), pattern, delivery, times))

    def _take_delivery_fault(self, rec: RecordedRequest) -> _Delivery | None:
        paths = (rec.path, rec.url_path)
        for fault in self._delivery_faults:
            if fault.matches(rec.method, paths):
                fault.times -= 1
                if fault.times <= 0:
                    self._delivery_faults.remove(fault)
                return fault.delivery
        return None

    def _add_fault(
        self,
        method: str,
        pattern: str | re.Pattern[str],
        status: int,
        times: int,
        headers: Mapping[str, str] | None,
        body: Any,
        *,
        after: bool,
    ) -> None:
        if body is None:
            body = {
                "message": HTTPStatus(status).phrase
                if status in HTTPStatus._value2member_map_
                else "Error"
            }
        with self._lock:
            self._faults.append(
                _Fault(method.upper(), pattern, status, times, dict(headers or {}), body, after)
            )

    # ---- assertions -----------------------------------------------------------------------------------------

    def check_runs(self, full_name: str) -> list[dict[str, Any]]:
        """The repository's check runs, oldest first: name, head_sha, status, conclusion, external_id,
        details_url, started_at, completed_at, output {title, summary, text}, annotations (all batches)."""
        with self._lock:
            key = full_name.lower()
            return [
                copy.deepcopy(run)
                for run in self._check_runs.values()
                if run["repo"].lower() == key
            ]

    def statuses(self, full_name: str, sha: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(s)
                for s in self._statuses
                if s["repo"].lower() == full_name.lower() and sha in (None, s["sha"])
            ]

    def comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(c)
                for c in self._comments.values()
                if c["repo"].lower() == full_name.lower() and c["number"] == number
            ]

    def reviews(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._reviews
                if r["repo"].lower() == full_name.lower() and r["number"] == number
            ]

    def diff(self, full_name: str, number: int) -> str:
        """The PR's diff, as ``GET .../pulls/N`` with ``Accept: application/vnd.github.diff`` returns it."""
        with self._lock:
            pull = self._pulls.get((full_name.lower(), number))
            if pull is None:
                raise KeyError(f"no pull request {full_name}#{number}")
            return "".join(d.text for d in self._pull_diff(pull).values())

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose method matches and whose API path matches the fnmatch glob."""
        with self._lock:
            return [
                r
                for r in self.requests
                if method.upper() in ("*", r.method) and fnmatch.fnmatchcase(r.path, path_pattern)
            ]

    def clear_log(self) -> None:
        """Forget recorded requests, violations, rejections (not the state)."""
        with self._lock:
            self.requests.clear()
            self.violations.clear()
            self.rejections.clear()

    def wait_for(
        self, predicate: Callable[[], _T], timeout: float = 5.0, interval: float = 0.01
    ) -> _T:
        """Poll ``predicate`` until it returns something truthy (returned); TimeoutError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s: {predicate!r}")
            time.sleep(interval)

    # ---- request handling -----------------------------------------------------------------------------------

    def _handle(self, method: str, raw_path: str, headers: Message, body: bytes) -> _Reply:
        split = urlsplit(raw_path)
        rec = RecordedRequest(
            method=method.upper(),
            path=unquote(split.path),
            url_path=split.path,
            query=_query_dict(split.query),
            headers={k.lower(): v for k, v in headers.items()},
            body=_parse_body(body),
        )
        with self._lock:
            self.requests.append(rec)
            try:
                reply = self._dispatch(rec, split.path, split.query, body)
            except _Fail as fail:
                reply = self._fail_reply(rec, fail)
            except Exception:
                self.internal_errors.append(f"{rec.method} {raw_path}:\n{traceback.format_exc()}")
                reply = _Reply(
                    500, _json_bytes(_error("fakegithub crashed; see gh.internal_errors"))
                )
                reply.headers["Content-Type"] = "application/json; charset=utf-8"
            rec.status = reply.status
            reply.delivery = self._take_delivery_fault(rec)
            return reply

    def _fail_reply(self, rec: RecordedRequest, fail: _Fail) -> _Reply:
        message = fail.payload.get("message", "") if isinstance(fail.payload, dict) else ""
        line = f"{rec.method} {rec.url_path} -> {fail.status}: {fail.violation or message}"
        if fail.hint:
            line += f" ({fail.hint})"
        if fail.violation:
            self.violations.append(line)
        self.rejections.append(line)
        if isinstance(fail.payload, dict):
            fail.payload.setdefault("status", str(fail.status))
        return self._api_reply(rec, fail.status, fail.payload)

    def _dispatch(self, rec: RecordedRequest, raw_path: str, raw_query: str, body: bytes) -> _Reply:
        if raw_path.startswith(("/_codeload/", "/login/oauth/")):
            return self._serve_web(rec, raw_path, body)
        if self.prefix and not raw_path.startswith(self.prefix + "/"):
            raise _Fail(
                404, _error("Not Found"), violation=f"not under the API prefix {self.prefix}"
            )
        api_raw = raw_path[len(self.prefix) :]
        rec.path = unquote(api_raw)
        by_hand = self._user_api(rec)
        if by_hand is not None:
            return by_hand
        found = self._route(rec.method, api_raw)
        fault = self._take_fault(rec)
        if found is None:
            if fault is not None and not fault.after:
                return self._fault_reply(rec, fault)
            raise _Fail(
                404, _error("Not Found"), violation="not an operation of the OpenAPI subset"
            )
        route, params = found
        rec.operation = route.operation_id
        if fault is not None and not fault.after:
            problem = self._spec_problem(rec, route, params, raw_query, body)
            if problem:  # the injected answer wins, but a bad request is still reported
                self.violations.append(f"{rec.method} {rec.url_path}: {problem.violation}")
            return self._fault_reply(rec, fault)
        reply = self._perform(rec, route, params, raw_query, body)
        if fault is not None:
            return self._fault_reply(rec, fault)
        if self.validate_responses:
            self._check_response(rec, route, params, raw_query, body, reply)
        return reply

    def _perform(
        self,
        rec: RecordedRequest,
        route: _Route,
        params: dict[str, str],
        raw_query: str,
        body: bytes,
    ) -> _Reply:
        headers = rec.headers
        if not headers.get("user-agent"):
            # GitHub refuses requests without a User-Agent (docs: "User agent required").
            raise _Fail(
                403,
                _error(
                    "Request forbidden by administrative rules. Please make sure your request has a "
                    "User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
                ),
                violation="no User-Agent header",
            )
        principal = self._authenticate(route.operation_id, headers.get("authorization"))
        version = headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            raise _Fail(
                400,
                _error(f"API version '{version}' is not supported."),
                violation=f"X-GitHub-Api-Version {version!r} is not one GitHub supports",
            )
        problem = self._spec_problem(rec, route, params, raw_query, body)
        if problem:
            raise problem
        typed = {k: int(v) if k in route.int_params else v for k, v in params.items()}
        self._check_permission(route.operation_id, principal)
        ctx = _Ctx(rec, route, typed, rec.json, principal, headers.get("accept", ""))
        reply = self._ops[route.operation_id](ctx)
        if 400 <= reply.status < 500:
            self.rejections.append(f"{rec.method} {rec.url_path} -> {reply.status}")
        return reply

    def _fault_reply(self, rec: RecordedRequest, fault: _Fault) -> _Reply:
        rec.injected = True
        body = fault.body
        if isinstance(body, dict):
            reply = self._api_reply(rec, fault.status, body)
        else:
            raw = body.encode() if isinstance(body, str) else bytes(body)
            reply = self._api_reply(rec, fault.status, None)
            reply.body = raw
            reply.headers["Content-Type"] = "text/html; charset=utf-8"
        if fault.reset_in is not None:
            reply.headers["x-ratelimit-remaining"] = "0"
            reply.headers["x-ratelimit-reset"] = str(int(time.time() + fault.reset_in + 0.999))
        reply.headers.update(fault.headers)
        return reply

    def _take_fault(self, rec: RecordedRequest) -> _Fault | None:
        paths = (rec.path, rec.url_path)
        for fault in self._faults:
            if fault.matches(rec.method, paths):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _api_reply(
        self,
        rec: RecordedRequest,
        status: int,
        payload: Any,
        headers: Mapping[str, str] | None = None,
    ) -> _Reply:
        reply = _Reply(status, b"" if payload is None else _json_bytes(payload))
        if payload is not None:
            reply.headers["Content-Type"] = "application/json; charset=utf-8"
        reply.headers.update(self._rate_headers(rec.headers.get("authorization", "")))
        reply.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        reply.headers["X-GitHub-Api-Version-Selected"] = "2022-11-28"
        reply.headers["X-GitHub-Request-Id"] = secrets.token_hex(8).upper()
        reply.headers.update(headers or {})
        return reply

    def _rate_headers(self, authorization: str) -> dict[str, str]:
        key = authorization or "anonymous"
        now = time.time()
        used, reset = self._rate.get(key, (0, now + 3600))
        used, reset = (1, now + 3600) if reset <= now else (used + 1, reset)
        self._rate[key] = (used, reset)
        limit = 5000 if authorization else 60
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(limit - used, 0)),
            "x-ratelimit-reset": str(int(reset)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": "core",
        }

    # ---- routing and validation -----------------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        spec = _cached("spec", _patched_spec)
        shared_params = spec["components"]["parameters"]
        routes = []
        for pattern, item in spec["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post", "patch", "put", "delete"):
                    continue
                params = [
                    shared_params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                    for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                ]
                in_path = {p["name"]: p for p in params if p["in"] == "path"}
                regex = _route_regex(pattern, in_path)
                ints = frozenset(
                    n for n, p in in_path.items() if p["schema"].get("type") == "integer"
                )
                routes.append(
                    _Route(method.upper(), pattern, operation["operationId"], regex, ints)
                )
        # Literal routes win over templated ones (fewer parameters first, then longer patterns).
        routes.sort(key=lambda r: (r.pattern.count("{"), -len(r.pattern)))
        return routes

    def _route(self, method: str, api_raw_path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method != method:
                continue
            match = route.regex.fullmatch(api_raw_path)
            if match:
                return route, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def _openapi_request(
        self,
        rec: RecordedRequest,
        route: _Route,
        params: dict[str, str],
        raw_query: str,
        body: bytes,
    ) -> _OpenAPIRequest:
        content_type = rec.headers.get("content-type", "").lower() if body else ""
        return _OpenAPIRequest(
            host_url="https://api.github.com",  # the spec's server; the /api/v3 prefix is already stripped
            path=rec.path,
            path_pattern=route.pattern,
            method=route.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(parse_qsl(raw_query, keep_blank_values=True)),
                header=Headers(list(rec.headers.items())),
                path=params,
            ),
            body=body or None,
            content_type=content_type,
        )

    def _spec_problem(
        self,
        rec: RecordedRequest,
        route: _Route,
        params: dict[str, str],
        raw_query: str,
        body: bytes,
    ) -> _Fail | None:
        """GitHub's answer when the request breaks the spec or a documented limit; None when it is fine."""
        if body and isinstance(rec.body, bytes):
            return _Fail(400, _error("Problems parsing JSON"), violation="body is not JSON")
        request = self._openapi_request(rec, route, params, raw_query, body)
        validator = _openapi().request_validator
        with _VALIDATE_LOCK:
            errors = list(validator.iter_errors(request))
        if not errors:
            return _limits_problem(route.operation_id, rec.json)
        messages = []
        status = 422
        for error in errors:
            location = getattr(error, "location", None)
            if location == "path":
                status = 404
            schema_errors = getattr(error.__cause__, "schema_errors", None)
            if schema_errors:
                messages += [_schema_error_message(e) for e in schema_errors]
            else:
                messages.append(f"{error}: {error.__cause__}" if error.__cause__ else str(error))
        if status == 404:  # GitHub answers a malformed path parameter like an unknown object
            return _Fail(404, _error("Not Found"), violation="; ".join(messages))
        message = "Invalid request.\n\n" + "\n".join(messages)
        return _Fail(status, _error(message), violation=message.replace("\n\n", " "))

    def _check_response(
        self,
        rec: RecordedRequest,
        route: _Route,
        params: dict[str, str],
        raw_query: str,
        body: bytes,
        reply: _Reply,
    ) -> None:
        if not reply.headers.get("Content-Type", "").startswith("application/json"):
            return  # diffs and the tarball redirect: the spec only describes JSON bodies
        request = self._openapi_request(rec, route, params, raw_query, body)
        response = _OpenAPIResponse(
            reply.status, "application/json", Headers(list(reply.headers.items())), reply.body
        )
        validator = _openapi().response_validator
        with _VALIDATE_LOCK:
            errors = list(validator.iter_errors(request, response))
        for error in errors:
            details = [
                f"{e.json_path}: {e.message[:200]}"
                for e in getattr(error.__cause__, "schema_errors", [])
            ]
            summary = "; ".join(details) or str(error)[:500]
            self.internal_errors.append(f"response to {rec.method} {rec.path}: {summary}")

    # ---- auth -----------------------------------------------------------------------------------------------

    def _authenticate(self, operation_id: str, authorization: str | None) -> _Principal:
        if not authorization:
            raise _Fail(401, _error("Requires authentication"), violation="no Authorization header")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise _Fail(401, _error("Bad credentials"))
        if operation_id in _APP_OPERATIONS:
            return self._check_jwt(credential)
        principal = self._tokens.get(credential)
        if principal is None:
            hint = "unknown token"
            if credential.count(".") == 2 and credential.startswith("ey"):
                hint = "an App JWT only works on the /app endpoints and GET /repos/{o}/{r}/installation"
            raise _Fail(401, _error("Bad credentials"), hint=hint)
        if principal.expires_at is not None and principal.expires_at <= time.time():
            raise _Fail(401, _error("Bad credentials"), hint="token expired")
        return principal

    def _check_jwt(self, credential: str) -> _Principal:
        if credential in self._tokens:
            raise _Fail(401, _error("A JSON web token could not be decoded"))
        try:
            claims = jwt.decode(
                credential,
                self._public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise _Fail(
                401,
                _error(
                    "'Expiration time' claim ('exp') must be a numeric value representing the future "
                    "time at which the assertion expires"
                ),
            ) from None
        except jwt.ImmatureSignatureError:
            message = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
            raise _Fail(401, _error(message), hint="iat is in the future") from None
        except jwt.PyJWTError as error:
            raise _Fail(
                401, _error("A JSON web token could not be decoded"), hint=str(error)
            ) from None
        if str(claims["iss"]) != str(self.app_id):
            raise _Fail(401, _error("Integration not found"))
        if claims["exp"] - time.time() > 600 + 5:  # GitHub: exp at most 10 minutes ahead
            raise _Fail(401, _error("'Expiration time' claim ('exp') is too far in the future"))
        return _Principal("app", f"{self.app_slug}[bot]", "Bot")

    def _check_permission(self, operation_id: str, principal: _Principal) -> None:
        if principal.kind == "token":
            if operation_id in _CHECK_OPERATIONS and self.checks_need_app:
                raise _Fail(403, _error("You must authenticate via a GitHub App."))
            return
        if principal.kind != "installation" or operation_id not in _NEEDS:
            return
        names, level = _NEEDS[operation_id]
        granted = principal.permissions or {}
        if not any(_LEVELS.get(granted.get(n, "none"), 0) >= _LEVELS[level] for n in names):
            raise _Fail(403, _error("Resource not accessible by integration"))

    def _installation_principal(self, installation_id: int, expires_at: float | None) -> _Principal:
        if installation_id not in self._installations:
            raise KeyError(
                f"no installation {installation_id}: add a repository with that installation_id"
            )
        return _Principal(
            "installation",
            f"{self.app_slug}[bot]",
            "Bot",
            installation_id=installation_id,
            expires_at=expires_at if expires_at is not None else time.time() + self.token_ttl,
            permissions=dict(self.app_permissions),
        )

    def _mint(self, principal: _Principal) -> str:
        n = next(self._minted)
        form = self.token_format if self.token_format != "alternate" else ("classic", "jwt")[n % 2]
        if form == "classic":
            token = "ghs_" + "".join(secrets.choice(_CLASSIC_ALPHABET) for _ in range(36))
        else:  # the stateless `ghs_APPID_JWT` form: long, and with dots and dashes in it
            claims = {
                "iid": principal.installation_id,
                "n": n,
                "exp": int(principal.expires_at or 0),
            }
            token = f"ghs_{self.app_id}_" + jwt.encode(
                claims, secrets.token_bytes(32), algorithm="HS256"
            )
        self._tokens[token] = principal
        return token

    # ---- lookups --------------------------------------------------------------------------------------------

    def _user_id(self, login: str) -> int:
        if login not in self._users:
            self._users[login] = next(self._ids["user"])
        return self._users[login]

    def _repo(self, full_name: str) -> _Repo:
        try:
            return self._repos[full_name.lower()]
        except KeyError:
            raise KeyError(f"unknown repository {full_name}: add it with add_repo first") from None

    def _visible_repo(self, ctx: _Ctx) -> _Repo:
        """The request's repository, or 404 when it does not exist or the credentials cannot see it."""
        repo = self._repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".lower())
        principal = ctx.principal
        visible = repo is not None and (
            principal.kind == "token"
            or (principal.kind == "app" and repo.installation_id is not None)
            or (
                principal.kind == "installation"
                and repo.installation_id == principal.installation_id
                and (
                    principal.repositories is None
                    or repo.full_name.lower() in principal.repositories
                )
            )
        )
        if repo is None or not visible:
            raise _Fail(404, _error("Not Found"))
        return repo

    def _pull_of(self, full_name: str, number: int) -> _Pull:
        pull = self._pulls.get((full_name.lower(), number))
        if pull is None:
            raise _Fail(404, _error("Not Found"))
        return pull

    def _known_sha(self, repo: _Repo, sha: str) -> bool:
        return sha in repo.commits or sha in self._tarballs

    def _require_commit(self, repo: _Repo, sha: str) -> None:
        if not self._known_sha(repo, sha):
            raise _Fail(422, _error(f"No commit found for SHA: {sha}"))

    def _resolve_ref(self, repo: _Repo, ref: str) -> str | None:
        if _SHA.fullmatch(ref):
            return ref if self._known_sha(repo, ref) else None
        branch = re.sub(r"^(refs/)?heads/", "", ref)
        if branch in repo.branches:
            return repo.branches[branch]
        pull = re.fullmatch(r"(?:refs/)?pull/(\d+)/head", ref)
        if pull and (repo.full_name.lower(), int(pull[1])) in self._pulls:
            return self._pulls[(repo.full_name.lower(), int(pull[1]))].head_sha
        if len(ref) >= 7 and re.fullmatch(r"[0-9a-f]+", ref):
            matches = [sha for sha in repo.commits if sha.startswith(ref)]
            return matches[0] if len(matches) == 1 else None
        return None

    def _pull_diff(self, pull: _Pull) -> dict[str, _FileDiff]:
        return _cached(
            f"diff:{pull.base_sha}:{pull.head_sha}",
            lambda: unified_diff(self._commits[pull.base_sha], self._commits[pull.head_sha]),
        )

    # ---- JSON shapes ----------------------------------------------------------------------------------------

    def _user_json(self, login: str, user_type: str = "User") -> dict[str, Any]:
        uid = self._user_id(login)
        api = f"{self.api_url}/users/{quote(login)}"
        return {
            "login": login,
            "id": uid,
            "node_id": _node_id("User", uid),
            "avatar_url": f"{self.base_url}/_avatars/u/{uid}",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.base_url}/{quote(login)}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user_type,
            "site_admin": False,
        }

    def _principal_user(self, principal: _Principal) -> dict[str, Any]:
        return self._user_json(principal.login, principal.user_type)

    def _app_json(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "slug": self.app_slug,
            "node_id": _node_id("Integration", self.app_id),
            "client_id": self.client_id,
            "owner": self._user_json("grader-org", "Organization"),
            "name": self.app_slug,
            "description": "Autograder (fake)",
            "external_url": self.base_url,
            "html_url": f"{self.base_url}/apps/{self.app_slug}",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "permissions": dict(self.app_permissions),
            "events": ["check_run", "check_suite", "pull_request", "push"],
        }

    def _repo_json(self, repo: _Repo) -> dict[str, Any]:
        template = _cached("repo-template", _repo_template)
        api = f"{self.api_url}/repos/{repo.full_name}"
        web = f"{self.base_url}/{repo.full_name}"
        out = {
            key: api + value[len(_EXAMPLE_REPO_API) :]
            if isinstance(value, str) and value.startswith(_EXAMPLE_REPO_API)
            else copy.deepcopy(value)
            for key, value in template.items()
        }
        host = f"127.0.0.1:{self.port}"
        created = _iso(repo.created_at)
        out.update(
            id=repo.id,
            node_id=_node_id("Repository", repo.id),
            name=repo.name,
            full_name=repo.full_name,
            owner=self._user_json(repo.owner),
            private=repo.private,
            visibility="private" if repo.private else "public",
            html_url=web,
            description=repo.description,
            fork=repo.fork_of is not None,
            git_url=f"git://{host}/{repo.full_name}.git",
            ssh_url=f"git@127.0.0.1:{repo.full_name}.git",
            clone_url=f"{web}.git",
            svn_url=web,
            mirror_url=None,
            homepage=None,
            language="Python",
            default_branch=repo.default_branch,
            topics=[],
            forks_count=0,
            forks=0,
            stargazers_count=0,
            watchers_count=0,
            watchers=0,
            open_issues_count=sum(1 for p in self._pulls.values() if p.repo == repo.full_name),
            created_at=created,
            updated_at=created,
            pushed_at=created,
            license=None,
            permissions={
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
        )
        out["open_issues"] = out["open_issues_count"]
        return out

    def _pull_json(self, pull: _Pull) -> dict[str, Any]:
        repo = self._repo(pull.repo)
        api = f"{self.api_url}/repos/{repo.full_name}"
        web = f"{self.base_url}/{repo.full_name}/pull/{pull.number}"
        diff = self._pull_diff(pull)
        created = _iso(pull.created_at)
        links = {
            "self": f"{api}/pulls/{pull.number}",
            "html": web,
            "issue": f"{api}/issues/{pull.number}",
            "comments": f"{api}/issues/{pull.number}/comments",
            "review_comments": f"{api}/pulls/{pull.number}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{api}/pulls/{pull.number}/commits",
            "statuses": f"{api}/statuses/{pull.head_sha}",
        }
        return {
            "url": links["self"],
            "id": pull.id,
            "node_id": _node_id("PullRequest", pull.id),
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self._user_json(pull.user),
            "body": pull.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": created,
            "updated_at": created,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch_json(pull.head_repo, pull.head_ref, pull.head_sha),
            "base": self._branch_json(pull.repo, pull.base_ref, pull.base_sha),
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": "CONTRIBUTOR" if pull.head_repo != pull.repo else "COLLABORATOR",
            "auto_merge": None,
            "draft": False,
            "merged": False,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": sum(
                1
                for c in self._comments.values()
                if c["repo"] == repo.full_name and c["number"] == pull.number
            ),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": sum(d.additions for d in diff.values()),
            "deletions": sum(d.deletions for d in diff.values()),
            "changed_files": len(diff),
        }

    def _branch_json(self, full_name: str, ref: str, sha: str) -> dict[str, Any]:
        repo = self._repo(full_name)
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self._user_json(repo.owner),
            "repo": self._repo_json(repo),
        }

    def _installation_json(self, installation_id: int) -> dict[str, Any]:
        installation = self._installations[installation_id]
        account = installation["account"]
        created = _iso(installation["created_at"])
        return {
            "id": installation_id,
            "account": self._user_json(account, "Organization"),
            "repository_selection": "selected",
            "access_tokens_url": f"{self.api_url}/app/installations/{installation_id}/access_tokens",
            "repositories_url": f"{self.api_url}/installation/repositories",
            "html_url": f"{self.base_url}/organizations/{account}/settings/installations/{installation_id}",
            "app_id": self.app_id,
            "client_id": self.client_id,
            "app_slug": self.app_slug,
            "target_id": self._user_id(account),
            "target_type": "Organization",
            "permissions": dict(self.app_permissions),
            "events": ["check_run", "check_suite", "pull_request", "push"],
            "created_at": created,
            "updated_at": created,
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }

    def _check_run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        repo = self._repo(run["repo"])
        api = f"{self.api_url}/repos/{repo.full_name}/check-runs/{run['id']}"
        output = run["output"]
        pulls = [
            {
                "url": f"{self.api_url}/repos/{repo.full_name}/pulls/{p.number}",
                "id": p.id,
                "number": p.number,
                "head": {"ref": p.head_ref, "sha": p.head_sha, "repo": self._mini_repo(repo)},
                "base": {"ref": p.base_ref, "sha": p.base_sha, "repo": self._mini_repo(repo)},
            }
            # The Checks API only sees its own repository: a PR from a fork gives pull_requests: [].
            for p in self._pulls.values()
            if p.repo == repo.full_name
            and p.head_repo == repo.full_name
            and p.head_sha == run["head_sha"]
        ]
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "node_id": _node_id("CheckRun", run["id"]),
            "external_id": run["external_id"],
            "url": api,
            "html_url": f"{self.base_url}/{repo.full_name}/runs/{run['id']}",
            "details_url": run["details_url"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "started_at": run["started_at"],
            "completed_at": run["completed_at"],
            "output": {
                "title": output["title"],
                "summary": output["summary"],
                "text": output["text"],
                "annotations_count": len(run["annotations"]),
                "annotations_url": f"{api}/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": run["check_suite_id"]},
            "app": self._app_json(),
            "pull_requests": pulls,
        }

    def _mini_repo(self, repo: _Repo) -> dict[str, Any]:
        return {"id": repo.id, "url": f"{self.api_url}/repos/{repo.full_name}", "name": repo.name}

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{comment['repo']}"
        return {
            "id": comment["id"],
            "node_id": _node_id("IssueComment", comment["id"]),
            "url": f"{api}/issues/comments/{comment['id']}",
            "html_url": f"{self.base_url}/{comment['repo']}/pull/{comment['number']}#issuecomment-{comment['id']}",
            "body": comment["body"],
            "user": self._user_json(comment["user"], comment["user_type"]),
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "issue_url": f"{api}/issues/{comment['number']}",
            "author_association": "NONE",
            "performed_via_github_app": self._app_json() if comment["user_type"] == "Bot" else None,
        }

    def _review_json(self, review: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{review['repo']}/pulls/{review['number']}"
        web = f"{self.base_url}/{review['repo']}/pull/{review['number']}#pullrequestreview-{review['id']}"
        out = {
            "id": review["id"],
            "node_id": _node_id("PullRequestReview", review["id"]),
            "user": self._user_json(review["user"], review["user_type"]),
            "body": review["body"],
            "state": review["state"],
            "html_url": web,
            "pull_request_url": api,
            "_links": {"html": {"href": web}, "pull_request": {"href": api}},
            "commit_id": review["commit_id"],
            "author_association": "NONE",
        }
        if review["submitted_at"] is not None:
            out["submitted_at"] = review["submitted_at"]
        return out

    def _status_json(self, status: dict[str, Any]) -> dict[str, Any]:
        creator = self._user_json(status["user"], status["user_type"])
        return {
            "url": f"{self.api_url}/repos/{status['repo']}/statuses/{status['sha']}",
            "avatar_url": creator["avatar_url"],
            "id": status["id"],
            "node_id": _node_id("StatusContext", status["id"]),
            "state": status["state"],
            "description": status["description"],
            "target_url": status["target_url"],
            "context": status["context"],
            "created_at": status["created_at"],
            "updated_at": status["created_at"],
            "creator": creator,
        }

    # ---- operations -----------------------------------------------------------------------------------------

    def _op_create_token(self, ctx: _Ctx) -> _Reply:
        installation_id = ctx.params["installation_id"]
        if installation_id not in self._installations:
            raise _Fail(404, _error("Not Found"))
        body = ctx.body or {}
        wanted = body.get("permissions") or {}
        granted = self.app_permissions
        if any(
            _LEVELS.get(v, 9) > _LEVELS.get(granted.get(k, "none"), 0) for k, v in wanted.items()
        ):
            raise _Fail(
                422, _error("The permissions requested are not granted to this installation.")
            )
        principal = self._installation_principal(installation_id, None)
        principal.permissions = dict(wanted) if wanted else dict(granted)
        principal.repositories = self._narrow_repositories(installation_id, body)
        token = self._mint(principal)
        payload = {
            "token": token,
            "expires_at": _iso(principal.expires_at or 0),
            "permissions": principal.permissions,
            "repository_selection": "selected" if principal.repositories is not None else "all",
        }
        return self._api_reply(ctx.rec, 201, payload)

    def _narrow_repositories(
        self, installation_id: int, body: dict[str, Any]
    ) -> frozenset[str] | None:
        names, ids = body.get("repositories"), body.get("repository_ids")
        if not names and not ids:
            return None
        mine = [r for r in self._repos.values() if r.installation_id == installation_id]
        chosen = {
            r.full_name.lower() for r in mine if r.name in (names or []) or r.id in (ids or [])
        }
        if len(chosen) < len(set(names or [])) + len(set(ids or [])):
            raise _Fail(
                422,
                _error(
                    "There is at least one repository that does not exist or is not accessible to the "
                    "parent installation."
                ),
            )
        return frozenset(chosen)

    def _op_get_installation(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        if repo.installation_id is None:
            raise _Fail(404, _error("Not Found"))
        return self._api_reply(ctx.rec, 200, self._installation_json(repo.installation_id))

    def _op_get_repo(self, ctx: _Ctx) -> _Reply:
        return self._api_reply(ctx.rec, 200, self._repo_json(self._visible_repo(ctx)))

    def _op_get_pull(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        pull = self._pull_of(repo.full_name, ctx.params["pull_number"])
        media = _DIFF_ACCEPT.search(ctx.accept)
        if media is None:
            return self._api_reply(ctx.rec, 200, self._pull_json(pull))
        text = "".join(d.text for d in self._pull_diff(pull).values())
        if media[1] == "patch":
            text = (
                f"From {pull.head_sha} Mon Sep 17 00:00:00 2001\nFrom: {pull.user}\n"
                f"Subject: [PATCH] {pull.title}\n\n---\n{text}"
            )
        reply = self._api_reply(ctx.rec, 200, None)
        reply.body = text.encode()
        reply.headers["Content-Type"] = f"application/vnd.github.{media[1]}; charset=utf-8"
        reply.headers["X-GitHub-Media-Type"] = f"github.v3; format={media[1]}"
        return reply

    def _op_tarball(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        sha = self._resolve_ref(repo, ctx.params["ref"])
        if sha is None:
            raise _Fail(404, _error("Not Found"))
        token = secrets.token_urlsafe(24)
        self._codeload[token] = (repo.full_name, sha, time.time() + self.codeload_ttl)
        location = f"{self.base_url}/_codeload/{repo.full_name}/legacy.tar.gz/{sha}?token={token}"
        return self._api_reply(ctx.rec, 302, None, {"Location": location})

    # ---- the OAuth web flow and the user's API (not in the OpenAPI subset: checked by hand) ----------------

    def _serve_web(self, rec: RecordedRequest, raw_path: str, body: bytes) -> _Reply:
        """What is outside the API prefix: codeload's tarballs and the OAuth web flow."""
        if raw_path.startswith("/_codeload/"):
            return self._serve_codeload(rec)
        return self._serve_oauth(rec, body)

    def _serve_oauth(self, rec: RecordedRequest, body: bytes) -> _Reply:
        """``/login/oauth/authorize`` (the browser) and ``/login/oauth/access_token`` (the server)."""
        fault = self._take_fault(rec)
        if fault is not None:
            return self._fault_reply(rec, fault)
        if rec.path == "/login/oauth/authorize" and rec.method == "GET":
            rec.operation = "oauth/authorize"
            return self._oauth_authorize(rec)
        if rec.path == "/login/oauth/access_token" and rec.method == "POST":
            rec.operation = "oauth/access-token"
            return self._oauth_access_token(rec, body)
        raise _Fail(404, {"message": "Not Found"}, violation="not an OAuth web flow endpoint")

    def _oauth_authorize(self, rec: RecordedRequest) -> _Reply:
        query = {key: values[-1] for key, values in rec.query.items()}
        unknown = sorted(set(query) - _AUTHORIZE_PARAMS)
        if unknown:
            raise _Fail(
                400,
                {"message": "Bad request"},
                violation=f"authorize: unknown parameter(s) {unknown}",
            )
        if query.get("client_id") != self.client_id:
            # GitHub shows a 404 page for an unknown client id.
            raise _Fail(
                404, {"message": "Not Found"}, violation="authorize: client_id is not the App's"
            )
        redirect = query.get("redirect_uri", "")
        if not re.match(r"^https?://[^\s/]+(/[^\s#]*)?$", redirect):
            raise _Fail(
                400,
                {"message": "Bad request"},
                violation="authorize: redirect_uri missing or not an http(s) URL",
            )
        if not query.get("state"):
            raise _Fail(
                400, {"message": "Bad request"},
                violation="authorize: no state (GitHub: an unguessable random string, against CSRF)",
            )  # fmt: skip
        params = {"state": query["state"]}
        if self._signing_in is None:
            params |= _oauth_error("access_denied", "The user has denied your application access.")
        else:
            code = secrets.token_hex(10)
            self._oauth_codes[code] = (self._signing_in, redirect, time.time() + 600)
            params["code"] = code
        location = redirect + ("&" if "?" in redirect else "?") + urlencode(params)
        return _Reply(302, b"", {"Location": location})

    def _oauth_access_token(self, rec: RecordedRequest, body: bytes) -> _Reply:
        content_type = rec.headers.get("content-type", "")
        params = {key: values[-1] for key, values in rec.query.items()}
        if content_type.startswith("application/x-www-form-urlencoded"):
            params |= dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif content_type.startswith("application/json") and isinstance(rec.json, dict):
            params |= {key: str(value) for key, value in rec.json.items()}
        elif body:
            raise _Fail(
                400,
                {"message": "Bad request"},
                violation=f"access_token: body of type {content_type!r}",
            )
        unknown = sorted(set(params) - _TOKEN_PARAMS)
        missing = [name for name in ("client_id", "client_secret", "code") if not params.get(name)]
        if unknown or missing:
            raise _Fail(
                400, {"message": "Bad request"},
                violation=f"access_token: unknown parameter(s) {unknown}, missing {missing}",
            )  # fmt: skip
        payload = self._oauth_grant(params)
        if "error" in payload:
            self.rejections.append(f"POST {rec.url_path} -> 200: {payload['error']}")
        if "application/json" in rec.headers.get("accept", ""):
            return _Reply(
                200, _json_bytes(payload), {"Content-Type": "application/json; charset=utf-8"}
            )
        # GitHub's default answer is form-encoded.
        return _Reply(
            200, urlencode(payload).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def _oauth_grant(self, params: dict[str, str]) -> dict[str, str]:
        """GitHub's answer to a code: a token, or an error (GitHub answers those with a 200 too)."""
        if params["client_id"] != self.client_id or params["client_secret"] != self.client_secret:
            return _oauth_error(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            )
        grant = self._oauth_codes.pop(params["code"], None)  # a code is good once
        if grant is None or grant[2] < time.time():
            return _oauth_error("bad_verification_code", "The code passed is incorrect or expired.")
        login, redirect, _ = grant
        if params.get("redirect_uri") not in (None, redirect):
            return _oauth_error(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            )
        token = "ghu_" + "".join(secrets.choice(_CLASSIC_ALPHABET) for _ in range(36))
        self._oauth_tokens[token] = login
        return {"access_token": token, "token_type": "bearer", "scope": ""}

    def _user_api(self, rec: RecordedRequest) -> _Reply | None:
        """``GET /user`` and ``GET /orgs/{org}/teams/{team_slug}/memberships/{username}`` with a user's token;
        None for any other path (the OpenAPI-checked operations)."""
        membership = _MEMBERSHIP.fullmatch(rec.path)
        if rec.path != "/user" and membership is None:
            return None
        rec.operation = (
            "users/get-authenticated"
            if membership is None
            else "teams/get-membership-for-user-in-org"
        )
        fault = self._take_fault(rec)
        if fault is not None:
            return self._fault_reply(rec, fault)
        if rec.method != "GET":
            raise _Fail(
                404,
                _error("Not Found"),
                violation=f"{rec.method} is not an operation on {rec.path}",
            )
        if not rec.headers.get("user-agent"):
            raise _Fail(
                403,
                _error("Request forbidden by administrative rules."),
                violation="no User-Agent header",
            )
        if rec.query:
            raise _Fail(
                422, _error("Invalid request."), violation=f"unexpected query {sorted(rec.query)}"
            )
        login = self._user_of(rec.headers.get("authorization"))
        if membership is None:
            return self._api_reply(rec, 200, self._user_json(login))
        org, slug, user = membership.groups()
        state = self._teams.get((org.lower(), slug.lower()), {}).get(user.lower())
        if state is None:  # not a member, or no such team: GitHub answers both alike
            raise _Fail(404, _error("Not Found"))
        url = f"{self.api_url}/organizations/1/team/1/memberships/{quote(user)}"
        return self._api_reply(rec, 200, {"url": url, "role": "member", "state": state})

    def _user_of(self, authorization: str | None) -> str:
        """The login of a user's token (the web flow's, or a plain token), or GitHub's 401."""
        if not authorization:
            raise _Fail(401, _error("Requires authentication"), violation="no Authorization header")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise _Fail(401, _error("Bad credentials"))
        if credential in self._oauth_tokens:
            return self._oauth_tokens[credential]
        principal = self._tokens.get(credential)
        if principal is None or principal.kind != "token":
            raise _Fail(401, _error("Bad credentials"), hint="not a user's token")
        return principal.login

    def _serve_codeload(self, rec: RecordedRequest) -> _Reply:
        """The redirect target: not part of the API (never validated against the spec)."""
        if "authorization" in rec.headers:
            raise _Fail(
                400,
                {
                    "message": "Authorization header not allowed on codeload; follow the redirect without it"
                },
                violation="codeload request carries an Authorization header (GitHub's redirect goes to "
                "another host, so clients must drop it)",
            )
        match = re.fullmatch(r"/_codeload/([^/]+)/([^/]+)/legacy\.tar\.gz/([0-9a-f]{40})", rec.path)
        grant = self._codeload.get((rec.query.get("token") or [""])[0])
        if match is None or grant is None or grant[2] < time.time():
            raise _Fail(404, {"message": "Not Found"})
        full_name, sha, _ = grant
        if f"{match[1]}/{match[2]}".lower() != full_name.lower() or match[3] != sha:
            raise _Fail(404, {"message": "Not Found"})
        owner, name = full_name.split("/")
        raw = self._tarballs.get(sha)
        if raw is None:
            raw = _cached(
                f"tar:{full_name}:{sha}",
                lambda: _tarball(f"{owner}-{name}-{sha[:7]}", self._commits[sha], sha),
            )
        headers = {
            "Content-Type": "application/x-gzip",
            "Content-Disposition": f"attachment; filename={owner}-{name}-{sha[:7]}.tar.gz",
            "ETag": f'"{sha}"',
        }
        return _Reply(200, raw, headers)

    def _op_create_check_run(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        body = ctx.body
        self._require_commit(repo, body["head_sha"])
        suite_key = (repo.full_name, body["head_sha"])
        if suite_key not in self._suites:
            self._suites[suite_key] = next(self._ids["suite"])
        now = _iso(time.time())
        run: dict[str, Any] = {
            "id": next(self._ids["check_run"]),
            "repo": repo.full_name,
            "name": body["name"],
            "head_sha": body["head_sha"],
            "external_id": body.get("external_id", ""),
            "details_url": body.get("details_url", f"{self.base_url}/apps/{self.app_slug}"),
            "status": body.get("status", "queued"),
            "conclusion": None,
            "started_at": body.get("started_at", now),
            "completed_at": None,
            "output": {"title": None, "summary": None, "text": None},
            "annotations": [],
            "check_suite_id": self._suites[suite_key],
            "updates": 0,
        }
        self._apply_check_run(run, body)
        self._check_runs[run["id"]] = run
        location = f"{self.api_url}/repos/{repo.full_name}/check-runs/{run['id']}"
        return self._api_reply(ctx.rec, 201, self._check_run_json(run), {"Location": location})

    def _op_update_check_run(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        run = self._check_runs.get(ctx.params["check_run_id"])
        if run is None or run["repo"] != repo.full_name:
            raise _Fail(404, _error("Not Found"))
        output = ctx.body.get("output")
        if output is not None and "title" not in output:
            # The PATCH schema only requires `summary`, but its `title` is documented "**Required**" and
            # GitHub rejects an output without one (GITHUB-LIMITS.md); enforced here as a violation.
            message = 'Invalid request.\n\n"title" wasn\'t supplied.'
            raise _Fail(422, _error(message), violation=message.replace("\n\n", " "))
        self._apply_check_run(run, ctx.body)
        run["updates"] += 1
        return self._api_reply(ctx.rec, 200, self._check_run_json(run))

    def _apply_check_run(self, run: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("name", "details_url", "external_id", "started_at", "status"):
            if key in body:
                run[key] = body[key]
        if body.get("conclusion") is not None:
            run["conclusion"] = body["conclusion"]
            run["status"] = "completed"  # giving a conclusion completes the run
        if "completed_at" in body:
            run["completed_at"] = body["completed_at"]
        if run["status"] == "completed" and run["completed_at"] is None:
            run["completed_at"] = _iso(time.time())
        output = body.get("output")
        if output is not None:
            for key in ("title", "summary", "text"):
                if key in output:
                    run["output"][key] = output[key]
            run["annotations"] += copy.deepcopy(
                output.get("annotations", [])
            )  # appended, never replaced

    def _op_create_status(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        sha, body = ctx.params["sha"], ctx.body
        self._require_commit(repo, sha)
        description = body.get("description")
        if description is not None and len(description) > MAX_STATUS_DESCRIPTION:
            # Not in the spec; GitHub's observed answer (GITHUB-LIMITS.md, "Commit statuses").
            raise _Fail(
                422,
                _validation_failed(
                    "Status",
                    "description",
                    "custom",
                    "description is too long (maximum is 140 characters)",
                ),
                violation=f"status description is {len(description)} characters (GitHub allows 140)",
            )
        context = body.get("context", "default")
        same = [
            s
            for s in self._statuses
            if s["repo"] == repo.full_name
            and s["sha"] == sha
            and s["context"].lower() == context.lower()
        ]
        if len(same) >= MAX_STATUSES_PER_CONTEXT:
            raise _Fail(
                422,
                _validation_failed("Status", "context", "custom", "This SHA and context has reached the "
                                   "maximum number of statuses."),
            )  # fmt: skip
        status = {
            "id": next(self._ids["status"]),
            "repo": repo.full_name,
            "sha": sha,
            "state": body["state"],
            "description": description,
            "target_url": body.get("target_url"),
            "context": context,
            "created_at": _iso(time.time()),
            "user": ctx.principal.login,
            "user_type": ctx.principal.user_type,
        }
        self._statuses.append(status)
        location = f"{self.api_url}/repos/{repo.full_name}/statuses/{sha}"
        return self._api_reply(ctx.rec, 201, self._status_json(status), {"Location": location})

    def _op_list_comments(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        number = ctx.params["issue_number"]
        self._pull_of(repo.full_name, number)
        query = ctx.rec.query
        since = (query.get("since") or [""])[0]
        per_page = min(max(int((query.get("per_page") or ["30"])[0]), 1), 100)
        page = max(int((query.get("page") or ["1"])[0]), 1)
        comments = sorted(
            (
                c
                for c in self._comments.values()
                if c["repo"] == repo.full_name and c["number"] == number
            ),
            key=lambda c: c["id"],
        )
        if since:
            comments = [c for c in comments if c["updated_at"] >= since.replace("+00:00", "Z")]
        last = max((len(comments) + per_page - 1) // per_page, 1)
        chosen = comments[(page - 1) * per_page : page * per_page]
        headers = {}
        link = self._link_header(ctx.rec.url_path, query, page, last)
        if link:
            headers["Link"] = link
        return self._api_reply(ctx.rec, 200, [self._comment_json(c) for c in chosen], headers)

    def _link_header(self, url_path: str, query: dict[str, list[str]], page: int, last: int) -> str:
        def url(n: int) -> str:
            params = {k: v[0] for k, v in query.items() if k != "page"}
            return f"{self.base_url}{url_path}?{urlencode({**params, 'page': n})}"

        rels = []
        if page < last:
            rels += [(page + 1, "next"), (last, "last")]
        if page > 1:
            rels = [(page - 1, "prev"), *rels, (1, "first")]
        return ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in rels)

    def _check_comment_body(self, body: str) -> None:
        if len(body) > MAX_COMMENT_BODY:
            # Not in the spec (no maxLength); GitHub's observed answer (GITHUB-LIMITS.md).
            raise _Fail(
                422,
                _validation_failed(
                    "IssueComment",
                    "data",
                    "unprocessable",
                    "Body is too long (maximum is 65536 characters)",
                ),
                violation=f"comment body is {len(body)} characters (GitHub allows 65536)",
            )

    def _op_create_comment(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        number = ctx.params["issue_number"]
        self._pull_of(repo.full_name, number)
        self._check_comment_body(ctx.body["body"])
        now = _iso(time.time())
        comment = {
            "id": next(self._ids["comment"]),
            "repo": repo.full_name,
            "number": number,
            "body": ctx.body["body"],
            "user": ctx.principal.login,
            "user_type": ctx.principal.user_type,
            "created_at": now,
            "updated_at": now,
            "edits": 0,
        }
        self._comments[comment["id"]] = comment
        payload = self._comment_json(comment)
        return self._api_reply(ctx.rec, 201, payload, {"Location": payload["url"]})

    def _op_update_comment(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        comment = self._comments.get(ctx.params["comment_id"])
        if comment is None or comment["repo"] != repo.full_name:
            raise _Fail(404, _error("Not Found"))
        self._check_comment_body(ctx.body["body"])
        comment["body"] = ctx.body["body"]
        comment["updated_at"] = _iso(time.time())
        comment["edits"] += 1
        return self._api_reply(ctx.rec, 200, self._comment_json(comment))

    def _op_create_review(self, ctx: _Ctx) -> _Reply:
        repo = self._visible_repo(ctx)
        pull = self._pull_of(repo.full_name, ctx.params["pull_number"])
        body = ctx.body or {}
        text, event = body.get("body"), body.get("event")
        if text is not None and len(text) > MAX_COMMENT_BODY:
            raise _Fail(
                422,
                _review_failed("Body is too long (maximum is 65536 characters)"),
                violation=f"review body is {len(text)} characters (GitHub allows 65536)",
            )
        if event in ("REQUEST_CHANGES", "COMMENT") and not text:
            # The spec documents body as "**Required** when using REQUEST_CHANGES or COMMENT".
            message = (
                "You need to leave a comment indicating the requested changes."
                if event == "REQUEST_CHANGES"
                else "Review body can't be blank when the event is COMMENT."
            )
            raise _Fail(422, _review_failed(message), violation=f"{event} review without a body")
        commit_id = body.get("commit_id", pull.head_sha)
        if not self._known_sha(repo, commit_id):
            raise _Fail(422, _review_failed(f"No commit found for SHA: {commit_id}"))
        comments = body.get("comments") or []
        errors = self._review_comment_errors(pull, comments)
        if errors:
            raise _Fail(422, _review_failed(*errors))  # all or nothing: no review, no comment
        pending = event is None
        if pending and any(
            r["state"] == "PENDING" and r["user"] == ctx.principal.login for r in self._reviews
        ):
            raise _Fail(
                422, _review_failed("User can only have one pending review per pull request")
            )
        review = {
            "id": next(self._ids["review"]),
            "repo": repo.full_name,
            "number": pull.number,
            "event": event,
            "state": {
                "APPROVE": "APPROVED",
                "REQUEST_CHANGES": "CHANGES_REQUESTED",
                "COMMENT": "COMMENTED",
            }.get(event or "", "PENDING"),
            "body": text or "",
            "commit_id": commit_id,
            "comments": copy.deepcopy(comments),
            "user": ctx.principal.login,
            "user_type": ctx.principal.user_type,
            "submitted_at": None if pending else _iso(time.time()),
        }
        self._reviews.append(review)
        return self._api_reply(ctx.rec, 200, self._review_json(review))

    def _review_comment_errors(self, pull: _Pull, comments: list[dict[str, Any]]) -> list[str]:
        diff = self._pull_diff(pull)
        errors = []
        for comment in comments:
            file_diff = diff.get(comment["path"])
            if file_diff is None:
                errors.append(f"Path could not be resolved: {comment['path']}")
            elif len(comment["body"]) > MAX_COMMENT_BODY:
                errors.append("Body is too long (maximum is 65536 characters)")
            else:
                errors += _comment_location_errors(file_diff, comment)
        return errors


def _comment_location_errors(file_diff: _FileDiff, comment: dict[str, Any]) -> list[str]:
    """Why an inline review comment cannot sit on this file's diff (empty when it can)."""
    where = f"{comment['path']}"
    if "line" not in comment:
        position = comment.get("position")
        if position is None:
            return [f"Pull request review thread line can't be blank ({where})"]
        if file_diff.positions.get(position) is None:
            return [f"Pull request review thread position is invalid ({where} position {position})"]
        return []
    side = comment.get("side", "RIGHT")
    start_line, start_side = comment.get("start_line"), comment.get("start_side", side)
    if side not in file_diff.lines or start_side not in file_diff.lines:
        return [f"Pull request review thread side must be LEFT or RIGHT ({where})"]
    errors = []
    if comment["line"] not in file_diff.lines[side]:
        errors.append(
            "Pull request review thread line must be part of the diff and Pull request review thread "
            f"diff hunk can't be blank ({where} line {comment['line']} {side})"
        )
    if start_line is not None:
        if start_line not in file_diff.lines[start_side]:
            errors.append(
                f"Pull request review thread start line must be part of the diff ({where} line {start_line})"
            )
        elif start_side == side and start_line >= comment["line"]:
            errors.append(
                f"Pull request review thread start_line must precede the end line ({where})"
            )
    return errors


_AUTHORIZE_PARAMS = frozenset(
    {"client_id", "redirect_uri", "login", "scope", "state", "allow_signup", "prompt"}
    | {"code_challenge", "code_challenge_method"}
)
_TOKEN_PARAMS = frozenset({"client_id", "client_secret", "code", "redirect_uri", "code_verifier"})
_MEMBERSHIP = re.compile(r"/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)")
_OAUTH_DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"


def _oauth_error(error: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description, "error_uri": f"{_OAUTH_DOCS}#{error}"}


def _limits_problem(operation_id: str, body: Any) -> _Fail | None:
    """Documented check-run annotation rules the schema cannot express (spec descriptions, GITHUB-LIMITS.md)."""
    if operation_id not in _CHECK_OPERATIONS or not isinstance(body, dict):
        return None
    annotations = (body.get("output") or {}).get("annotations") or []
    for index, item in enumerate(annotations):
        problem = _annotation_problem(item)
        if problem:
            message = f"Invalid request.\n\nFor 'properties/output/properties/annotations/items/{index}', {problem}"
            return _Fail(422, _error(message), violation=message.replace("\n\n", " "))
    return None


def _annotation_problem(item: dict[str, Any]) -> str | None:
    start, end = item["start_line"], item["end_line"]
    if start < 1 or end < 1:
        return "lines start at 1."
    if end < start:
        return "end_line must not be before start_line."
    columns = [item.get("start_column"), item.get("end_column")]
    if any(c is not None for c in columns) and start != end:
        return "start_column and end_column are only allowed when start_line equals end_line."
    if any(c is not None and c < 1 for c in columns):
        return "columns start at 1."
    if len(item.get("title") or "") > MAX_ANNOTATION_TITLE:
        return f"title is longer than {MAX_ANNOTATION_TITLE} characters."
    for key in ("message", "raw_details"):
        if len((item.get(key) or "").encode()) > MAX_ANNOTATION_BYTES:
            return f"{key} is larger than 64 KB."
    return None


def _repo_template() -> dict[str, Any]:
    spec = _cached("spec", _patched_spec)
    example: dict[str, Any] = copy.deepcopy(
        spec["components"]["examples"]["full-repository-default-response"]["value"]
    )
    for key in ("organization", "parent", "source", "template_repository", "security_and_analysis"):
        example.pop(key, None)
    return example
