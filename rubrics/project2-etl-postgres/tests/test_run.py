"""Hidden tests: run() end to end, injection attempts, re-runs, failures, the engine."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import (
    INJECTION_NAME,
    customers_rows,
    execute,
    many_rows,
    orders_rows,
    query,
    table_names,
    write_csv,
)
from etl import (
    EtlError,
    LoadError,
    Report,
    create_schema,
    format_report,
    make_engine,
    run,
)
from sqlalchemy import Engine, text

MESSY = [
    (1, 1, "  Ada   Lovelace ", " ADA@Example.COM ", "2026-01-05", "2", "19.99"),
    (2, 2, "Grace Hopper", "", "2026-02-30", "1", "5"),
    (3, 3, INJECTION_NAME, "bobby@tables.example", "2026-01-06", "1", "0.125"),
    (4, 1, "Ada Lovelace", "ada@example.com", "2026-01-07", "-3", "1.00"),
    (1, 4, "Duplicate", "", "2026-01-08", "1", "1.00"),
    (5, 4, "Zoë Ünïcode", "", "2026-01-09", " 4 ", " 2.5 "),
]


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "orders.csv", MESSY)


def test_run_report_counts_and_rejections(messy: Path, engine: Engine) -> None:
    report = run(messy, engine)
    assert isinstance(report, Report)
    assert (report.read, report.loaded) == (6, 3)
    assert [r.row for r in report.rejected] == [2, 4, 5], "rows 2, 4 and 5 are rejected"
    assert "ordered_on" in report.rejected[0].reason
    assert "quantity" in report.rejected[1].reason
    assert "order_id" in report.rejected[2].reason


def test_run_stores_clean_rows(messy: Path, engine: Engine) -> None:
    run(messy, engine)
    assert orders_rows() == [
        (1, 1, date(2026, 1, 5), 2, Decimal("19.99")),
        (3, 3, date(2026, 1, 6), 1, Decimal("0.13")),
        (5, 4, date(2026, 1, 9), 4, Decimal("2.50")),
    ]
    assert customers_rows() == [
        (1, "Ada Lovelace", "ada@example.com"),
        (3, INJECTION_NAME, "bobby@tables.example"),
        (4, "Zoë Ünïcode", None),
    ]


def test_run_injection_name_stored_verbatim_tables_survive(
    messy: Path, engine: Engine
) -> None:
    run(messy, engine)
    names = query("SELECT name FROM customers WHERE customer_id = 3")
    assert names == [(INJECTION_NAME,)], (
        "the name is stored exactly as written, quotes included"
    )
    assert {"orders", "customers"} <= table_names(), "no table was dropped"


def test_run_injection_in_every_text_field(tmp_path: Path, engine: Engine) -> None:
    hostile = "x'); DELETE FROM customers; --"
    rows = [
        (1, 1, "O'Brien", "o'brien@example.com", "2026-01-05", "1", "1.00"),
        (2, 2, hostile, f"{hostile}@example.com", "2026-01-05", "1", "1.00"),
        (3, 3, "Back\\slash; $$ %s %(x)s {0}", "", "2026-01-05", "1", "1.00"),
    ]
    report = run(write_csv(tmp_path / "orders.csv", rows), engine)
    assert report.loaded == 3
    assert customers_rows() == [
        (1, "O'Brien", "o'brien@example.com"),
        (2, hostile, f"{hostile}@example.com".lower()),
        (3, "Back\\slash; $$ %s %(x)s {0}", None),
    ], "quotes, semicolons, backslashes and placeholders in the data are stored as data"


def test_run_idempotent_twice_same_rows(messy: Path, engine: Engine) -> None:
    first = run(messy, engine)
    rows = (orders_rows(), customers_rows())
    second = run(messy, engine)
    assert second == first, "the second run reports the same as the first"
    assert (orders_rows(), customers_rows()) == rows, (
        "running a file twice leaves the same rows"
    )


def test_run_idempotent_corrected_file_updates_rows(
    messy: Path, tmp_path: Path, engine: Engine
) -> None:
    run(messy, engine)
    fixed = write_csv(
        tmp_path / "fixed.csv", [(2, 2, "Grace Hopper", "", "2026-02-28", "1", "5")]
    )
    assert run(fixed, engine).loaded == 1
    assert [row[0] for row in orders_rows()] == [1, 2, 3, 5]


def test_run_all_or_nothing_failure_mid_file_rolls_back(
    tmp_path: Path, engine: Engine
) -> None:
    small = write_csv(tmp_path / "small.csv", many_rows(3))
    run(small, engine)
    before = (orders_rows(), customers_rows())
    execute(
        "CREATE FUNCTION hidden_test_fail_order() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF NEW.order_id = 700 THEN RAISE EXCEPTION 'forced failure at order 700'; END IF;"
        " RETURN NEW; END $$"
    )
    execute(
        "CREATE TRIGGER hidden_test_fail BEFORE INSERT OR UPDATE ON orders"
        " FOR EACH ROW EXECUTE FUNCTION hidden_test_fail_order()"
    )
    big = write_csv(
        tmp_path / "big.csv", [(*row[:5], 9, row[6]) for row in many_rows(1200, 60)]
    )
    with pytest.raises(LoadError):
        run(big, engine, batch_size=500)
    assert (orders_rows(), customers_rows()) == before, (
        "a failure in the middle of a file leaves the tables exactly as they were"
    )


def test_run_missing_file_creates_nothing(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(FileNotFoundError):
        run(tmp_path / "missing.csv", engine)
    assert not {"orders", "customers"} & table_names()


def test_run_only_rejected_rows_loads_nothing(tmp_path: Path, engine: Engine) -> None:
    path = write_csv(tmp_path / "bad.csv", [(1, 1, "Ada", "", "never", "1", "1")])
    report = run(path, engine)
    assert (report.read, report.loaded, len(report.rejected)) == (1, 0, 1)
    assert orders_rows() == []


def test_format_report_lists_counts_and_rejected_rows(
    messy: Path, engine: Engine
) -> None:
    lines = format_report(run(messy, engine)).splitlines()
    assert lines[0] == "read 6, loaded 3, rejected 3"
    assert len(lines) == 4
    assert lines[1].startswith("row 2: ") and "ordered_on" in lines[1]


def test_make_engine_uses_database_url_with_psycopg() -> None:
    engine = make_engine()
    try:
        assert engine.url.drivername == "postgresql+psycopg", (
            "SQLAlchemy URL: postgresql+psycopg://"
        )
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        create_schema(engine)
        assert {"orders", "customers"} <= table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db.example:5433/shop",
        "postgres://u:p@db.example:5433/shop",
        "postgresql+psycopg://u:p@db.example:5433/shop",
    ],
    ids=["postgresql", "postgres", "already-sqlalchemy"],
)
def test_make_engine_converts_given_url(url: str) -> None:
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert (engine.url.host, engine.url.port, engine.url.database) == (
        "db.example",
        5433,
        "shop",
    )
    engine.dispose()


def test_make_engine_without_database_url_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(EtlError, match="DATABASE_URL"):
        make_engine()
