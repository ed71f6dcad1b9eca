"""Hidden tests: the tables of the report, on clean logs built by hand."""

import pandas as pd
import pytest
from loganalyzer import error_rates, latency_by_path, requests_per_hour, top_paths, traffic_by_path
from logrows import is_utc, logs, utc
from pandas.api.types import is_string_dtype

EMPTY = logs()


def fresh_index(frame: pd.DataFrame) -> bool:
    return list(frame.index) == list(range(len(frame)))


def traffic_logs() -> pd.DataFrame:
    """Three paths: /b busiest, /a and /c tied on requests, /c heaviest."""
    return logs(
        ("2026-03-01T10:00:00Z", "/b", 200, 10, 1.0),
        ("2026-03-01T10:01:00Z", "/c", 404, 500, 1.0),
        ("2026-03-01T10:02:00Z", "/b", 500, 20, 1.0),
        ("2026-03-01T10:03:00Z", "/a", 200, 30, 1.0),
        ("2026-03-01T10:04:00Z", "/b", 301, 30, 1.0),
        ("2026-03-01T10:05:00Z", "/a", 503, 0, 1.0),
        ("2026-03-01T10:06:00Z", "/c", 200, 100, 1.0),
    )


# requests_per_hour


def test_requests_per_hour_columns_and_dtypes() -> None:
    hourly = requests_per_hour(logs(("2026-03-01T10:00:00Z", "/", 200, 1, 1.0)))
    assert list(hourly.columns) == ["hour", "requests"]
    assert is_utc(hourly["hour"].dtype), "hour must be datetime64 with time zone UTC"
    assert hourly["requests"].dtype == "int64"


def test_requests_per_hour_counts_each_hour() -> None:
    hourly = requests_per_hour(
        logs(
            ("2026-03-01T10:59:59Z", "/", 200, 1, 1.0),
            ("2026-03-01T10:00:00Z", "/", 200, 1, 1.0),
            ("2026-03-01T11:00:00Z", "/", 200, 1, 1.0),
            ("2026-03-01T10:30:00Z", "/", 200, 1, 1.0),
        )
    )
    assert list(hourly["hour"]) == [utc("2026-03-01T10:00:00Z"), utc("2026-03-01T11:00:00Z")]
    assert list(hourly["requests"]) == [3, 1]
    assert fresh_index(hourly)


def test_requests_per_hour_fills_hours_without_requests() -> None:
    hourly = requests_per_hour(
        logs(
            ("2026-03-01T13:10:00Z", "/", 200, 1, 1.0),
            ("2026-03-01T10:10:00Z", "/", 200, 1, 1.0),
        )
    )
    assert list(hourly["hour"]) == [utc(f"2026-03-01T{h}:00:00Z") for h in (10, 11, 12, 13)]
    assert list(hourly["requests"]) == [1, 0, 0, 1]


def test_requests_per_hour_single_hour() -> None:
    hourly = requests_per_hour(
        logs(("2026-03-01T23:00:00Z", "/", 200, 1, 1.0), ("2026-03-01T23:59:00Z", "/", 200, 1, 1.0))
    )
    assert list(hourly["hour"]) == [utc("2026-03-01T23:00:00Z")]
    assert list(hourly["requests"]) == [2]


def test_requests_per_hour_across_midnight() -> None:
    hourly = requests_per_hour(
        logs(("2026-02-28T23:30:00Z", "/", 200, 1, 1.0), ("2026-03-01T00:30:00Z", "/", 200, 1, 1.0))
    )
    assert list(hourly["hour"]) == [utc("2026-02-28T23:00:00Z"), utc("2026-03-01T00:00:00Z")]


def test_requests_per_hour_uses_utc_hours() -> None:
    frame = logs(("2026-03-01T12:30:00+02:00", "/", 200, 1, 1.0))
    assert list(requests_per_hour(frame)["hour"]) == [utc("2026-03-01T10:00:00Z")]


def test_requests_per_hour_empty_logs() -> None:
    hourly = requests_per_hour(EMPTY)
    assert len(hourly) == 0
    assert list(hourly.columns) == ["hour", "requests"]


# traffic_by_path


def test_traffic_by_path_columns_and_dtypes() -> None:
    traffic = traffic_by_path(traffic_logs())
    assert list(traffic.columns) == ["path", "requests", "bytes", "client_errors", "server_errors"]
    assert is_string_dtype(traffic["path"])
    for name in ("requests", "bytes", "client_errors", "server_errors"):
        assert traffic[name].dtype == "int64", f"{name} must be int64"


def test_traffic_by_path_totals() -> None:
    traffic = traffic_by_path(traffic_logs())
    assert traffic.to_dict("list") == {
        "path": ["/a", "/b", "/c"],
        "requests": [2, 3, 2],
        "bytes": [30, 60, 600],
        "client_errors": [0, 0, 1],
        "server_errors": [1, 1, 0],
    }
    assert fresh_index(traffic)


def test_traffic_by_path_error_classes_at_their_bounds() -> None:
    traffic = traffic_by_path(
        logs(*[("2026-03-01T10:00:00Z", "/", s, 0, 1.0) for s in (399, 400, 499, 500, 599, 100)])
    )
    assert traffic.loc[0, "client_errors"] == 2, "400 to 499 are client errors"
    assert traffic.loc[0, "server_errors"] == 2, "500 to 599 are server errors"


def test_traffic_by_path_sorts_paths_in_string_order() -> None:
    rows = [("2026-03-01T10:00:00Z", p, 200, 1, 1.0) for p in ("/b", "/a/x", "/a", "/B", "/")]
    assert list(traffic_by_path(logs(*rows))["path"]) == ["/", "/B", "/a", "/a/x", "/b"]


def test_traffic_by_path_empty_logs() -> None:
    traffic = traffic_by_path(EMPTY)
    assert len(traffic) == 0
    assert list(traffic.columns) == ["path", "requests", "bytes", "client_errors", "server_errors"]


def test_traffic_by_path_does_not_modify_logs() -> None:
    frame = traffic_logs()
    before = frame.copy(deep=True)
    traffic_by_path(frame)
    pd.testing.assert_frame_equal(frame, before)


# top_paths


def test_top_paths_columns() -> None:
    top = top_paths(traffic_logs(), 2)
    assert list(top.columns) == ["path", "requests", "bytes"]
    assert top["requests"].dtype == "int64" and top["bytes"].dtype == "int64"
    assert fresh_index(top)


def test_top_paths_by_requests_default() -> None:
    top = top_paths(traffic_logs())
    assert list(top["path"]) == ["/b", "/a", "/c"], "most requests first; ties by path"
    assert list(top["requests"]) == [3, 2, 2]
    assert list(top["bytes"]) == [60, 30, 600]


def test_top_paths_ties_broken_by_path_when_cut() -> None:
    top = top_paths(traffic_logs(), n=2, by="requests")
    assert list(top["path"]) == ["/b", "/a"]


def test_top_paths_ties_do_not_follow_data_order() -> None:
    rows = [("2026-03-01T10:00:00Z", p, 200, 5, 1.0) for p in ("/zeta", "/beta", "/alpha")]
    top = top_paths(logs(*rows), n=2, by="bytes")
    assert list(top["path"]) == ["/alpha", "/beta"]


def test_top_paths_by_bytes() -> None:
    top = top_paths(traffic_logs(), n=2, by="bytes")
    assert list(top["path"]) == ["/c", "/b"]
    assert list(top["bytes"]) == [600, 60]


def test_top_paths_n_larger_than_paths() -> None:
    assert len(top_paths(traffic_logs(), n=50)) == 3


def test_top_paths_rejects_unknown_by() -> None:
    with pytest.raises(ValueError):
        top_paths(traffic_logs(), by="duration_ms")


def test_top_paths_rejects_n_below_one() -> None:
    with pytest.raises(ValueError):
        top_paths(traffic_logs(), n=0)


def test_top_paths_empty_logs() -> None:
    top = top_paths(EMPTY, 3)
    assert len(top) == 0 and list(top.columns) == ["path", "requests", "bytes"]


# error_rates


def test_error_rates_columns_and_dtypes() -> None:
    rates = error_rates(traffic_logs())
    assert list(rates.columns) == [
        "path",
        "requests",
        "client_errors",
        "server_errors",
        "error_rate",
    ]
    assert rates["error_rate"].dtype == "float64"
    assert fresh_index(rates)


def test_error_rates_values_highest_first_ties_by_path() -> None:
    rates = error_rates(traffic_logs())
    assert list(rates["path"]) == ["/a", "/c", "/b"], "highest rate first; ties by path"
    assert list(rates["error_rate"]) == pytest.approx([0.5, 0.5, 1 / 3])
    assert list(rates["requests"]) == [2, 2, 3]
    assert list(rates["client_errors"]) == [0, 1, 0]
    assert list(rates["server_errors"]) == [1, 0, 1]


def test_error_rates_counts_4xx_and_5xx_together() -> None:
    rates = error_rates(
        logs(*[("2026-03-01T10:00:00Z", "/x", s, 0, 1.0) for s in (200, 404, 503, 201)])
    )
    assert rates.loc[0, "error_rate"] == pytest.approx(0.5)


def test_error_rates_path_without_errors_is_zero() -> None:
    rates = error_rates(traffic_logs().assign(status=200))
    assert list(rates["error_rate"]) == [0.0, 0.0, 0.0]
    assert list(rates["path"]) == ["/a", "/b", "/c"]


def test_error_rates_empty_logs() -> None:
    rates = error_rates(EMPTY)
    assert len(rates) == 0 and "error_rate" in rates.columns


# latency_by_path


def latency_logs() -> pd.DataFrame:
    durations = {"/slow": [40.0, 10.0, 30.0, 20.0], "/one": [7.5], "/two": [100.0, 0.0]}
    return logs(
        *[
            ("2026-03-01T10:00:00Z", path, 200, 0, duration)
            for path, values in durations.items()
            for duration in values
        ]
    )


def test_latency_by_path_columns_and_dtypes() -> None:
    latency = latency_by_path(latency_logs())
    assert list(latency.columns) == ["path", "p50_ms", "p95_ms"]
    assert latency["p50_ms"].dtype == "float64" and latency["p95_ms"].dtype == "float64"
    assert fresh_index(latency)


def test_latency_by_path_sorted_by_path() -> None:
    assert list(latency_by_path(latency_logs())["path"]) == ["/one", "/slow", "/two"]


def test_latency_by_path_interpolates_linearly() -> None:
    latency = latency_by_path(latency_logs()).set_index("path")
    assert latency.loc["/slow", "p50_ms"] == pytest.approx(25.0)
    assert latency.loc["/slow", "p95_ms"] == pytest.approx(38.5)
    assert latency.loc["/two", "p50_ms"] == pytest.approx(50.0)
    assert latency.loc["/two", "p95_ms"] == pytest.approx(95.0)


def test_latency_by_path_single_request() -> None:
    latency = latency_by_path(latency_logs()).set_index("path")
    assert latency.loc["/one", "p50_ms"] == pytest.approx(7.5)
    assert latency.loc["/one", "p95_ms"] == pytest.approx(7.5)


def test_latency_by_path_empty_logs() -> None:
    latency = latency_by_path(EMPTY)
    assert len(latency) == 0 and list(latency.columns) == ["path", "p50_ms", "p95_ms"]
