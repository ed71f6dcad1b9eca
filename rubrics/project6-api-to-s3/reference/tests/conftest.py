"""Fixtures: a small paginated JSON API on 127.0.0.1, a fresh bucket on the S3 server.

``local_api.reply(status, body)`` queues a reply; requests get the queued replies in
order and the last one repeats. The S3 server is the one ``S3_ENDPOINT_URL`` names;
each test's bucket has a unique name and is emptied and deleted after the test.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


class LocalApi:
    def __init__(self) -> None:
        self.replies: list[tuple[int, bytes]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reply(self, status: int = 200, body: Any = None) -> None:
        """Queue a JSON reply (``body`` may be ``bytes`` to send as it is)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies.append((status, raw))

    def next_reply(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            self.paths.append(path)
            if not self.replies:
                return 404, b'{"error": "nothing queued"}'
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def _handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = api.next_reply(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def local_api() -> Iterator[LocalApi]:
    api = LocalApi()
    api.thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"])


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    try:
        uploads = s3.list_multipart_uploads(Bucket=name).get("Uploads", [])
    except ClientError:
        return
    for upload in uploads:
        s3.abort_multipart_upload(
            Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)
