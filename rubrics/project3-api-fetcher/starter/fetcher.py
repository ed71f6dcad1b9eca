"""Fetch a partner's records incrementally, on a schedule, into a local store.

Four parts, each usable alone, and a command that ties them together:

- ApiClient: GET JSON with the API key in ``X-API-Key``, a timeout on every
  attempt, and retries with exponential backoff (or the server's
  ``Retry-After``); FetchError when it gives up.
- RecordStore: the records, one per id, and the ``since`` of the last
  successful run, in a file (SQLite with the standard library's sqlite3).
- sync: one incremental run: every page of the records updated since the last
  successful run, saved; ``since`` moves only once every page has arrived.
- Scheduler: runs jobs every N seconds or daily at a fixed UTC time, on an
  injected clock and sleep.

Replace each ``raise NotImplementedError`` with your implementation. Keep the
names and signatures: the hidden tests import them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

Params = Mapping[str, str | int]


class FetchError(Exception):
    """The API did not give a usable answer.

    ``status`` is the HTTP status of the last response, or ``None`` when no
    response arrived (connection error or timeout); ``url`` is the full URL of
    the last request, query included. The message names both, never the key.
    """

    def __init__(self, message: str, *, status: int | None, url: str) -> None:
        raise NotImplementedError


class ApiClient:
    """GET JSON from ``base_url`` with the API key, timeouts and retries."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Check the options (ValueError) and open one session (requests or httpx).

        Every request carries the header ``X-API-Key: <api_key>`` and gives up
        after ``timeout`` seconds; ``sleep`` is called with the delay before
        each retry.
        """
        raise NotImplementedError

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session."""
        raise NotImplementedError

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET ``path`` (under the base URL) with ``params`` as the query; the JSON.

        Retries 5xx, connection errors and timeouts with exponential backoff
        (``backoff``, 2x, 4x, ...) and 429 (after its ``Retry-After`` seconds
        when it has one), at most ``max_retries`` times; any other error status
        raises FetchError at once, and so does a body that is not JSON.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Saved:
    """What one :meth:`RecordStore.save` did, record by record."""

    inserted: int
    updated: int
    unchanged: int


class RecordStore:
    """Records keyed by their ``id`` in a file, and the sync's ``since``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open (or create) the store at ``path``."""
        raise NotImplementedError

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        raise NotImplementedError

    def save(self, records: Iterable[Mapping[str, Any]]) -> Saved:
        """Insert the records with new ids, replace the changed ones."""
        raise NotImplementedError

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The stored record with this id, or None."""
        raise NotImplementedError

    def records(self) -> list[dict[str, Any]]:
        """Every stored record, sorted by id."""
        raise NotImplementedError

    def get_since(self) -> str | None:
        """The ``since`` of the last successful sync, None before the first."""
        raise NotImplementedError

    def set_since(self, value: str) -> None:
        """Remember ``value`` as the ``since`` of the next sync."""
        raise NotImplementedError


@dataclass(frozen=True)
class SyncReport:
    """What one :func:`sync` did."""

    pages: int
    fetched: int
    inserted: int
    updated: int
    since: str | None


def sync(
    client: ApiClient, path: str, store: RecordStore, *, page_size: int = 100
) -> SyncReport:
    """Fetch every record updated since the last successful sync and save it.

    Sends ``limit`` (and ``since`` once there is one) on every page, and the
    previous page's ``next_cursor`` as ``cursor`` on every page after the
    first. Moves the store's ``since`` to the latest ``updated_at`` only after
    the last page has arrived.
    """
    raise NotImplementedError


@dataclass(frozen=True)
class JobRun:
    """One run of a scheduled job: its slot, when it ran, and how it ended."""

    name: str
    scheduled_for: float
    started_at: float
    finished_at: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


class Scheduler:
    """Run jobs every N seconds or daily at a fixed UTC time, on an injected clock."""

    history: list[JobRun]
    """Every run so far, in the order they ran."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Time comes only from ``clock()``; waiting only through ``sleep(seconds)``."""
        raise NotImplementedError

    def every(
        self,
        seconds: float,
        job: Callable[[], object],
        *,
        name: str | None = None,
        first_run: float | None = None,
    ) -> None:
        """Run ``job`` every ``seconds``, first at ``first_run`` (or in ``seconds``)."""
        raise NotImplementedError

    def daily(
        self, at: str, job: Callable[[], object], *, name: str | None = None
    ) -> None:
        """Run ``job`` every day at ``at`` (``"HH:MM"``, UTC), from its next time."""
        raise NotImplementedError

    def run_pending(self) -> list[JobRun]:
        """Run, once each, the jobs due now; their runs."""
        raise NotImplementedError

    def run(self, until: float | None = None) -> None:
        """Run jobs at their slots, sleeping between, until ``until`` or stop()."""
        raise NotImplementedError

    def stop(self) -> None:
        """Make run() return once the current job has finished."""
        raise NotImplementedError


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The command: one sync, or ``--every SECONDS`` until Ctrl-C; the exit code."""
    raise NotImplementedError


if __name__ == "__main__":
    raise SystemExit(main())
