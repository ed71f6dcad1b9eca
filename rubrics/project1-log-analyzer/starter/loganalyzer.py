"""Analyze web-server access logs exported as CSV, with pandas.

Work on whole columns at once (vectorized): no Python loop over the rows, no
``iterrows``, no ``apply(axis=1)``. No function may modify its input frames.

Replace each ``raise NotImplementedError`` with your implementation. Keep the
names and signatures: the hidden tests import them.
"""

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


def clean_logs(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Typed log rows from an all-text export, and how many malformed rows were dropped.

    ``raw`` is what ``pd.read_csv(path, dtype=str, keep_default_na=False)``
    returns. Raise ValueError naming any missing LOG_COLUMNS. Strip every cell,
    drop the malformed rows (the README's table says when a cell is), and
    return the LOG_COLUMNS with their dtypes (timestamp in UTC) and a fresh
    0..n-1 index, rows in input order, with the number of rows dropped.
    """
    raise NotImplementedError


def read_logs(path: str | Path) -> tuple[pd.DataFrame, int]:
    """``clean_logs`` of the CSV file at ``path``; a 0-byte file is an empty log."""
    raise NotImplementedError


def requests_per_hour(logs: pd.DataFrame) -> pd.DataFrame:
    """Columns hour (UTC) and requests: every hour from the first request's to the
    last's, in order, 0 for an hour without requests."""
    raise NotImplementedError


def traffic_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """Columns path, requests, bytes, client_errors (4xx), server_errors (5xx):
    one row per path, paths in ascending order."""
    raise NotImplementedError


def top_paths(logs: pd.DataFrame, n: int = 10, by: str = "requests") -> pd.DataFrame:
    """Columns path, requests, bytes: the ``n`` largest by ``by`` ("requests" or
    "bytes"), ties by path ascending. ValueError for another ``by`` or n < 1."""
    raise NotImplementedError


def error_rates(logs: pd.DataFrame) -> pd.DataFrame:
    """Columns path, requests, client_errors, server_errors, error_rate: every
    path, the highest error_rate first, ties by path ascending."""
    raise NotImplementedError


def latency_by_path(logs: pd.DataFrame) -> pd.DataFrame:
    """Columns path, p50_ms, p95_ms (linear interpolation), paths in order."""
    raise NotImplementedError


def summarize(logs: pd.DataFrame, dropped: int, top_n: int = 5) -> dict[str, Any]:
    """The report as plain JSON values (str, int, float, None, lists, dicts):
    the README lists its keys."""
    raise NotImplementedError


def write_outputs(
    logs: pd.DataFrame, summary: dict[str, Any], out_dir: str | Path
) -> tuple[Path, Path]:
    """Write summary.json and clean.parquet in ``out_dir`` (created if missing);
    return their paths."""
    raise NotImplementedError


def scan_file(
    path: str | Path, chunksize: int = 10_000
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(traffic_by_path, requests_per_hour, dropped)`` of the whole file, read
    ``chunksize`` rows at a time, keeping only running totals between chunks.
    ValueError when chunksize < 1."""
    raise NotImplementedError
