import io
from pathlib import Path

import pandas as pd

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

LOG = """timestamp,client_ip,method,path,status,bytes,duration_ms
2026-03-01T10:00:00Z,10.0.0.1,get,/a,200,100,10
2026-03-01T10:30:00Z,10.0.0.2,GET,/b,404,50,20
2026-03-01T11:00:00Z,10.0.0.3,GET,/a,500,10,30
yesterday,10.0.0.4,GET,/a,200,1,1
2026-03-01T11:10:00Z,,GET,/a,200,1,1
"""


def load() -> tuple[pd.DataFrame, int]:
    raw = pd.read_csv(io.StringIO(LOG), dtype=str, keep_default_na=False)
    return clean_logs(raw)


def test_clean_logs() -> None:
    logs, dropped = load()
    assert len(logs) == 3
    assert dropped == 2
    assert list(logs["method"]) == ["GET", "GET", "GET"]


def test_reports() -> None:
    logs, _ = load()
    assert list(requests_per_hour(logs)["requests"]) == [2, 1]
    assert list(traffic_by_path(logs)["requests"]) == [2, 1]
    assert list(top_paths(logs, 1)["path"]) == ["/a"]
    assert list(error_rates(logs)["path"]) == ["/b", "/a"]
    assert list(latency_by_path(logs)["p50_ms"]) == [20.0, 20.0]


def test_files(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    logs, dropped = read_logs(path)
    summary = summarize(logs, dropped)
    assert summary["rows"] == 3
    write_outputs(logs, summary, tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()
    traffic, hourly, bad = scan_file(path, 2)
    assert list(traffic["requests"]) == [2, 1]
    assert bad == 2
