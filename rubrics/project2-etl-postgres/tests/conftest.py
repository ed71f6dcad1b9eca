"""Shared fixtures of the hidden tests: a clean PostgreSQL database and CSV files.

The grading's PostgreSQL service is the same for every test (and for the student's
own tests, which run later), so each test starts by closing the role's other
sessions (one that the student's code left open in a transaction would hold its
locks) and dropping the pipeline's tables, and drops them again when it ends.
"""

import csv
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine

HEADER = (
    "order_id",
    "customer_id",
    "customer_name",
    "email",
    "ordered_on",
    "quantity",
    "unit_price",
)
INJECTION_NAME = "Robert'); DROP TABLE orders;--"

RESET = [
    "SET lock_timeout = '5s'",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND usename = current_user AND backend_type = 'client backend'",
    "DROP TABLE IF EXISTS orders, customers CASCADE",
    "DROP FUNCTION IF EXISTS hidden_test_fail_order() CASCADE",
]


def database_url() -> str:
    return os.environ["DATABASE_URL"]


def reset_database() -> None:
    with psycopg.connect(database_url(), autocommit=True) as conn:
        for statement in RESET:
            conn.execute(statement)  # type: ignore[arg-type]


def query(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read with a plain psycopg connection of its own."""
    with psycopg.connect(database_url(), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def execute(sql: str) -> None:
    """Run one statement that returns no rows, in a connection of its own."""
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def table_names() -> set[str]:
    rows = query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {name for (name,) in rows}


def orders_rows() -> list[tuple[Any, ...]]:
    """Every stored order, by id (empty when there is no table)."""
    if "orders" not in table_names():
        return []
    return query(
        "SELECT order_id, customer_id, ordered_on, quantity, unit_price FROM orders ORDER BY order_id"
    )


def customers_rows() -> list[tuple[Any, ...]]:
    """Every stored customer, by id (empty when there is no table)."""
    if "customers" not in table_names():
        return []
    return query("SELECT customer_id, name, email FROM customers ORDER BY customer_id")


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def many_rows(count: int, customers: int = 40) -> list[tuple[Any, ...]]:
    """``count`` valid rows: order ids 1..count, ``customers`` distinct customers."""
    return [
        (
            i,
            1 + i % customers,
            f"Customer {1 + i % customers}",
            f"c{1 + i % customers}@example.com",
            f"2026-01-{1 + i % 28:02d}",
            1 + i % 5,
            f"{i % 100}.{i % 100:02d}",
        )
        for i in range(1, count + 1)
    ]


@pytest.fixture(autouse=True)
def clean_database() -> Iterator[None]:
    reset_database()
    yield
    reset_database()


@pytest.fixture
def engine() -> Iterator[Engine]:
    url = database_url().replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    yield engine
    engine.dispose()
