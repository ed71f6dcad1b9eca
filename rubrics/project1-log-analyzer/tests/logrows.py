"""Small inputs for the hidden tests: raw CSV text, and clean logs built by hand.

The report tests build their ``logs`` here, typed as ``clean_logs`` returns them, so a
mistake in your cleaning does not fail the tests of the other functions.
"""

import io
from pathlib import Path

import pandas as pd

COLUMNS = ["timestamp", "client_ip", "method", "path", "status", "bytes", "duration_ms"]
HEADER = ",".join(COLUMNS) + "\n"
GOOD = {
    "timestamp": "2026-03-01T10:00:00Z",
    "client_ip": "10.0.0.1",
    "method": "GET",
    "path": "/",
    "status": "200",
    "bytes": "100",
    "duration_ms": "5.0",
}


def line(**cells: str) -> str:
    """One CSV line: a valid row with the given cells replaced."""
    row = GOOD | cells
    return ",".join(row[name] for name in COLUMNS) + "\n"


def raw(body: str, header: str = HEADER) -> pd.DataFrame:
    """What the export job hands over: every cell a string, nothing parsed."""
    return pd.read_csv(io.StringIO(header + body), dtype=str, keep_default_na=False)


def write(folder: Path, text: str, name: str = "access.csv") -> Path:
    """``text`` written to a file in ``folder``; its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def logs(*rows: tuple[str, str, int, int, float]) -> pd.DataFrame:
    """Clean logs from ``(timestamp, path, status, bytes, duration_ms)`` rows."""
    stamps = [row[0] for row in rows]
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(pd.Series(stamps, dtype="str"), format="ISO8601", utc=True),
            "client_ip": pd.Series(["10.0.0.1"] * len(rows), dtype="str"),
            "method": pd.Series(["GET"] * len(rows), dtype="str"),
            "path": pd.Series([row[1] for row in rows], dtype="str"),
            "status": pd.Series([row[2] for row in rows], dtype="int64"),
            "bytes": pd.Series([row[3] for row in rows], dtype="int64"),
            "duration_ms": pd.Series([row[4] for row in rows], dtype="float64"),
        }
    )


def utc(text: str) -> pd.Timestamp:
    """A UTC timestamp."""
    return pd.Timestamp(text).tz_convert("UTC")


def is_utc(dtype: object) -> bool:
    """A timezone-aware datetime dtype in UTC (any resolution)."""
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"
