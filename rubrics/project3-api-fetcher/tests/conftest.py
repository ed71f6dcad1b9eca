"""Fixtures of the hidden tests: a fresh fake API per test, the delays asked for, a store."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeapi import FakeApi
from fakeclock import FakeClock


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def delays() -> list[float]:
    """Pass ``sleep=delays.append``: the delays the client asked for, without waiting."""
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "records.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Any]:
    """A RecordStore in a fresh file, closed after the test."""
    from fetcher import RecordStore  # here, so that a broken store fails only its tests

    opened = RecordStore(store_path)
    try:
        yield opened
    finally:
        opened.close()
