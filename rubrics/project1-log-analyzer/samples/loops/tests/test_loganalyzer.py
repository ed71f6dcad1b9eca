import io
import json
from pathlib import Path

import pandas as pd
import pytest

# isort: split
from loganalyzer import (
    clean_logs,
    error_rates,
    latency_by_path,
    read_logs,
    requests_per_hour,
    scan_file,
    summarize,
    top_paths,
    traffic_by_path,
    write_outputs,
)

COLUMNS = ["timestamp", "client_ip", "method", "path", "status", "bytes", "duration_ms"]
LOG = """timestamp,client_ip,method,path,status,bytes,duration_ms,user_agent
2026-03-01T09:59:58Z,10.0.0.7,get,/products?page=2,200,5120,30,curl
2026-03-01T12:00:03+02:00, 10.0.0.9 ,post,/login,401,-,12,curl
2026-03-01 10:02:11,10.0.0.7,GET,/products,200,4.5kb,18,curl
yesterday,10.0.0.3,GET,/,200,311,9.0,curl
2026-03-01T10:05:00Z,,GET,/health,200,2,0.4,curl
2026-03-01T12:07:42Z,10.0.0.4,GET,/products,503,100,10,curl
2026-03-01T12:08:00Z,10.0.0.4,GET,products,200,100,10,curl
2026-03-01T12:09:00Z,10.0.0.4,GET,/login,600,100,10,curl
2026-03-01T12:10:00Z,10.0.0.4,GET,/login,200,100,-1,curl
2026-03-01T12:11:00Z,10.0.0.4,GET,/login,200,100,inf,curl
"""


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "access.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


@pytest.fixture
def logs(log_file: Path) -> pd.DataFrame:
    return read_logs(log_file)[0]


def test_clean_logs_keeps_valid_rows_typed(logs: pd.DataFrame) -> None:
    assert list(logs["path"]) == ["/products", "/login", "/products"]
    assert list(logs["method"]) == ["GET", "POST", "GET"]
    assert list(logs["client_ip"]) == ["10.0.0.7", "10.0.0.9", "10.0.0.4"]
    assert list(logs["bytes"]) == [5120, 0, 100]
    assert logs.loc[1, "timestamp"] == pd.Timestamp("2026-03-01T10:00:03Z")
    assert str(logs["timestamp"].dt.tz) == "UTC"
    assert logs["status"].dtype == "int64"
    assert logs["duration_ms"].dtype == "float64"


def test_read_logs_counts_dropped_rows(log_file: Path) -> None:
    assert read_logs(log_file)[1] == 7


def test_clean_logs_requires_columns() -> None:
    raw = pd.read_csv(io.StringIO("timestamp,path\n"), dtype=str, keep_default_na=False)
    with pytest.raises(ValueError, match="client_ip"):
        clean_logs(raw)


def test_read_logs_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    logs, dropped = read_logs(path)
    assert (len(logs), dropped) == (0, 0)
    assert str(logs["timestamp"].dt.tz) == "UTC"


def test_requests_per_hour_fills_gaps(logs: pd.DataFrame) -> None:
    hourly = requests_per_hour(logs)
    assert [hour.hour for hour in hourly["hour"]] == [9, 10, 11, 12]
    assert list(hourly["requests"]) == [1, 1, 0, 1]


def test_requests_per_hour_empty() -> None:
    hourly = requests_per_hour(clean_logs(pd.DataFrame(columns=COLUMNS))[0])
    assert list(hourly.columns) == ["hour", "requests"] and hourly.empty


def test_traffic_by_path(logs: pd.DataFrame) -> None:
    traffic = traffic_by_path(logs)
    assert traffic.to_dict("list") == {
        "path": ["/login", "/products"],
        "requests": [1, 2],
        "bytes": [0, 5220],
        "client_errors": [1, 0],
        "server_errors": [0, 1],
    }


def test_top_paths_orders_and_breaks_ties(logs: pd.DataFrame) -> None:
    assert list(top_paths(logs, 1)["path"]) == ["/products"]
    tied = logs.assign(bytes=7)
    assert list(top_paths(tied, 2, by="bytes")["path"]) == ["/products", "/login"]
    tied = logs.iloc[[0, 1]]
    assert list(top_paths(tied, 1)["path"]) == ["/login"]


def test_top_paths_rejects_bad_arguments(logs: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        top_paths(logs, by="time")
    with pytest.raises(ValueError):
        top_paths(logs, n=0)


def test_error_rates(logs: pd.DataFrame) -> None:
    rates = error_rates(logs)
    assert list(rates["path"]) == ["/login", "/products"]
    assert list(rates["error_rate"]) == [1.0, 0.5]


def test_latency_by_path(logs: pd.DataFrame) -> None:
    latency = latency_by_path(logs)
    assert list(latency["path"]) == ["/login", "/products"]
    assert list(latency["p50_ms"]) == [12.0, 20.0]
    assert list(latency["p95_ms"]) == pytest.approx([12.0, 29.0])


def test_summarize_is_plain_json(logs: pd.DataFrame) -> None:
    summary = summarize(logs, 7, top_n=1)
    assert summary["first_request"] == "2026-03-01T09:59:58Z"
    assert summary["last_request"] == "2026-03-01T12:07:42Z"
    first_hour = {"hour": "2026-03-01T09:00:00Z", "requests": 1}
    assert summary["requests_per_hour"][0] == first_hour
    assert summary["top_paths_by_bytes"] == [
        {"path": "/products", "requests": 2, "bytes": 5220}
    ]
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary


def test_summarize_empty_log() -> None:
    empty = clean_logs(pd.DataFrame(columns=COLUMNS))[0]
    summary = summarize(empty, 3)
    assert summary["first_request"] is None and summary["latency"] == []


def test_write_outputs_round_trips(logs: pd.DataFrame, tmp_path: Path) -> None:
    summary = summarize(logs, 7)
    summary_path, parquet_path = write_outputs(logs, summary, tmp_path / "out" / "day")
    assert json.loads(summary_path.read_text(encoding="utf-8")) == summary
    pd.testing.assert_frame_equal(pd.read_parquet(parquet_path), logs)


@pytest.mark.parametrize("chunksize", [1, 2, 4, 100])
def test_scan_file_matches_the_whole_file(log_file: Path, chunksize: int) -> None:
    logs, dropped = read_logs(log_file)
    traffic, hourly, bad = scan_file(log_file, chunksize)
    pd.testing.assert_frame_equal(traffic, traffic_by_path(logs))
    pd.testing.assert_frame_equal(hourly, requests_per_hour(logs))
    assert bad == dropped


def test_scan_file_empty_file_and_bad_chunksize(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    traffic, hourly, dropped = scan_file(path)
    assert traffic.empty and hourly.empty and dropped == 0
    with pytest.raises(ValueError):
        scan_file(path, 0)
