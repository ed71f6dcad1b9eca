"""Hidden tests: summarize() gives plain JSON values; write_outputs() writes JSON and Parquet."""

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from loganalyzer import summarize, write_outputs
from logrows import COLUMNS, is_utc, logs

KEYS = {
    "rows",
    "dropped",
    "first_request",
    "last_request",
    "requests_per_hour",
    "top_paths_by_requests",
    "top_paths_by_bytes",
    "error_rates",
    "latency",
}


def report_logs() -> pd.DataFrame:
    return logs(
        ("2026-03-01T11:05:00Z", "/a", 500, 300, 30.0),
        ("2026-03-01T09:15:00Z", "/a", 200, 100, 10.0),
        ("2026-03-01T11:59:59.750Z", "/c", 200, 0, 40.0),
        ("2026-03-01T09:45:30Z", "/b", 404, 50, 20.0),
    )


def plain(value: Any, where: str = "summary") -> None:
    """Fail naming the first value that is not a plain JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: keys must be str"
            plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            plain(item, f"{where}[{number}]")
    else:
        allowed = (str, int, float, bool, type(None))
        assert type(value) in allowed, f"{where} is a {type(value).__name__}, not a plain value"


def test_summary_has_exactly_the_keys() -> None:
    assert set(summarize(report_logs(), 3)) == KEYS


def test_summary_counts_rows_and_dropped() -> None:
    summary = summarize(report_logs(), 3)
    assert summary["rows"] == 4 and type(summary["rows"]) is int
    assert summary["dropped"] == 3 and type(summary["dropped"]) is int


def test_summary_first_and_last_request_as_utc_text() -> None:
    summary = summarize(report_logs(), 0)
    assert summary["first_request"] == "2026-03-01T09:15:00Z"
    assert summary["last_request"] == "2026-03-01T11:59:59Z", "whole seconds, fraction left out"


def test_summary_requests_per_hour_records() -> None:
    summary = summarize(report_logs(), 0)
    assert summary["requests_per_hour"] == [
        {"hour": "2026-03-01T09:00:00Z", "requests": 2},
        {"hour": "2026-03-01T10:00:00Z", "requests": 0},
        {"hour": "2026-03-01T11:00:00Z", "requests": 2},
    ]


def test_summary_top_paths_records_follow_top_n() -> None:
    summary = summarize(report_logs(), 0, top_n=2)
    assert summary["top_paths_by_requests"] == [
        {"path": "/a", "requests": 2, "bytes": 400},
        {"path": "/b", "requests": 1, "bytes": 50},
    ]
    assert summary["top_paths_by_bytes"] == [
        {"path": "/a", "requests": 2, "bytes": 400},
        {"path": "/b", "requests": 1, "bytes": 50},
    ]


def test_summary_top_n_defaults_to_five() -> None:
    rows = [("2026-03-01T10:00:00Z", f"/p{n}", 200, n, 1.0) for n in range(8)]
    summary = summarize(logs(*rows), 0)
    assert len(summary["top_paths_by_requests"]) == 5
    assert [r["path"] for r in summary["top_paths_by_bytes"]] == ["/p7", "/p6", "/p5", "/p4", "/p3"]


def test_summary_error_rates_records() -> None:
    rates = summarize(report_logs(), 0)["error_rates"]
    assert [row["path"] for row in rates] == ["/b", "/a", "/c"]
    assert [row["error_rate"] for row in rates] == pytest.approx([1.0, 0.5, 0.0])
    assert rates[1] == {
        "path": "/a",
        "requests": 2,
        "client_errors": 0,
        "server_errors": 1,
        "error_rate": pytest.approx(0.5),
    }


def test_summary_latency_records() -> None:
    latency = summarize(report_logs(), 0)["latency"]
    assert [row["path"] for row in latency] == ["/a", "/b", "/c"]
    assert set(latency[0]) == {"path", "p50_ms", "p95_ms"}
    assert latency[0]["p50_ms"] == pytest.approx(20.0)
    assert latency[0]["p95_ms"] == pytest.approx(29.0)


def test_summary_holds_only_plain_json_values() -> None:
    summary = summarize(report_logs(), 3)
    plain(summary)
    json.dumps(summary, allow_nan=False)


def test_summary_of_empty_logs() -> None:
    summary = summarize(logs(), 5)
    assert summary["rows"] == 0 and summary["dropped"] == 5
    assert summary["first_request"] is None and summary["last_request"] is None
    for key in ("requests_per_hour", "top_paths_by_requests", "error_rates", "latency"):
        assert summary[key] == [], f"{key} of an empty log is an empty list"
    plain(summary)


def test_write_outputs_creates_the_folder_and_returns_the_paths(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "2026-03-01"
    frame = report_logs()
    paths = write_outputs(frame, summarize(frame, 1), out)
    assert tuple(paths) == (out / "summary.json", out / "clean.parquet")
    assert all(Path(path).is_file() for path in paths)


def test_write_outputs_accepts_a_string_folder(tmp_path: Path) -> None:
    frame = report_logs()
    write_outputs(frame, summarize(frame, 1), str(tmp_path))
    assert (tmp_path / "summary.json").is_file() and (tmp_path / "clean.parquet").is_file()


def test_write_outputs_summary_json_reads_back(tmp_path: Path) -> None:
    frame = report_logs()
    summary = summarize(frame, 1)
    write_outputs(frame, summary, tmp_path)
    with (tmp_path / "summary.json").open(encoding="utf-8") as file:
        assert json.load(file) == summary


def test_write_outputs_parquet_keeps_rows_and_dtypes(tmp_path: Path) -> None:
    frame = report_logs()
    write_outputs(frame, summarize(frame, 0), tmp_path)
    back = pd.read_parquet(tmp_path / "clean.parquet")
    assert list(back.columns) == COLUMNS, "write the seven columns, without the index"
    assert is_utc(back["timestamp"].dtype), "the time zone must survive the round trip"
    assert back["status"].dtype == "int64" and back["bytes"].dtype == "int64"
    assert back["duration_ms"].dtype == "float64"
    assert list(back["timestamp"]) == list(frame["timestamp"])
    assert list(back["path"]) == ["/a", "/a", "/c", "/b"]
    assert list(back["bytes"]) == [300, 100, 0, 50]


def test_write_outputs_empty_log(tmp_path: Path) -> None:
    frame = logs()
    write_outputs(frame, summarize(frame, 2), tmp_path)
    back = pd.read_parquet(tmp_path / "clean.parquet")
    assert len(back) == 0 and list(back.columns) == COLUMNS
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["dropped"] == 2
