"""Hidden tests: the parts together: scheduled incremental syncs, and the command ``main``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fakeapi import API_KEY, T0, TIMEOUT, FakeApi, record, stamp, status
from fakeclock import FakeClock
from fetcher import ApiClient, RecordStore, Scheduler, main, sync


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(seconds: float) -> None:
        raise AssertionError("time.sleep was called: wait through the sleep you were given")

    monkeypatch.setattr(time, "sleep", forbidden)


def test_scheduled_syncs_fetch_incrementally_and_survive_a_failed_run(
    api: FakeApi, clock: FakeClock, store: Any
) -> None:
    """Every 60 s a sync; every 45 s the partner adds or changes a record.

    The sync at 180 s fails (503 past its retries, whose backoff moves the
    fake clock); the one at 240 s catches up from the last good ``since``.
    """
    client = ApiClient(
        api.url + "/v1", API_KEY, timeout=TIMEOUT, max_retries=2, backoff=1.0, sleep=clock.sleep
    )
    scheduler = Scheduler(clock, clock.sleep)
    api.put(record("a", -100, v=1), record("b", -50, v=1))
    changes = iter(
        [
            [record("n1", 45)],
            [record("n2", 90), record("a", 90, v=2)],
            [record("n3", 135)],
            [record("b", 183, v=2)],  # its slot is 180; it starts after the failed sync
            [record("n5", 225)],
            [record("n6", 270)],
        ]
    )
    reports: list[Any] = []
    fetch_times: list[float] = []

    def fetch() -> None:
        fetch_times.append(clock.offset())
        if clock.offset() == 180:
            api.inject(status(503), status(503), status(503))
        reports.append(sync(client, "records", store, page_size=2))

    def change() -> None:
        api.put(*next(changes))

    scheduler.every(60, fetch, name="fetch")
    scheduler.every(45, change, name="change")
    with client:
        scheduler.run(until=T0 + 301)

    assert fetch_times == [60, 120, 180, 240, 300], "a sync every 60 s, on its slots"
    fetch_runs = [run.ok for run in scheduler.history if run.name == "fetch"]
    assert fetch_runs == [True, True, False, True, True], "only the sync at 180 s failed"
    firsts = [
        seen.query.get("since") for seen in api.record_requests() if "cursor" not in seen.query
    ]
    expected = [None, stamp(45), stamp(90), stamp(90), stamp(90), stamp(90), stamp(225)]
    assert firsts == expected, "each run asks for what changed since the last successful one"
    sinces = [report.since for report in reports]
    assert sinces == [stamp(45), stamp(90), stamp(225), stamp(270)], "since after each good run"
    expected_store = sorted(api.dataset.values(), key=lambda item: item["id"])
    assert store.records() == expected_store, "each record once, in its latest version"


def run_main(argv: list[str], **kwargs: Any) -> int:
    code = main(argv, **kwargs)
    assert isinstance(code, int), "main returns the exit code"
    return code


def test_main_runs_one_sync_and_exits_0(
    api: FakeApi, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", API_KEY)
    api.put(record("a", 10), record("b", 20), record("c", 30))
    code = run_main(["--base-url", api.url + "/v1", "--store", str(store_path)])
    assert code == 0
    with RecordStore(store_path) as store:
        assert [item["id"] for item in store.records()] == ["a", "b", "c"]
        assert store.get_since() == stamp(30)
    assert len(api.record_requests()) == 1


def test_main_passes_path_and_page_size(
    api: FakeApi, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", API_KEY)
    api.put(*[record(f"r{n}", n) for n in range(5)])
    argv = ["--base-url", api.url, "--store", str(store_path), "--path", "v1/records"]
    assert run_main([*argv, "--page-size", "2"]) == 0
    assert [seen.query.get("limit") for seen in api.record_requests()] == ["2", "2", "2"]


def test_main_reads_the_key_from_the_environment(
    api: FakeApi, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FETCHER_API_KEY", raising=False)
    code = run_main(["--base-url", api.url + "/v1", "--store", str(store_path)])
    assert code == 2, "no FETCHER_API_KEY: exit 2"
    assert api.requests == [], "nothing is sent without a key"


def test_main_exits_1_on_failure_without_printing_the_key(
    api: FakeApi,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", "k-revoked-0042")
    code = run_main(["--base-url", api.url + "/v1", "--store", str(store_path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "401" in err, "the error (with its status) goes to stderr"
    assert "k-revoked-0042" not in out + err, "never print the key"


def test_main_every_syncs_on_schedule_until_interrupted(
    api: FakeApi, store_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("FETCHER_API_KEY", API_KEY)
    api.put(record("a", -10))

    def sleep(seconds: float) -> None:
        if clock.offset() + seconds > 250:
            raise KeyboardInterrupt
        clock.sleep(seconds)
        api.put(record(f"at{clock.offset():.0f}", clock.offset()))

    argv = ["--base-url", api.url + "/v1", "--store", str(store_path), "--every", "60"]
    assert run_main(argv, clock=clock, sleep=sleep) == 0, "Ctrl-C ends it cleanly: exit 0"
    sinces = [seen.query.get("since") for seen in api.record_requests()]
    assert len(sinces) == 5, "a sync at once, then every 60 s"
    expected = [None, stamp(-10), stamp(60), stamp(120), stamp(180)]
    assert sinces == expected, "each sync sends the since the sync before it saved"
    with RecordStore(store_path) as store:
        assert len(store.records()) == 5
