"""uvicorn's h11 protocol with a deadline on a request's head, for ``grader serve``.

uvicorn times out idle keep-alive connections but not a connection that opens and
sends nothing, or sends its request line and headers a byte at a time: each such
client holds a file descriptor for ever, and a thousand of them starve ``accept()``
(the issue saw ``/healthz`` go unanswered). Here a connection whose request head
is not complete within ``HEAD_SECONDS`` is closed. The body's own deadline is the
app's (``webhooks.app.Limits.body_seconds``), the head's size is bounded by
``h11_max_incomplete_event_size``.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_SECONDS = 10.0
"""Time from the connection (or the end of the previous response) to a complete request head."""


class GuardedH11Protocol(H11Protocol):
    """``H11Protocol`` that closes a connection whose request head does not arrive in time."""

    head_seconds = HEAD_SECONDS
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request started: the app's deadlines take over
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # keep-alive: the next head gets its deadline
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.head_seconds, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.logger.info("closing a connection whose request head did not arrive in time")
            self.transport.close()
