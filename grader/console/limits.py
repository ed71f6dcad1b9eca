"""A bound on every request body the console reads (forms, uploads, the JSON API).

Starlette parses a form as a whole before a route sees it, spooling file parts to disk with
no limit of its own: any signed-in user could post gigabytes to any form. This middleware
answers before the body is read: a body must declare its length (411 otherwise; browsers
always do for forms) and stay under ``MAX_BODY`` (413). uvicorn's HTTP parser holds the
client to the length it declared. The GitHub webhook has a door of its own and is left out.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY = 4 * 1024 * 1024
"""Bytes a console request may carry: a roster (2 MiB) with room for the form around it."""
PREFIXES = ("/console", "/api/", "/auth/", "/submissions/")
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    """Refuse a console request whose body is undeclared or over ``MAX_BODY``."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, message = refusal
        body = json.dumps({"message": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        path: str = scope.get("path", "")
        if scope.get("method", "GET") in BODILESS or not path.startswith(PREFIXES):
            return None
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if not declared:
            chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
            return (411, "say the body's length (Content-Length)") if chunked else None
        if not declared.isdigit() or len(declared) > 15:
            return 400, "Content-Length is not a number"
        if int(declared) > self.limit:
            return 413, f"the body is over {self.limit:,} bytes"
        return None
