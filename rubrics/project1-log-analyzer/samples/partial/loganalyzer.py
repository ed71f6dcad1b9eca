"""Access-log analyzer: clean the CSV export, report per hour and per path."""

import json
from pathlib import Path
from typing import Any

import pandas as pd

LOG_COLUMNS = [
    "timestamp",
    "client_ip",
    "method",
    "path",
    "status",
    "bytes",
    "duration_ms",
]
COUNTS = ["requests", "bytes", "client_errors", "server_errors"]


def clean_logs(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Typed log rows, and how many malformed rows were dropped."""
    missing = [name for name in LOG_COLUMNS if name not in raw.columns]
    if missing:
        raise ValueError(f"missing columns: {missing}")
    logs = raw[LOG_COLUMNS].apply(lambda column: column.str.strip())
    logs = logs.replace("", None)
    logs["timestamp"] = pd.to_datetime(logs["timestamp"], utc=True, errors="coerce")
    for name in ("status", "bytes", "duration_ms"):
        logs[name] = pd.to_numeric(logs[name], errors="coerce")
    logs = logs.dropna()
    logs = logs[logs["duration_ms"] >= 0]
    logs["method"] = logs["method"].str.upper()
    logs["status"] = logs["status"].astype("int64")
    logs["bytes"] = logs["bytes"].astype("int64")
    logs["duration_ms"] = logs["duration_ms"].astype("float64")
    return logs.reset_index(drop=True), len(raw) - len(logs)


def read_logs(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The cleaned rows of a CSV log file, and how many were dropped."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raw = pd.DataFrame({name: pd.Series(dtype="str") for name in LOG_COLUMNS})
    return clean_logs(raw)


def _hour_counts(logs: pd.DataFrame) -> pd.Series:
    return logs.groupby(logs["timestamp"].dt.floor("h")).size()


def _hours_frame(counts: pd.Series) -> pd.DataFrame:
    hourly = counts.rename("requests").rename_axis("hour").reset_index()
    return hourly.astype({"requests": "int64"})


def requests_per_hour(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests per UTC hour."""
    return _hours_frame(_hour_counts(logs))


def traffic_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests, bytes, 4xx and 5xx per path."""
    work = logs.assign(
        requests=1,
        client_errors=logs["status"].between(400, 499).astype("int64"),
        server_errors=logs["status"].between(500, 599).astype("int64"),
    )
    totals = work.groupby("path", as_index=False)[COUNTS].sum()
    return totals.astype(dict.fromkeys(COUNTS, "int64"))


def top_paths(logs: pd.DataFrame, n: int = 10, by: str = "requests") -> pd.DataFrame:
    """The n paths with the most requests or bytes."""
    if by not in ("requests", "bytes"):
        raise ValueError(f"cannot rank by {by!r}")
    if n < 1:
        raise ValueError("n must be positive")
    totals = traffic_by_path(logs)[["path", "requests", "bytes"]]
    return totals.nlargest(n, by).reset_index(drop=True)


def error_rates(logs: pd.DataFrame) -> pd.DataFrame:
    """Each path's share of 4xx and 5xx answers, the highest first."""
    rates = traffic_by_path(logs).drop(columns="bytes")
    errors = rates["client_errors"] + rates["server_errors"]
    rates["error_rate"] = (errors / rates["requests"]).astype("float64")
    rates = rates.sort_values(["error_rate", "path"], ascending=[False, True])
    return rates.reset_index(drop=True)


def latency_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """p50 and p95 of duration_ms per path."""
    grouped = logs.groupby("path")["duration_ms"]
    latency = pd.DataFrame(
        {"p50_ms": grouped.quantile(0.5), "p95_ms": grouped.quantile(0.95)}
    )
    return latency.rename_axis("path").reset_index().astype({"path": "str"})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        frame.to_json(orient="records", date_format="iso")
    )
    return rows


def summarize(logs: pd.DataFrame, dropped: int, top_n: int = 5) -> dict[str, Any]:
    """The report as plain JSON values."""
    empty = logs.empty
    return {
        "rows": len(logs),
        "dropped": dropped,
        "first_request": None if empty else logs["timestamp"].min().isoformat(),
        "last_request": None if empty else logs["timestamp"].max().isoformat(),
        "requests_per_hour": _records(requests_per_hour(logs)),
        "top_paths_by_requests": _records(top_paths(logs, top_n, "requests")),
        "top_paths_by_bytes": _records(top_paths(logs, top_n, "bytes")),
        "error_rates": _records(error_rates(logs)),
        "latency": _records(latency_by_path(logs)),
    }


def write_outputs(
    logs: pd.DataFrame, summary: dict[str, Any], out_dir: str | Path
) -> tuple[Path, Path]:
    """Write summary.json and clean.parquet in out_dir."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    summary_path = folder / "summary.json"
    parquet_path = folder / "clean.parquet"
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    logs.to_parquet(parquet_path, index=False)
    return summary_path, parquet_path


def scan_file(
    path: str | Path, chunksize: int = 10_000
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Totals per path and per hour of a large file, read in chunks."""
    if chunksize < 1:
        raise ValueError("chunksize must be positive")
    traffic = pd.DataFrame(columns=["path", *COUNTS])
    hours = pd.Series(dtype="int64")
    dropped = 0
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=chunksize
        )
    except pd.errors.EmptyDataError:
        return traffic.astype(dict.fromkeys(COUNTS, "int64")), _hours_frame(hours), 0
    for chunk in reader:
        logs, bad = clean_logs(chunk)
        dropped += bad
        merged = pd.concat([traffic, traffic_by_path(logs)])
        traffic = merged.groupby("path", as_index=False)[COUNTS].sum()
        hours = hours.add(_hour_counts(logs), fill_value=0)
    traffic = traffic.astype(dict.fromkeys(COUNTS, "int64"))
    return traffic, _hours_frame(hours), dropped
