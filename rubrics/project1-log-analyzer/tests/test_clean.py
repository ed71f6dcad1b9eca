"""Hidden tests: clean_logs() and read_logs() turn the raw export into typed, valid rows."""

from pathlib import Path

import pandas as pd
import pytest
from loganalyzer import clean_logs, read_logs
from logrows import COLUMNS, HEADER, is_utc, line, raw, utc, write
from pandas.api.types import is_string_dtype


def kept(body: str) -> int:
    """How many rows clean_logs keeps of ``body``, checking that the others were counted."""
    frame = raw(body)
    logs, dropped = clean_logs(frame)
    assert len(logs) + dropped == len(frame), "kept + dropped must be the number of raw rows"
    return len(logs)


def test_clean_output_columns_in_order() -> None:
    logs, _ = clean_logs(raw(line()))
    assert list(logs.columns) == COLUMNS


def test_clean_output_dtypes() -> None:
    logs, _ = clean_logs(raw(line() + line(path="/b", status="404", duration_ms="7")))
    assert is_utc(logs["timestamp"].dtype), "timestamp must be datetime64 with time zone UTC"
    assert logs["status"].dtype == "int64"
    assert logs["bytes"].dtype == "int64"
    assert logs["duration_ms"].dtype == "float64"
    for name in ("client_ip", "method", "path"):
        assert is_string_dtype(logs[name]), f"{name} must be a text column"


def test_clean_returns_the_dropped_count_as_an_int() -> None:
    result = clean_logs(raw(line() + line(status="OK")))
    assert isinstance(result, tuple) and len(result) == 2, "return (logs, dropped)"
    _, dropped = result
    assert isinstance(dropped, int) and dropped == 1


def test_clean_index_is_a_fresh_range() -> None:
    logs, _ = clean_logs(raw(line(status="OK") + line() + line(bytes="x") + line()))
    assert isinstance(logs.index, pd.RangeIndex)
    assert list(logs.index) == list(range(len(logs))), "reset the index after dropping rows"


def test_clean_drops_extra_columns() -> None:
    header = HEADER.strip() + ",user_agent,referrer\n"
    body = line().strip() + ",curl/8.5,-\n"
    logs, dropped = clean_logs(raw(body, header=header))
    assert list(logs.columns) == COLUMNS
    assert dropped == 0


def test_clean_accepts_required_columns_in_any_order() -> None:
    header = "path,status,timestamp,bytes,duration_ms,method,client_ip\n"
    logs, _ = clean_logs(raw("/x,201,2026-03-01T10:00:00Z,7,1.5,get,10.0.0.9\n", header=header))
    assert list(logs.columns) == COLUMNS
    assert logs.loc[0, "path"] == "/x" and logs.loc[0, "status"] == 201
    assert logs.loc[0, "client_ip"] == "10.0.0.9" and logs.loc[0, "bytes"] == 7


def test_clean_missing_required_column_raises_value_error() -> None:
    header = "timestamp,client_ip,method,path,status,duration_ms\n"
    with pytest.raises(ValueError, match="bytes"):
        clean_logs(raw("2026-03-01T10:00:00Z,10.0.0.1,GET,/,200,5\n", header=header))


def test_clean_strips_cells_and_upper_cases_method() -> None:
    body = " 2026-03-01T10:00:00Z ,  10.0.0.7 , post , /login , 401 , 12 , 3.5 \n"
    logs, dropped = clean_logs(raw(body))
    assert dropped == 0, "whitespace around a cell is stripped, not malformed"
    row = logs.iloc[0]
    assert row["client_ip"] == "10.0.0.7"
    assert row["method"] == "POST", "method is upper-cased"
    assert row["path"] == "/login"
    assert (row["status"], row["bytes"], row["duration_ms"]) == (401, 12, 3.5)


def test_clean_timestamp_with_offset_is_converted_to_utc() -> None:
    logs, _ = clean_logs(raw(line(timestamp="2026-03-01T12:30:05+02:00")))
    assert logs.loc[0, "timestamp"] == utc("2026-03-01T10:30:05Z")


def test_clean_timestamp_with_negative_offset_crosses_midnight() -> None:
    logs, _ = clean_logs(raw(line(timestamp="2026-02-28T21:00:00-05:00")))
    assert logs.loc[0, "timestamp"] == utc("2026-03-01T02:00:00Z")


def test_clean_timestamp_without_offset_is_taken_as_utc() -> None:
    body = line(timestamp="2026-03-01 10:15:00") + line(timestamp="2026-03-01T10:16:00")
    logs, _ = clean_logs(raw(body))
    assert list(logs["timestamp"]) == [utc("2026-03-01T10:15:00Z"), utc("2026-03-01T10:16:00Z")]


def test_clean_mixed_offsets_in_one_column() -> None:
    body = (
        line(timestamp="2026-03-01T10:00:00Z")
        + line(timestamp="2026-03-01T11:00:00+01:00")
        + line(timestamp="2026-03-01T10:00:00")
    )
    logs, _ = clean_logs(raw(body))
    assert list(logs["timestamp"]) == [utc("2026-03-01T10:00:00Z")] * 3


def test_clean_drops_unparseable_timestamps() -> None:
    for cell in ["yesterday", "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", ""]:
        assert kept(line(timestamp=cell)) == 0, f"timestamp {cell!r} is malformed"


def test_clean_removes_the_query_string_from_path() -> None:
    body = line(path="/products?page=2") + line(path="/search?q=a?b") + line(path="/cart?")
    logs, _ = clean_logs(raw(body))
    assert list(logs["path"]) == ["/products", "/search", "/cart"]


def test_clean_drops_paths_not_starting_with_a_slash() -> None:
    for cell in ["products", "?page=2", "", "*"]:
        assert kept(line(path=cell)) == 0, f"path {cell!r} is malformed"


def test_clean_keeps_every_valid_status() -> None:
    body = "".join(line(status=cell) for cell in ["100", "200", "304", "404", "599"])
    logs, _ = clean_logs(raw(body))
    assert list(logs["status"]) == [100, 200, 304, 404, 599]


def test_clean_drops_malformed_status() -> None:
    for cell in ["OK", "99", "600", "200.0", "2e2", "-200", "0200", ""]:
        assert kept(line(status=cell)) == 0, f"status {cell!r} is malformed"


def test_clean_bytes_dash_means_zero() -> None:
    logs, dropped = clean_logs(raw(line(bytes="-") + line(bytes="0") + line(bytes="0042")))
    assert dropped == 0
    assert list(logs["bytes"]) == [0, 0, 42]


def test_clean_drops_malformed_bytes() -> None:
    for cell in ["4.5kb", "1.5", "-3", "1e3", "12 34", "--", ""]:
        assert kept(line(bytes=cell)) == 0, f"bytes {cell!r} is malformed"


def test_clean_duration_accepts_whole_decimal_and_exponent_numbers() -> None:
    body = "".join(line(duration_ms=cell) for cell in ["12", "12.5", "1e3", "0", "0.25"])
    logs, dropped = clean_logs(raw(body))
    assert dropped == 0
    assert list(logs["duration_ms"]) == [12.0, 12.5, 1000.0, 0.0, 0.25]


def test_clean_drops_malformed_duration() -> None:
    for cell in ["fast", "12ms", "-0.5", "nan", "inf", ""]:
        assert kept(line(duration_ms=cell)) == 0, f"duration_ms {cell!r} is malformed"


def test_clean_drops_rows_without_client_or_method() -> None:
    assert kept(line(client_ip="") + line(client_ip="   ")) == 0, "client_ip is required"
    assert kept(line(method="")) == 0, "method is required"


def test_clean_drops_rows_cut_short() -> None:
    body = line() + "2026-03-01T10:00:00Z,10.0.0.1,GET,/cart,503,0\n" + "2026-03-01T10:00:00Z\n"
    logs, dropped = clean_logs(raw(body))
    assert (len(logs), dropped) == (1, 2)


def test_clean_counts_every_dropped_row() -> None:
    body = (
        line()
        + line(status="OK")
        + line(bytes="x", duration_ms="-1")
        + line(path="/b")
        + ",,,,,,\n"
        + line(timestamp="never")
    )
    logs, dropped = clean_logs(raw(body))
    assert (len(logs), dropped) == (2, 4), "a row with several bad cells is one dropped row"


def test_clean_keeps_input_order_and_identical_rows() -> None:
    body = (
        line(timestamp="2026-03-01T11:00:00Z", path="/late")
        + line(timestamp="2026-03-01T09:00:00Z", path="/early")
        + line(timestamp="2026-03-01T09:00:00Z", path="/early")
    )
    logs, _ = clean_logs(raw(body))
    assert list(logs["path"]) == ["/late", "/early", "/early"], "keep order; never deduplicate"


def test_clean_all_malformed_gives_an_empty_typed_frame() -> None:
    logs, dropped = clean_logs(raw(line(status="OK") + line(bytes="x") + line(timestamp="")))
    assert (len(logs), dropped) == (0, 3)
    assert list(logs.columns) == COLUMNS
    assert is_utc(logs["timestamp"].dtype), "an empty frame keeps the dtypes"
    assert logs["status"].dtype == "int64" and logs["bytes"].dtype == "int64"


def test_clean_header_only_gives_an_empty_frame() -> None:
    logs, dropped = clean_logs(raw(""))
    assert (len(logs), dropped) == (0, 0)
    assert list(logs.columns) == COLUMNS


def test_clean_does_not_modify_raw() -> None:
    frame = raw(line(method=" get ", path="/a?x=1") + line(status="OK"))
    before = frame.copy(deep=True)
    clean_logs(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_read_logs_reads_and_cleans_a_file(tmp_path: Path) -> None:
    text = HEADER + line(method="post", path="/a?x=1") + line(bytes="4.5kb") + line(bytes="-")
    logs, dropped = read_logs(write(tmp_path, text))
    assert (len(logs), dropped) == (2, 1)
    assert list(logs["method"]) == ["POST", "GET"]
    assert list(logs["path"]) == ["/a", "/"]
    assert list(logs["bytes"]) == [100, 0]


def test_read_logs_accepts_a_string_path(tmp_path: Path) -> None:
    logs, _ = read_logs(str(write(tmp_path, HEADER + line())))
    assert len(logs) == 1


def test_read_logs_zero_byte_file_is_an_empty_log(tmp_path: Path) -> None:
    logs, dropped = read_logs(write(tmp_path, ""))
    assert (len(logs), dropped) == (0, 0)
    assert list(logs.columns) == COLUMNS
    assert is_utc(logs["timestamp"].dtype), "an empty log keeps the dtypes"
    assert logs["bytes"].dtype == "int64"


def test_read_logs_header_only_file_is_an_empty_log(tmp_path: Path) -> None:
    logs, dropped = read_logs(write(tmp_path, HEADER))
    assert (len(logs), dropped) == (0, 0)
    assert list(logs.columns) == COLUMNS


def test_read_logs_all_malformed_file(tmp_path: Path) -> None:
    text = HEADER + line(status="") + line(path="nowhere") + "garbage\n"
    logs, dropped = read_logs(write(tmp_path, text))
    assert (len(logs), dropped) == (0, 3)


def test_read_logs_keeps_cells_that_look_like_missing_markers(tmp_path: Path) -> None:
    text = HEADER + line(client_ip="NA", method="null", path="/N/A")
    logs, dropped = read_logs(write(tmp_path, text))
    assert dropped == 0, "'NA' and 'null' are text here, not missing"
    assert (logs.loc[0, "client_ip"], logs.loc[0, "method"]) == ("NA", "NULL")
