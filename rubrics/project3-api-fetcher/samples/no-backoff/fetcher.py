"""Fetch a partner's records incrementally, on a schedule, into a local store.

Four parts, each usable alone, and a command that ties them together:

- :class:`ApiClient` GETs JSON with the API key in ``X-API-Key``, a timeout on
  every attempt, and retries failed attempts; it raises :class:`FetchError`
  when it gives up.
- :class:`RecordStore` keeps the records in a SQLite file, one row per id
  (saving the same record again changes nothing), and the high-water mark
  ``since`` of the last successful run.
- :func:`sync` is one incremental run: every page of the records updated since
  the last successful run, saved page by page; ``since`` moves only once every
  page has arrived.
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
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

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


RETRYABLE = {429, 500, 502, 503, 504}


class ApiClient:
    """GET JSON from ``base_url`` with the API key, timeouts and retries (httpx)."""

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
        if timeout <= 0 or max_retries < 0 or backoff < 0:
            raise ValueError("timeout must be positive, max_retries and backoff >= 0")
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={"X-API-Key": api_key},
            timeout=timeout,
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
        self._client.close()

    def url(self, path: str, params: Params | None = None) -> str:
        """The full URL of ``path`` with ``params`` as its query."""
        request = self._client.build_request("GET", path.lstrip("/"), params=params)
        return str(request.url)

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET ``path`` (relative to the base URL); the parsed JSON body.

        A failed attempt (5xx, 429, no connection, timeout) is tried again
        straight away, up to ``max_retries`` times.
        """
        url = self.url(path, params)
        error = FetchError("no attempt made", status=None, url=url)
        for _ in range(self.max_retries + 1):
            try:
                response = self._client.get(url)
            except httpx.TransportError:
                error = FetchError("no response", status=None, url=url)
                continue
            if response.status_code in RETRYABLE:
                error = FetchError("server busy", status=response.status_code, url=url)
                continue
            return _json_of(response, url)
        raise error


def _json_of(response: httpx.Response, url: str) -> Any:
    status = response.status_code
    if not response.is_success:
        raise FetchError(f"HTTP {status}", status=status, url=url)
    try:
        return response.json()
    except ValueError:
        raise FetchError("the body is not JSON", status=status, url=url) from None


@dataclass(frozen=True)
class Saved:
    """What one :meth:`RecordStore.save` did, record by record."""

    inserted: int
    updated: int
    unchanged: int


class RecordStore:
    """Records keyed by their ``id`` in a SQLite file, and the sync's ``since``.

    Saving a record whose id is already stored replaces it, so saving the
    same records twice leaves one copy of each: a re-run cannot duplicate.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._db = sqlite3.connect(path)
        with self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records"
                " (id TEXT PRIMARY KEY, body TEXT NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS state"
                " (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )

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
        """Close the database file."""
        self._db.close()

    def save(self, records: Iterable[Mapping[str, Any]]) -> Saved:
        """Insert new ids, replace changed records, in one transaction."""
        outcomes = {"inserted": 0, "updated": 0, "unchanged": 0}
        with self._db:
            for record in records:
                outcomes[self._upsert(record)] += 1
        return Saved(**outcomes)

    def _upsert(self, record: Mapping[str, Any]) -> str:
        record_id = record["id"]
        if not isinstance(record_id, str):
            raise ValueError(f"a record's id must be a string, not {record_id!r}")
        body = json.dumps(record, sort_keys=True)
        row = self._db.execute(
            "SELECT body FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is not None and row[0] == body:
            return "unchanged"
        self._db.execute(
            "INSERT INTO records (id, body) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            (record_id, body),
        )
        return "inserted" if row is None else "updated"

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The stored record with this id, or None."""
        row = self._db.execute(
            "SELECT body FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else _as_record(row[0])

    def records(self) -> list[dict[str, Any]]:
        """Every stored record, sorted by id."""
        rows = self._db.execute("SELECT body FROM records ORDER BY id").fetchall()
        return [_as_record(body) for (body,) in rows]

    def get_since(self) -> str | None:
        """The ``since`` of the last successful sync, None before the first."""
        row = self._db.execute("SELECT value FROM state WHERE key = 'since'").fetchone()
        return None if row is None else str(row[0])

    def set_since(self, value: str) -> None:
        """Remember ``value`` as the ``since`` of the next sync."""
        with self._db:
            self._db.execute(
                "INSERT INTO state (key, value) VALUES ('since', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (value,),
            )


def _as_record(body: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(body)
    return record


@dataclass(frozen=True)
class SyncReport:
    """What one :func:`sync` did."""

    pages: int
    fetched: int
    inserted: int
    updated: int
    since: str | None


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime (UTC when it names no zone)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Newest:
    """The latest ``updated_at`` seen: compared as a time, kept as written."""

    def __init__(self, since: str | None) -> None:
        self.text = since
        self._moment = None if since is None else parse_timestamp(since)

    def see(self, text: str) -> None:
        moment = parse_timestamp(text)
        if self._moment is None or moment > self._moment:
            self.text, self._moment = text, moment


def sync(
    client: ApiClient, path: str, store: RecordStore, *, page_size: int = 100
) -> SyncReport:
    """Fetch every record updated since the last successful sync and save it.

    The first request sends ``limit`` (and ``since`` once there is one); each
    following page adds the previous page's ``next_cursor`` as ``cursor``.
    Each page is saved as it arrives; the store's ``since`` moves to the
    latest ``updated_at`` only after the last page, so a run that fails
    part-way is repeated whole by the next one (saving is idempotent).
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    since = store.get_since()
    params: dict[str, str | int] = {"limit": page_size}
    if since is not None:
        params["since"] = since
    newest = _Newest(since)
    pages = fetched = inserted = updated = 0
    for records in _pages(client, path, params):
        for record in records:
            newest.see(record["updated_at"])
        saved = store.save(records)
        pages, fetched = pages + 1, fetched + len(records)
        inserted, updated = inserted + saved.inserted, updated + saved.updated
    if newest.text is not None and newest.text != since:
        store.set_since(newest.text)
    return SyncReport(pages, fetched, inserted, updated, newest.text)


def _pages(
    client: ApiClient, path: str, params: Params
) -> Iterator[list[dict[str, Any]]]:
    """The checked records of each page, following ``next_cursor`` to the last page."""
    cursor: str | None = None
    while True:
        query = dict(params) if cursor is None else {**params, "cursor": cursor}
        url = client.url(path, query)
        records, cursor = _read_page(client.get_json(path, query), url)
        yield records
        if cursor is None:
            return


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
        if not _is_record(item):
            message = f"not a record with a string 'id' and 'updated_at': {item!r:.80}"
            raise FetchError(message, status=200, url=url)
    return page["items"], cursor or None


def _is_record(item: Any) -> bool:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("id"), str)
        or not item["id"]
    ):
        return False
    try:
        parse_timestamp(item["updated_at"])
    except (KeyError, TypeError, ValueError):
        return False
    return True


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
    parser.add_argument("--store", required=True, help="the store file (SQLite)")
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
