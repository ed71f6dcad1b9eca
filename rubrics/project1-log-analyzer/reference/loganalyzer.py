"""Analyze web-server access logs exported as CSV, with pandas.

Every function works on whole columns at once (vectorized): no Python loop over
the rows. None of them modifies its inputs. ``scan_file`` reads a file of any
size a chunk at a time and keeps only per-path and per-hour totals between
chunks, so its memory does not grow with the file.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
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
TOP_BY = ("requests", "bytes")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _text(column: pd.Series) -> pd.Series:
    """Stripped text; a missing cell becomes the empty string."""
    return column.astype("str").fillna("").str.strip()


def _digits(text: pd.Series, pattern: str) -> pd.Series:
    """The numbers of the cells that match ``pattern`` in full; NaN for the others."""
    return pd.to_numeric(text.where(text.str.fullmatch(pattern)), errors="coerce")


def clean_logs(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Typed log rows from an all-text export, and how many malformed rows were dropped.

    Raises ValueError naming the required columns that are missing.
    """
    missing = [name for name in LOG_COLUMNS if name not in raw.columns]
    if missing:
        raise ValueError(f"missing required columns: {', '.join(missing)}")
    text = {name: _text(raw[name]) for name in LOG_COLUMNS}
    timestamp = pd.to_datetime(
        text["timestamp"], format="ISO8601", utc=True, errors="coerce"
    )
    path = text["path"].str.replace(r"\?.*", "", regex=True)
    status = _digits(text["status"], r"[1-5]\d\d")
    sent = _digits(text["bytes"].replace("-", "0"), r"\d+")
    duration = pd.to_numeric(text["duration_ms"], errors="coerce")
    valid = (
        timestamp.notna()
        & text["client_ip"].ne("")
        & text["method"].ne("")
        & path.str.startswith("/")
        & status.notna()
        & sent.notna()
        & duration.ge(0)
        & np.isfinite(duration)
    ).to_numpy(dtype=bool)
    logs = pd.DataFrame(
        {
            "timestamp": timestamp[valid],
            "client_ip": text["client_ip"][valid],
            "method": text["method"][valid].str.upper(),
            "path": path[valid],
            "status": status[valid].astype("int64"),
            "bytes": sent[valid].astype("int64"),
            "duration_ms": duration[valid].astype("float64"),
        }
    )
    return logs.reset_index(drop=True), len(raw) - len(logs)


def _empty_raw() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="str") for name in LOG_COLUMNS})


def read_logs(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The cleaned rows of a CSV log file, and how many malformed rows were dropped."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:  # a 0-byte file has not even a header
        raw = _empty_raw()
    return clean_logs(raw)


def _hour_counts(logs: pd.DataFrame) -> pd.Series:
    """Requests per hour start, only the hours that have some."""
    return logs["timestamp"].dt.floor("h").value_counts()


def _every_hour(counts: pd.Series) -> pd.DataFrame:
    """Requests per hour (summed over ``counts``' repeated hours), every hour from the
    first to the last, 0 where there were none."""
    counts = counts.groupby(level=0).sum()
    if counts.empty:
        return pd.DataFrame(
            {
                "hour": pd.Series(dtype="datetime64[us, UTC]"),
                "requests": pd.Series(dtype="int64"),
            }
        )
    hours = pd.date_range(counts.index.min(), counts.index.max(), freq="h")
    counts = counts.reindex(hours, fill_value=0)
    return pd.DataFrame({"hour": hours, "requests": counts.to_numpy(dtype="int64")})


def requests_per_hour(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests per UTC hour, from the first request's hour to the last's, in order."""
    return _every_hour(_hour_counts(logs))


def _sum_by_path(traffic: pd.DataFrame) -> pd.DataFrame:
    """Traffic rows added up per path, paths in ascending order."""
    totals = traffic.groupby("path", sort=True, as_index=False)[COUNTS].sum()
    return totals.astype(dict.fromkeys(COUNTS, "int64")).reset_index(drop=True)


def traffic_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """Requests, bytes sent, 4xx and 5xx responses per path, paths in order."""
    status = logs["status"]
    traffic = pd.DataFrame(
        {
            "path": logs["path"],
            "requests": np.ones(len(logs), dtype="int64"),
            "bytes": logs["bytes"],
            "client_errors": status.between(400, 499).astype("int64"),
            "server_errors": status.between(500, 599).astype("int64"),
        }
    )
    return _sum_by_path(traffic)


def _ranked(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows by ``column`` descending, ties by path ascending, with a fresh index."""
    ranked = table.sort_values([column, "path"], ascending=[False, True])
    return ranked.reset_index(drop=True)


def top_paths(logs: pd.DataFrame, n: int = 10, by: str = "requests") -> pd.DataFrame:
    """The ``n`` paths with the most requests (or bytes); ties by path A to Z."""
    if by not in TOP_BY:
        raise ValueError(f"by must be 'requests' or 'bytes', not {by!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    totals = traffic_by_path(logs)[["path", "requests", "bytes"]]
    return _ranked(totals, by).head(n)


def error_rates(logs: pd.DataFrame) -> pd.DataFrame:
    """Each path's share of 4xx and 5xx responses, the highest first (ties by path)."""
    rates = traffic_by_path(logs).drop(columns="bytes")
    errors = rates["client_errors"] + rates["server_errors"]
    rates["error_rate"] = (errors / rates["requests"]).astype("float64")
    return _ranked(rates, "error_rate")


def latency_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """The 50th and 95th percentiles of ``duration_ms`` per path, paths in order."""
    durations = logs.groupby("path", sort=True)["duration_ms"]
    table = durations.quantile([0.5, 0.95]).unstack().reindex(columns=[0.5, 0.95])
    return pd.DataFrame(
        {
            "path": table.index.astype("str"),
            "p50_ms": table[0.5].to_numpy(dtype="float64"),
            "p95_ms": table[0.95].to_numpy(dtype="float64"),
        }
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain ``str``, ``int`` and ``float`` (times as UTC text)."""
    plain = table.copy()
    for name in plain.columns:
        if isinstance(plain[name].dtype, pd.DatetimeTZDtype):
            plain[name] = plain[name].dt.strftime(TIME_FORMAT)
    rows = plain.to_dict("records")
    return [{str(key): value for key, value in row.items()} for row in rows]


def _moment(timestamps: pd.Series, earliest: bool) -> str | None:
    """The earliest (or latest) timestamp as UTC text; None when there is none."""
    if timestamps.empty:
        return None
    moment = timestamps.min() if earliest else timestamps.max()
    return str(moment.strftime(TIME_FORMAT))


def summarize(logs: pd.DataFrame, dropped: int, top_n: int = 5) -> dict[str, Any]:
    """The report as plain JSON values: no NumPy scalars, no Timestamps."""
    return {
        "rows": len(logs),
        "dropped": int(dropped),
        "first_request": _moment(logs["timestamp"], earliest=True),
        "last_request": _moment(logs["timestamp"], earliest=False),
        "requests_per_hour": _records(requests_per_hour(logs)),
        "top_paths_by_requests": _records(top_paths(logs, top_n, "requests")),
        "top_paths_by_bytes": _records(top_paths(logs, top_n, "bytes")),
        "error_rates": _records(error_rates(logs)),
        "latency": _records(latency_by_path(logs)),
    }


def write_outputs(
    logs: pd.DataFrame, summary: dict[str, Any], out_dir: str | Path
) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``clean.parquet`` in ``out_dir``, made if missing."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    summary_path = folder / "summary.json"
    parquet_path = folder / "clean.parquet"
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    logs.to_parquet(parquet_path, index=False)
    return summary_path, parquet_path


def _chunks(path: str | Path, chunksize: int) -> Iterator[pd.DataFrame]:
    """The file as all-text frames of at most ``chunksize`` rows (none for 0 bytes)."""
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=chunksize
        )
    except pd.errors.EmptyDataError:
        return
    with reader:
        yield from reader


def scan_file(
    path: str | Path, chunksize: int = 10_000
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(traffic_by_path, requests_per_hour, dropped)`` of a whole file, read
    ``chunksize`` rows at a time.

    Between chunks only the totals so far are kept (a row per path, a count per
    hour), so memory is bounded by the chunk size, not by the file.
    """
    if chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, not {chunksize}")
    empty, _ = clean_logs(_empty_raw())
    traffic, hours, dropped = traffic_by_path(empty), _hour_counts(empty), 0
    for raw in _chunks(path, chunksize):
        logs, bad = clean_logs(raw)
        dropped += bad
        traffic = _sum_by_path(pd.concat([traffic, traffic_by_path(logs)]))
        hours = pd.concat([hours, _hour_counts(logs)]).groupby(level=0).sum()
    return traffic, _every_hour(hours), dropped
