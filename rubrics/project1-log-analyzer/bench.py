"""Inputs and comparison for the `chunks` criterion: ``scan_file`` on a large access log.

``make_input(size, round_)`` writes a log of ``size`` rows once per size under the temporary folder
(about 1 % of them malformed, paths with query strings, timestamps with and without a UTC
offset, spread over a day) and returns the arguments of one ``scan_file(path, chunksize)``
call. The chunk size is fixed, so memory should not grow with the file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CHUNKSIZE = 2_000
HEADER = "timestamp,client_ip,method,path,status,bytes,duration_ms\n"
PATHS = np.array(
    [f"/api/items/{number}" for number in range(40)]
    + [f"/static/app{number}.js" for number in range(15)]
    + ["/", "/login", "/search?q=shoes", "/search?q=hats", "/health"]
)
METHODS = np.array(["GET", "GET", "GET", "post", "PUT", "DELETE"])
STATUSES = np.array([200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 500, 503])
MALFORMED = [
    "yesterday,10.0.0.1,GET,/,200,10,1.0",
    "2026-03-01T10:00:00Z,10.0.0.1,GET,/,200,12kb,1.0",
    "2026-03-01T10:00:00Z,10.0.0.1,GET,/,OK,10,1.0",
    "2026-03-01T10:00:00Z,,GET,/,200,10,1.0",
    "2026-03-01T10:00:00Z,10.0.0.1,GET,/,200,10,-4",
    "2026-02-30T10:00:00Z,10.0.0.1,GET,/,200,10,1.0",
    "2026-03-01T10:00:00Z,10.0.0.1,GET",
]


def write_log(path: Path, size: int) -> None:
    """``size`` rows with a header; every 97th row is malformed."""
    rng = np.random.default_rng(size)
    seconds = np.sort(rng.integers(0, 86_400, size))
    moments = pd.Timestamp("2026-03-01T00:00:00Z") + pd.to_timedelta(seconds, unit="s")
    local = (moments + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    utc = moments.strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = pd.DataFrame(
        {
            "timestamp": np.where(rng.random(size) < 0.3, local, utc),
            "client_ip": [f"10.0.{a}.{b}" for a, b in rng.integers(0, 256, (size, 2))],
            "method": METHODS[rng.integers(0, len(METHODS), size)],
            "path": PATHS[rng.integers(0, len(PATHS), size)],
            "status": STATUSES[rng.integers(0, len(STATUSES), size)],
            "bytes": rng.integers(0, 50_000, size).astype(str),
            "duration_ms": np.round(rng.gamma(2.0, 40.0, size), 1),
        }
    )
    rows.loc[rows.index % 13 == 5, "bytes"] = "-"
    lines = rows.to_csv(header=False, index=False).splitlines()
    for number in range(0, size, 97):
        lines[number] = MALFORMED[(number // 97) % len(MALFORMED)]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def make_input(size: int, round_: int = 0) -> tuple[Path, int]:
    """One call's arguments. The log is made once per size; each round reads its own copy
    (same rows, another path), so results cached by path cannot answer the repeats."""
    folder = Path(tempfile.gettempdir())
    source = folder / f"project1-bench-{size}.csv"
    if not source.exists():
        partial = source.with_suffix(".part")
        write_log(partial, size)
        partial.replace(source)
    if round_ == 0:
        return source, CHUNKSIZE
    copy = folder / f"project1-bench-{size}-round{round_}.csv"
    if not copy.exists():
        shutil.copyfile(source, copy)
    return copy, CHUNKSIZE


def _plain(frame: Any) -> list[tuple[Any, ...]]:
    """A frame's rows as tuples of str, int and float (timestamps as UTC text)."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        columns.append(column.tolist())
    return [tuple(row) for row in zip(*columns, strict=True)]


def same(student: Any, reference: Any) -> bool:
    """The same totals per path, the same counts per hour, the same number dropped."""
    try:
        traffic, hourly, dropped = student
        want_traffic, want_hourly, want_dropped = reference
        return (
            int(dropped) == int(want_dropped)
            and list(traffic.columns) == list(want_traffic.columns)
            and _plain(traffic) == _plain(want_traffic)
            and list(hourly.columns) == list(want_hourly.columns)
            and _plain(hourly) == _plain(want_hourly)
        )
    except (TypeError, ValueError, AttributeError, KeyError):
        return False
