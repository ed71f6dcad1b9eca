"""Download a commit's tarball from GitHub, streamed to disk under a size cap.

The API answers with a redirect to another host (codeload), which is followed
without the ``Authorization`` header. The platform failing (a 5xx, a rate limit,
a timeout) is a ``FetchError``, a ``PlatformError`` retried (after its
``retry_after`` when the server named one) unless its ``permanent`` flag says a
retry cannot help (a 404). No message ever holds the token or a URL's query string.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

import httpx

from grader.errors import ArchiveError, FetchError

__all__ = ["MAX_REDIRECTS", "download"]

MAX_REDIRECTS = 3
"""Redirects followed after the first request (the API sends one, to codeload)."""
_CHUNK = 64 * 1024
_PERMANENT_STATUSES = frozenset({401, 404, 410})
_ERROR_BODY_BYTES = 4096
"""Bytes of an error response read to tell a rate limit from a refusal."""


def download(
    url: str,
    dest: Path,
    *,
    token: str | None,
    max_bytes: int,
    timeout: float = 30.0,
    client: httpx.Client | None = None,
) -> Path:
    """Download ``url`` to ``dest`` and return ``dest``.

    The token goes to the first request only; redirects (at most
    ``MAX_REDIRECTS``, never from https to http) are followed without it. The
    body is written to a temporary file beside ``dest`` (whose folder is
    created) and renamed on success; on any failure nothing is left behind.
    ``timeout`` bounds each network operation (connect, each read), not the
    whole download. A ``client`` given is used as is and not closed.

    Raises ``FetchError`` when the platform fails (``permanent`` for 401, 404,
    410 and other refusals) and ``ArchiveError`` when the body is larger than
    ``max_bytes``.
    """
    secrets = [token] if token else []
    try:
        if client is not None:
            return _fetch(client, httpx.URL(url), dest, token, max_bytes, timeout, secrets)
        with httpx.Client(timeout=timeout, follow_redirects=False) as own:
            return _fetch(own, httpx.URL(url), dest, token, max_bytes, timeout, secrets)
    except FetchError as exc:
        raise FetchError(
            _redact(str(exc), secrets),
            status=exc.status,
            permanent=exc.permanent,
            retry_after=exc.retry_after,
        ) from None
    except httpx.InvalidURL as exc:
        raise FetchError(
            f"GET: invalid URL: {_redact(str(exc), secrets)}", permanent=True
        ) from None


def _fetch(
    client: httpx.Client,
    url: httpx.URL,
    dest: Path,
    token: str | None,
    max_bytes: int,
    timeout: float,
    secrets: list[str],
) -> Path:
    """Follow the redirects by hand, dropping the ``Authorization`` header after the first hop."""
    headers = {"Accept": "application/vnd.github+json", "Accept-Encoding": "identity"}
    if token:
        headers["Authorization"] = f"token {token}"
    for _hop in range(MAX_REDIRECTS + 1):
        if url.query:
            secrets.append(url.query.decode("ascii", "replace"))
        response = _send(client, url, headers, timeout)
        try:
            if not response.has_redirect_location:
                _check_status(response, _shown_url(url))
                return _save(response, dest, max_bytes, _shown_url(url))
            url = _redirect_target(url, response)
        finally:
            response.close()
        headers.pop("Authorization", None)
    raise FetchError(f"GET {_shown_url(url)}: more than {MAX_REDIRECTS} redirects", permanent=True)


def _send(
    client: httpx.Client, url: httpx.URL, headers: dict[str, str], timeout: float
) -> httpx.Response:
    """One streamed GET with exactly ``headers``: no client-wide authentication is added."""
    request = client.build_request("GET", url, headers=headers, timeout=timeout)
    if "Authorization" not in headers:
        request.headers.pop("Authorization", None)
    try:
        return client.send(request, stream=True, auth=None, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise FetchError(f"GET {_shown_url(url)}: timed out ({type(exc).__name__})") from exc
    except httpx.RequestError as exc:
        raise FetchError(f"GET {_shown_url(url)}: {type(exc).__name__}: {exc}") from exc


def _redirect_target(url: httpx.URL, response: httpx.Response) -> httpx.URL:
    """Where a redirect points; only http(s), and never from https down to http."""
    target = url.join(response.headers["Location"])
    if target.scheme not in ("http", "https") or (
        url.scheme == "https" and target.scheme != "https"
    ):
        raise FetchError(
            f"GET {_shown_url(url)}: HTTP {response.status_code} redirects to an unsafe "
            f"{target.scheme or 'relative'} URL",
            status=response.status_code,
            permanent=True,
        )
    return target


def _check_status(response: httpx.Response, where: str) -> None:
    """Return on 200; else raise the ``FetchError`` the status calls for."""
    status = response.status_code
    if status == httpx.codes.OK:
        return
    message = f"GET {where}: HTTP {status} {response.reason_phrase}".rstrip()
    if status in _PERMANENT_STATUSES:
        raise FetchError(message, status=status, permanent=True)
    if status >= 500 or status == httpx.codes.TOO_MANY_REQUESTS or _rate_limited(response):
        raise FetchError(
            f"{message} (rate limited)" if status in (403, 429) else message,
            status=status,
            retry_after=_retry_after(response),
        )
    raise FetchError(message, status=status, permanent=400 <= status < 500)


def _rate_limited(response: httpx.Response) -> bool:
    """A 403 that is GitHub's primary or secondary rate limit, not a refusal."""
    if response.status_code != httpx.codes.FORBIDDEN:
        return False
    if response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers:
        return True
    head = b""
    with contextlib.suppress(httpx.HTTPError):
        for chunk in response.iter_bytes(_ERROR_BODY_BYTES):
            head += chunk
            if len(head) >= _ERROR_BODY_BYTES:
                break
    return b"rate limit" in head.lower()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After``, else until GitHub's rate-limit reset when no
    request is left; GitHub sends the reset time on every answer, so with requests left (a
    502, a secondary limit) it says nothing about when to retry."""
    with contextlib.suppress(ValueError):
        if "retry-after" in response.headers:
            return max(0.0, float(response.headers["retry-after"]))
        if response.headers.get("x-ratelimit-remaining") == "0" and (
            "x-ratelimit-reset" in response.headers
        ):
            return max(0.0, float(response.headers["x-ratelimit-reset"]) - time.time())
    return None


def _save(response: httpx.Response, dest: Path, max_bytes: int, where: str) -> Path:
    """Stream the body to a temporary file beside ``dest``, then rename it to ``dest``."""
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise ArchiveError(
            f"GET {where}: the archive is {int(announced)} bytes, over the limit of {max_bytes}"
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise FetchError(f"GET {where}: cannot write beside {dest}: {exc.strerror}") from exc
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            _write_body(response, out, max_bytes, where)
        partial.replace(dest)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FetchError(f"GET {where}: cannot write {dest}: {exc.strerror}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dest


def _write_body(response: httpx.Response, out: BinaryIO, max_bytes: int, where: str) -> None:
    """Copy the body, stopping as soon as more than ``max_bytes`` arrived."""
    received = 0
    try:
        for chunk in response.iter_bytes(_CHUNK):
            received += len(chunk)
            if received > max_bytes:
                raise ArchiveError(
                    f"GET {where}: the archive is over the limit of {max_bytes} bytes"
                )
            out.write(chunk)
    except httpx.TimeoutException as exc:
        raise FetchError(f"GET {where}: timed out after {received} bytes") from exc
    except httpx.RequestError as exc:
        raise FetchError(
            f"GET {where}: {type(exc).__name__} after {received} bytes: {exc}"
        ) from exc


def _shown_url(url: httpx.URL) -> str:
    """The URL without credentials, query or fragment: safe to log."""
    return str(url.copy_with(query=None, fragment=None, userinfo=b""))


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
