"""Analyze web-server access logs exported as CSV.

Each row is validated on its own, then the reports are built with plain
dictionaries: easy to follow, one request at a time.
"""

import json
import math
import re
from collections import defaultdict
from datetime import timedelta
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
TRAFFIC_COLUMNS = ["path", "requests", "bytes", "client_errors", "server_errors"]
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
STATUS = re.compile(r"[1-5]\d\d")
DIGITS = re.compile(r"\d+")


def _timestamp(cell: str) -> pd.Timestamp | None:
    moment = pd.to_datetime(cell, format="ISO8601", utc=True, errors="coerce")
    return None if pd.isna(moment) else moment


def _duration(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _path(cell: str) -> str | None:
    path = cell.split("?", 1)[0]
    return path if path.startswith("/") else None


def _bytes(cell: str) -> int | None:
    cell = "0" if cell == "-" else cell
    return int(cell) if DIGITS.fullmatch(cell) else None


def _clean_row(cells: dict[str, str]) -> dict[str, Any] | None:
    """The typed row, or None when one of its cells is malformed."""
    row: dict[str, Any] = {
        "timestamp": _timestamp(cells["timestamp"]),
        "client_ip": cells["client_ip"] or None,
        "method": cells["method"].upper() or None,
        "path": _path(cells["path"]),
        "status": int(cells["status"]) if STATUS.fullmatch(cells["status"]) else None,
        "bytes": _bytes(cells["bytes"]),
        "duration_ms": _duration(cells["duration_ms"]),
    }
    return None if any(value is None for value in row.values()) else row


def _logs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.Series(
                [row["timestamp"] for row in rows], dtype="datetime64[ns, UTC]"
            ),
            "client_ip": pd.Series([row["client_ip"] for row in rows], dtype="str"),
            "method": pd.Series([row["method"] for row in rows], dtype="str"),
            "path": pd.Series([row["path"] for row in rows], dtype="str"),
            "status": pd.Series([row["status"] for row in rows], dtype="int64"),
            "bytes": pd.Series([row["bytes"] for row in rows], dtype="int64"),
            "duration_ms": pd.Series(
                [row["duration_ms"] for row in rows], dtype="float64"
            ),
        }
    )


def clean_logs(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Typed log rows, and how many malformed rows were dropped."""
    missing = [name for name in LOG_COLUMNS if name not in raw.columns]
    if missing:
        raise ValueError(f"missing required columns: {', '.join(missing)}")
    rows = []
    for _, record in raw.iterrows():
        cells = {name: str(record[name]).strip() for name in LOG_COLUMNS}
        row = _clean_row(cells)
        if row is not None:
            rows.append(row)
    return _logs_frame(rows), len(raw) - len(rows)


def read_logs(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The cleaned rows of a CSV log file, and how many were dropped."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raw = pd.DataFrame(columns=LOG_COLUMNS)
    return clean_logs(raw)


def _hour_counts(logs: pd.DataFrame) -> dict[pd.Timestamp, int]:
    counts: dict[pd.Timestamp, int] = defaultdict(int)
    for moment in logs["timestamp"]:
        counts[moment.floor("h")] += 1
    return counts


def _hours_frame(counts: dict[pd.Timestamp, int]) -> pd.DataFrame:
    hours: list[pd.Timestamp] = []
    if counts:
        hour, last = min(counts), max(counts)
        while hour <= last:
            hours.append(hour)
            hour = hour + timedelta(hours=1)
    return pd.DataFrame(
        {
            "hour": pd.Series(hours, dtype="datetime64[ns, UTC]"),
            "requests": pd.Series([counts.get(h, 0) for h in hours], dtype="int64"),
        }
    )


def requests_per_hour(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests per UTC hour, every hour from the first to the last."""
    return _hours_frame(_hour_counts(logs))


def _path_totals(logs: pd.DataFrame) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in logs.itertuples(index=False):
        entry = totals[row.path]
        entry[0] += 1
        entry[1] += row.bytes
        entry[2] += 400 <= row.status <= 499
        entry[3] += 500 <= row.status <= 599
    return totals


def _traffic_frame(totals: dict[str, list[int]]) -> pd.DataFrame:
    paths = sorted(totals)
    frame = pd.DataFrame({"path": pd.Series(paths, dtype="str")})
    for index, name in enumerate(TRAFFIC_COLUMNS[1:]):
        values = [totals[path][index] for path in paths]
        frame[name] = pd.Series(values, dtype="int64")
    return frame


def traffic_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests, bytes, 4xx and 5xx per path, paths in order."""
    return _traffic_frame(_path_totals(logs))


def top_paths(logs: pd.DataFrame, n: int = 10, by: str = "requests") -> pd.DataFrame:
    """The n paths with the most requests or bytes, ties by path."""
    if by not in ("requests", "bytes"):
        raise ValueError(f"unknown column {by!r}")
    if n < 1:
        raise ValueError("n must be at least 1")
    rows = traffic_by_path(logs)[["path", "requests", "bytes"]].to_dict("records")
    rows.sort(key=lambda row: (-row[by], row["path"]))
    return pd.DataFrame(rows[:n], columns=["path", "requests", "bytes"]).astype(
        {"path": "str", "requests": "int64", "bytes": "int64"}
    )


def error_rates(logs: pd.DataFrame) -> pd.DataFrame:
    """Each path's share of 4xx and 5xx answers, the highest first."""
    rows = traffic_by_path(logs).drop(columns="bytes").to_dict("records")
    for row in rows:
        errors = row["client_errors"] + row["server_errors"]
        row["error_rate"] = errors / row["requests"]
    rows.sort(key=lambda row: (-row["error_rate"], row["path"]))
    columns = ["path", "requests", "client_errors", "server_errors", "error_rate"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"path": "str", "error_rate": "float64"}
        | dict.fromkeys(columns[1:4], "int64")
    )


def _percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """p50 and p95 of duration_ms per path."""
    durations: dict[str, list[float]] = defaultdict(list)
    for row in logs.itertuples(index=False):
        durations[row.path].append(row.duration_ms)
    paths = sorted(durations)
    return pd.DataFrame(
        {
            "path": pd.Series(paths, dtype="str"),
            "p50_ms": pd.Series([_percentile(durations[p], 0.5) for p in paths]),
            "p95_ms": pd.Series([_percentile(durations[p], 0.95) for p in paths]),
        }
    ).astype({"p50_ms": "float64", "p95_ms": "float64"})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in frame.to_dict("records"):
        records.append(
            {
                str(key): value.strftime(TIME_FORMAT)
                if isinstance(value, pd.Timestamp)
                else value
                for key, value in row.items()
            }
        )
    return records


def summarize(logs: pd.DataFrame, dropped: int, top_n: int = 5) -> dict[str, Any]:
    """The report as plain JSON values."""
    times = list(logs["timestamp"])
    return {
        "rows": len(logs),
        "dropped": int(dropped),
        "first_request": min(times).strftime(TIME_FORMAT) if times else None,
        "last_request": max(times).strftime(TIME_FORMAT) if times else None,
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
    summary_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    parquet_path = folder / "clean.parquet"
    logs.to_parquet(parquet_path, index=False)
    return summary_path, parquet_path


def scan_file(
    path: str | Path, chunksize: int = 10_000
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Totals per path and per hour of a large file, chunk by chunk."""
    if chunksize < 1:
        raise ValueError("chunksize must be at least 1")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    hours: dict[pd.Timestamp, int] = defaultdict(int)
    dropped = 0
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=chunksize
        )
    except pd.errors.EmptyDataError:
        return _traffic_frame(totals), _hours_frame(hours), 0
    with reader:
        for chunk in reader:
            logs, bad = clean_logs(chunk)
            dropped += bad
            for key, entry in _path_totals(logs).items():
                totals[key] = [a + b for a, b in zip(totals[key], entry, strict=True)]
            for hour, count in _hour_counts(logs).items():
                hours[hour] += count
    return _traffic_frame(totals), _hours_frame(hours), dropped
