"""Fetch a partner's records incrementally, on a schedule, into a local store.

Four parts, each usable alone, and a command that ties them together:

- :class:`ApiClient` GETs JSON with the API key in ``X-API-Key``, a timeout on
  every attempt, and retries with exponential backoff (or the server's
  ``Retry-After``); it raises :class:`FetchError` when it gives up.
- :class:`RecordStore` keeps the records in a JSON Lines file, and the
  ``since`` of the last run.
- :func:`sync` fetches every page of records and saves them.
- :class:`Scheduler` runs jobs every N seconds or daily at a fixed UTC time.
  Its clock and sleep are injected, so tests drive it without waiting.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import requests

log = logging.getLogger("fetcher")

Params = Mapping[str, str | int]
API_KEY_VARIABLE = "FETCHER_API_KEY"
DAY = 86_400.0


class FetchError(Exception):
    """The API did not give a usable answer.

    ``status`` is the HTTP status of the last response, or ``None`` when no
    response arrived (connection error or timeout); ``url`` is the full URL of
    the last request, query included. The message names both, never the key.
    """

    def __init__(self, message: str, *, status: int | None, url: str) -> None:
        super().__init__(f"{message} (status {status}, url {url})")
        self.status = status
        self.url = url


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for; None unless it is a number."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date, or garbage: fall back to the backoff delay
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def is_retryable(status: int) -> bool:
    """429 (rate limited) and 5xx (server trouble) may pass later; others never."""
    return status == 429 or status >= 500


@dataclass(frozen=True)
class _Retry:
    """A failed attempt worth retrying, and how long to wait before the next."""

    error: FetchError
    delay: float


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
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if backoff < 0:
            raise ValueError("backoff must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update(
            {"X-API-Key": api_key, "Accept": "application/json"}
        )

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
        """Close the connection pool."""
        self._session.close()

    def url(self, path: str, params: Params | None = None) -> str:
        """The full URL of ``path`` under the base URL, with ``params`` as its query."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        return f"{url}?{urlencode(params)}" if params else url

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET ``path`` (relative to the base URL); the parsed JSON body."""
        url = self.url(path, params)
        response = self._send(url)
        try:
            return response.json()
        except ValueError:
            raise FetchError(
                "the body is not JSON", status=response.status_code, url=url
            ) from None

    def _send(self, url: str) -> requests.Response:
        """GET ``url`` until it succeeds (2xx) or the retries are used up."""
        attempt = 0
        while True:
            outcome = self._try_once(url, attempt)
            if isinstance(outcome, requests.Response):
                return outcome
            if attempt >= self.max_retries:
                raise outcome.error
            self._sleep(outcome.delay)
            attempt += 1

    def _try_once(self, url: str, attempt: int) -> requests.Response | _Retry:
        """One attempt: a 2xx response, a failure worth retrying, or FetchError."""
        try:
            response = self._session.get(url, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            reason = (
                "timed out"
                if isinstance(exc, requests.Timeout)
                else "connection failed"
            )
            return _Retry(
                FetchError(reason, status=None, url=url), self._backoff_delay(attempt)
            )
        status = response.status_code
        if 200 <= status < 300:
            return response
        error = FetchError(f"HTTP {status}", status=status, url=url)
        if not is_retryable(status):
            raise error
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return _Retry(error, self._backoff_delay(attempt) if wait is None else wait)

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff: ``backoff``, then twice that, then four times..."""
        return float(self.backoff * 2**attempt)


@dataclass(frozen=True)
class Saved:
    """What one :meth:`RecordStore.save` did, record by record."""

    inserted: int
    updated: int
    unchanged: int


class RecordStore:
    """Records in a JSON Lines file, one line per saved record.

    The ``since`` of the last sync is kept in a small file beside it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.since_path = self.path.with_name(self.path.name + ".since")
        self.path.touch()

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
        """Nothing to close: each call opens the file and closes it again."""

    def save(self, records: Iterable[Mapping[str, Any]]) -> Saved:
        """Append the records to the file."""
        count = 0
        with self.path.open("a", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record) + "\n")
                count += 1
        return Saved(inserted=count, updated=0, unchanged=0)

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The latest saved record with this id, or None."""
        found = None
        for record in self._read():
            if record["id"] == record_id:
                found = record
        return found

    def records(self) -> list[dict[str, Any]]:
        """Every saved record, sorted by id."""
        return sorted(self._read(), key=lambda record: str(record["id"]))

    def _read(self) -> Iterator[dict[str, Any]]:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    record: dict[str, Any] = json.loads(line)
                    yield record

    def get_since(self) -> str | None:
        """The ``since`` of the last sync, None before the first."""
        if not self.since_path.exists():
            return None
        return self.since_path.read_text(encoding="utf-8")

    def set_since(self, value: str) -> None:
        """Remember ``value`` as the ``since`` of the next sync."""
        self.since_path.write_text(value, encoding="utf-8")


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
    """Fetch every page of records and save them; remember the newest ``updated_at``."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    since = store.get_since()
    cursor: str | None = None
    pages = fetched = inserted = 0
    while True:
        query: dict[str, str | int] = {"limit": page_size}
        if cursor is not None:
            query["cursor"] = cursor
        page = client.get_json(path, query)
        items, cursor = _read_page(page, client.url(path, query))
        saved = store.save(items)
        pages, fetched, inserted = (
            pages + 1,
            fetched + len(items),
            inserted + saved.inserted,
        )
        since = _newest(items, since)
        if since is not None:
            store.set_since(since)
        if cursor is None:
            return SyncReport(pages, fetched, inserted, 0, since)


def _newest(items: list[dict[str, Any]], since: str | None) -> str | None:
    for item in items:
        if since is None or item["updated_at"] > since:
            since = item["updated_at"]
    return since


def _read_page(page: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    """A page's records and its ``next_cursor`` (None on the last page)."""
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise FetchError(
            "a page must be an object with a list 'items'", status=200, url=url
        )
    cursor = page.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise FetchError("'next_cursor' must be a string or null", status=200, url=url)
    for item in page["items"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise FetchError(
                f"a record without an id: {item!r:.80}", status=200, url=url
            )
        if not isinstance(item.get("updated_at"), str):
            raise FetchError(
                f"a record without updated_at: {item!r:.80}", status=200, url=url
            )
    return page["items"], cursor


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


@dataclass
class _Job:
    name: str
    func: Callable[[], object]
    period: float
    next_slot: float
    running: bool = False


_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})")


def _time_of_day(at: str) -> tuple[int, int]:
    """``"HH:MM"`` as (hour, minute); ValueError unless it is a time of day."""
    match = _TIME_OF_DAY.fullmatch(at)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"not a time of day HH:MM: {at!r}")
    return int(match[1]), int(match[2])


def _next_slot(slot: float, period: float, finished: float) -> float:
    """The first slot after ``slot`` not before ``finished`` (overrun slots skipped)."""
    following = slot + period
    if following < finished:
        following += math.ceil((finished - following) / period) * period
    return following


class Scheduler:
    """Run jobs every N seconds or daily at a fixed UTC time.

    ``clock`` returns the time in seconds since the epoch and ``sleep`` waits
    a number of seconds; both are injected so that tests drive the scheduler
    with a fake clock instead of waiting. Slots stay on their grid: a job
    every 10 s registered at t runs at t+10, t+20, ... however long each run
    takes; the slots that pass while a run is still going are skipped, so a
    job never overlaps itself and never piles up late runs. A failing job is
    logged and recorded, and runs again at its next slot.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._jobs: list[_Job] = []
        self._stopping = False
        self.history: list[JobRun] = []

    def every(
        self,
        seconds: float,
        job: Callable[[], object],
        *,
        name: str | None = None,
        first_run: float | None = None,
    ) -> None:
        """Run ``job`` every ``seconds``, first at ``first_run`` (or in ``seconds``)."""
        if not (seconds > 0 and math.isfinite(seconds)):
            raise ValueError(
                f"the interval must be a positive number of seconds, not {seconds!r}"
            )
        first = self._clock() + seconds if first_run is None else first_run
        self._jobs.append(_Job(self._job_name(job, name), job, seconds, first))

    def daily(
        self, at: str, job: Callable[[], object], *, name: str | None = None
    ) -> None:
        """Run ``job`` every day at ``at`` (``"HH:MM"``, UTC), starting at the next."""
        hour, minute = _time_of_day(at)
        now = self._clock()
        today = datetime.fromtimestamp(now, UTC).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
        first = today.timestamp()
        if first < now:
            first += DAY
        self._jobs.append(_Job(self._job_name(job, name), job, DAY, first))

    def _job_name(self, job: Callable[[], object], name: str | None) -> str:
        chosen = name if name is not None else getattr(job, "__name__", repr(job))
        if any(known.name == chosen for known in self._jobs):
            raise ValueError(f"a job named {chosen!r} is already scheduled")
        return chosen

    def run_pending(self) -> list[JobRun]:
        """Run, once each, the jobs due now: earliest slot first, ties as added."""
        now = self._clock()
        due = sorted(
            (job for job in self._jobs if job.next_slot <= now),
            key=lambda j: j.next_slot,
        )
        runs = []
        for job in due:
            # A job that called run_pending itself may have run or be running this one.
            if not job.running and job.next_slot <= now:
                runs.append(self._run(job))
        return runs

    def _run(self, job: _Job) -> JobRun:
        slot = job.next_slot
        started = self._clock()
        error: str | None = None
        job.running = True
        try:
            job.func()
        except Exception as exc:  # a failing job must not stop the others
            error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed (slot %s)", job.name, slot)
        finally:
            job.running = False
        finished = self._clock()
        job.next_slot = _next_slot(slot, job.period, finished)
        run = JobRun(job.name, slot, started, finished, error)
        self.history.append(run)
        return run

    def run(self, until: float | None = None) -> None:
        """Run jobs at their slots, sleeping between, until ``until`` or :meth:`stop`.

        Returns at once when there is nothing to wait for (no job, no ``until``).
        """
        self._stopping = False
        while not self._stopping:
            if until is not None and self._clock() >= until:
                return
            self.run_pending()
            wake = self._next_wake(until)
            if wake is None:
                return
            delay = wake - self._clock()
            if delay > 0 and not self._stopping:
                self._sleep(delay)

    def _next_wake(self, until: float | None) -> float | None:
        times = [job.next_slot for job in self._jobs]
        if until is not None:
            times.append(until)
        return min(times, default=None)

    def stop(self) -> None:
        """Make :meth:`run` return once the current job has finished."""
        self._stopping = True


def _positive(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Fetch records incrementally into a local store."
        f" The API key is read from ${API_KEY_VARIABLE}."
    )
    parser.add_argument("--base-url", required=True, help="the API's base URL")
    parser.add_argument("--store", required=True, help="the store file (JSON Lines)")
    parser.add_argument(
        "--path", default="records", help="the endpoint under the base URL"
    )
    parser.add_argument(
        "--page-size", type=_positive_int, default=100, help="records per page"
    )
    parser.add_argument(
        "--every", type=_positive, help="sync now, then every EVERY seconds"
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The command: one sync (exit 0, or 1 if it fails), or ``--every`` until Ctrl-C."""
    args = _parser().parse_args(argv)
    api_key = os.environ.get(API_KEY_VARIABLE, "")
    if not api_key:
        print(f"set {API_KEY_VARIABLE} to the API key", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    with (
        ApiClient(args.base_url, api_key, sleep=sleep) as client,
        RecordStore(args.store) as store,
    ):

        def job() -> None:
            report = sync(client, args.path, store, page_size=args.page_size)
            print(
                f"{args.path}: {report.fetched} fetched, {report.inserted} new,"
                f" {report.updated} updated, since {report.since}"
            )

        if args.every is None:
            return _once(job)
        scheduler = Scheduler(clock, sleep)
        scheduler.every(args.every, job, name=f"sync {args.path}", first_run=clock())
        return _until_interrupted(scheduler)


def _once(job: Callable[[], None]) -> int:
    try:
        job()
    except FetchError as exc:
        print(f"sync failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _until_interrupted(scheduler: Scheduler) -> int:
    try:
        scheduler.run()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
