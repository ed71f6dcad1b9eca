"""Hidden tests: scan_file() adds up chunks into the whole file's totals."""

from pathlib import Path

import pytest
from loganalyzer import scan_file
from logrows import HEADER, is_utc, line, utc, write
from pandas.api.types import is_string_dtype

TRAFFIC_COLUMNS = ["path", "requests", "bytes", "client_errors", "server_errors"]
# 8 rows: 3 malformed (the 3rd, 5th and 6th); the 4th is in an hour before the 1st's, and
# with 2 rows per chunk the 3rd chunk is all malformed.
LOG = (
    HEADER
    + line(timestamp="2026-03-01T10:05:00Z", path="/a", status="200", bytes="100")
    + line(timestamp="2026-03-01T10:10:00Z", path="/b", status="404", bytes="-")
    + line(timestamp="2026-03-01T10:15:00Z", path="/b", status="OK")
    + line(timestamp="2026-03-01T10:20:00+01:00", path="/a?x=1", status="503", bytes="50")
    + line(timestamp="", path="/c")
    + line(timestamp="2026-03-01T10:25:00Z", path="/c", bytes="4.5kb")
    + line(timestamp="2026-03-01T13:00:00Z", path="/c", status="200", bytes="7")
    + line(timestamp="2026-03-01T10:59:00Z", path="/b", status="200", bytes="3")
)
CHUNKSIZES = pytest.mark.parametrize(
    "chunksize", [1, 2, 3, 100], ids=["chunks-of-1", "chunks-of-2", "chunks-of-3", "one-chunk"]
)


@CHUNKSIZES
def test_scan_file_totals_per_path(tmp_path: Path, chunksize: int) -> None:
    traffic, _, _ = scan_file(write(tmp_path, LOG), chunksize)
    assert traffic.to_dict("list") == {
        "path": ["/a", "/b", "/c"],
        "requests": [2, 2, 1],
        "bytes": [150, 3, 7],
        "client_errors": [0, 1, 0],
        "server_errors": [1, 0, 0],
    }
    assert list(traffic.index) == list(range(3))


@CHUNKSIZES
def test_scan_file_requests_per_hour_across_chunks(tmp_path: Path, chunksize: int) -> None:
    _, hourly, _ = scan_file(write(tmp_path, LOG), chunksize)
    assert list(hourly["hour"]) == [utc(f"2026-03-01T{h:02d}:00:00Z") for h in range(9, 14)]
    assert list(hourly["requests"]) == [1, 3, 0, 0, 1]
    assert list(hourly.index) == list(range(5))


@CHUNKSIZES
def test_scan_file_counts_dropped_rows(tmp_path: Path, chunksize: int) -> None:
    _, _, dropped = scan_file(write(tmp_path, LOG), chunksize)
    assert dropped == 3 and isinstance(dropped, int)


def test_scan_file_default_chunksize(tmp_path: Path) -> None:
    traffic, hourly, dropped = scan_file(write(tmp_path, LOG))
    assert list(traffic["requests"]) == [2, 2, 1]
    assert list(hourly["requests"]) == [1, 3, 0, 0, 1]
    assert dropped == 3


def test_scan_file_columns_and_dtypes(tmp_path: Path) -> None:
    traffic, hourly, _ = scan_file(write(tmp_path, LOG), 2)
    assert list(traffic.columns) == TRAFFIC_COLUMNS
    assert is_string_dtype(traffic["path"])
    for name in TRAFFIC_COLUMNS[1:]:
        assert traffic[name].dtype == "int64", f"{name} must be int64"
    assert list(hourly.columns) == ["hour", "requests"]
    assert is_utc(hourly["hour"].dtype), "hour must be datetime64 with time zone UTC"
    assert hourly["requests"].dtype == "int64"


def test_scan_file_single_hour(tmp_path: Path) -> None:
    text = HEADER + "".join(line(timestamp=f"2026-03-01T08:{m:02d}:00Z") for m in range(0, 60, 6))
    _, hourly, _ = scan_file(write(tmp_path, text), 4)
    assert list(hourly["hour"]) == [utc("2026-03-01T08:00:00Z")]
    assert list(hourly["requests"]) == [10]


def test_scan_file_zero_byte_file(tmp_path: Path) -> None:
    traffic, hourly, dropped = scan_file(write(tmp_path, ""), 10)
    assert (len(traffic), len(hourly), dropped) == (0, 0, 0)
    assert list(traffic.columns) == TRAFFIC_COLUMNS
    assert list(hourly.columns) == ["hour", "requests"]


def test_scan_file_header_only(tmp_path: Path) -> None:
    traffic, hourly, dropped = scan_file(write(tmp_path, HEADER), 10)
    assert (len(traffic), len(hourly), dropped) == (0, 0, 0)


def test_scan_file_all_malformed_file(tmp_path: Path) -> None:
    text = HEADER + line(status="OK") + line(bytes="x") + line(path="") + line(duration_ms="-1")
    traffic, hourly, dropped = scan_file(write(tmp_path, text), 3)
    assert (len(traffic), len(hourly), dropped) == (0, 0, 4)
    assert list(traffic.columns) == TRAFFIC_COLUMNS


def test_scan_file_accepts_a_string_path(tmp_path: Path) -> None:
    _, _, dropped = scan_file(str(write(tmp_path, LOG)), 5)
    assert dropped == 3


def test_scan_file_rejects_chunksize_below_one(tmp_path: Path) -> None:
    path = write(tmp_path, LOG)
    with pytest.raises(ValueError):
        scan_file(path, 0)
    with pytest.raises(ValueError):
        scan_file(path, -5)
