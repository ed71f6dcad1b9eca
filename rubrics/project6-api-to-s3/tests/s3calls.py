"""What an S3 client did: its operations in order, seen through botocore's event hooks."""

from __future__ import annotations

from typing import Any


class CallLog:
    """The S3 operations a client made, in order, with the key each one named."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, str | None]] = []
        client.meta.events.register("provide-client-params.s3.*", self._seen)

    def _seen(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.calls.append((model.name, params.get("Key")))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def writes(self) -> list[tuple[str, str | None]]:
        """The calls that make an object appear: PutObject and CompleteMultipartUpload."""
        done = {"PutObject", "CompleteMultipartUpload"}
        return [call for call in self.calls if call[0] in done]
