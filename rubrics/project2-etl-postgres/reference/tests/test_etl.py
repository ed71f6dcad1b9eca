"""Tests of etl.py against the PostgreSQL database named by DATABASE_URL.

Each test drops the pipeline's tables before and after it runs, so the tests do not
depend on each other or on what ran before. Run them from project2/ with:
    python -m pytest tests
"""

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

# isort: split
from etl import (
    EtlError,
    LoadError,
    Order,
    Rejected,
    Report,
    create_schema,
    extract,
    format_report,
    load,
    make_engine,
    run,
    sqlalchemy_url,
    transform,
)

HEADER = [
    "order_id",
    "customer_id",
    "customer_name",
    "email",
    "ordered_on",
    "quantity",
    "unit_price",
]


def drop_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS orders, customers CASCADE"))


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine()
    drop_tables(engine)
    yield engine
    drop_tables(engine)
    engine.dispose()


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def raw(**changes: str) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "order_id": "1",
        "customer_id": "7",
        "customer_name": "Ada",
        "email": "ada@example.com",
        "ordered_on": "2026-01-05",
        "quantity": "2",
        "unit_price": "1.50",
    }
    row.update(changes)
    return row


def order(order_id: int, quantity: int = 1, name: str = "Ada") -> Order:
    return Order(order_id, 1, name, None, date(2026, 1, 5), quantity, Decimal("2.00"))


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        sql = {
            "orders": "SELECT count(*) FROM orders",
            "customers": "SELECT count(*) FROM customers",
        }
        return int(conn.execute(text(sql[table])).scalar_one())


def test_sqlalchemy_url_names_the_psycopg_driver() -> None:
    assert sqlalchemy_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(EtlError):
        sqlalchemy_url("mysql://u@h/db")


def test_make_engine_needs_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(EtlError, match="DATABASE_URL"):
        make_engine()


def test_extract_reads_text_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [[1, 7, " Ada ", "", "2026-01-05", -1, "x"]])
    assert extract(path)[0]["customer_name"] == " Ada "
    assert extract(path)[0]["quantity"] == "-1"


def test_extract_missing_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [], HEADER[:-1])
    with pytest.raises(EtlError, match="unit_price"):
        extract(path)


def test_transform_normalises() -> None:
    row = raw(customer_name=" Ada \t King ", email=" A@B.ORG ", unit_price="0.125")
    orders, rejected = transform([row, raw(order_id="2", email="")])
    assert rejected == []
    assert orders[0] == Order(
        1, 7, "Ada King", "a@b.org", date(2026, 1, 5), 2, Decimal("0.13")
    )
    assert orders[1].email is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", "x"),
        ("customer_name", " "),
        ("email", "no-at"),
        ("ordered_on", "2026-02-30"),
        ("quantity", "-1"),
        ("unit_price", "abc"),
        ("unit_price", "NaN"),
        ("unit_price", "-1"),
    ],
)
def test_transform_rejects(field: str, value: str) -> None:
    orders, rejected = transform([raw(**{field: value})])
    assert orders == []
    assert rejected[0].row == 1
    assert rejected[0].reason.startswith(field)


def test_transform_rejects_later_duplicates() -> None:
    orders, rejected = transform([raw(), raw(quantity="9")])
    assert [o.quantity for o in orders] == [2]
    assert rejected == [Rejected(2, "order_id: duplicate of an earlier row: 1")]


def test_create_schema_twice(engine: Engine) -> None:
    create_schema(engine)
    create_schema(engine)
    assert count_rows(engine, "orders") == 0


def test_load_upserts_in_batches_in_one_statement_each(engine: Engine) -> None:
    create_schema(engine)
    statements: list[str] = []
    event.listen(
        engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    assert load(engine, [order(i) for i in range(1, 11)], batch_size=4) == 10
    assert len(statements) == 1 + 3
    assert load(engine, [order(1, quantity=5, name="Grace")]) == 1
    assert count_rows(engine, "orders") == 10
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM customers")).scalar_one() == "Grace"


def test_load_rolls_back_everything_on_error(engine: Engine) -> None:
    create_schema(engine)
    load(engine, [order(1)])
    with pytest.raises(LoadError) as raised:
        load(engine, [order(2), order(3), replace(order(4), quantity=-1)], batch_size=2)
    assert raised.value.__cause__ is not None
    assert count_rows(engine, "orders") == 1


def test_load_rejects_bad_batch_size(engine: Engine) -> None:
    with pytest.raises(ValueError):
        load(engine, [], batch_size=0)


def test_run_reports_and_is_idempotent(tmp_path: Path, engine: Engine) -> None:
    name = "Robert'); DROP TABLE orders;--"
    path = write_csv(
        tmp_path / "o.csv",
        [
            [1, 1, name, "", "2026-01-05", 1, "1.00"],
            [2, 1, name, "", "yesterday", 1, "1.00"],
        ],
    )
    report = run(path, engine)
    assert report == Report(
        2, 1, (Rejected(2, "ordered_on: not a date YYYY-MM-DD: 'yesterday'"),)
    )
    assert run(path, engine) == report
    assert count_rows(engine, "orders") == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM customers")).scalar_one() == name
    assert format_report(report).splitlines() == [
        "read 2, loaded 1, rejected 1",
        "row 2: ordered_on: not a date YYYY-MM-DD: 'yesterday'",
    ]
