"""Hidden tests: create_schema makes typed tables with keys, a foreign key and checks."""

import psycopg
import pytest
from conftest import database_url, query, table_names
from etl import create_schema
from sqlalchemy import Engine

INTEGER = {"integer", "bigint"}
TEXT = {"text", "character varying"}


def columns(table: str) -> dict[str, tuple[str, str, int | None, int | None]]:
    rows = query(
        "SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale"
        " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        (table,),
    )
    return {
        name: (kind, nullable, precision, scale)
        for name, kind, nullable, precision, scale in rows
    }


def key_columns(table: str, kind: str) -> list[str]:
    rows = query(
        "SELECT k.column_name FROM information_schema.table_constraints AS c"
        " JOIN information_schema.key_column_usage AS k"
        "   ON k.constraint_name = c.constraint_name AND k.table_name = c.table_name"
        " WHERE c.table_schema = 'public' AND c.table_name = %s AND c.constraint_type = %s"
        " ORDER BY k.ordinal_position",
        (table, kind),
    )
    return [name for (name,) in rows]


def test_create_schema_makes_both_tables_and_can_run_twice(engine: Engine) -> None:
    create_schema(engine)
    create_schema(engine)
    assert {"customers", "orders"} <= table_names()


def test_create_schema_customers_columns_and_types(engine: Engine) -> None:
    create_schema(engine)
    cols = columns("customers")
    assert set(cols) == {"customer_id", "name", "email"}, (
        "customers has exactly these columns"
    )
    assert cols["customer_id"][0] in INTEGER, "customer_id is an integer column"
    assert cols["name"][0] in TEXT and cols["email"][0] in TEXT, (
        "name and email are text"
    )
    assert cols["name"][1] == "NO", "name is NOT NULL"
    assert cols["email"][1] == "YES", "email may be NULL"


def test_create_schema_orders_columns_and_types(engine: Engine) -> None:
    create_schema(engine)
    cols = columns("orders")
    expected = {"order_id", "customer_id", "ordered_on", "quantity", "unit_price"}
    assert set(cols) == expected, "orders has exactly these columns"
    assert cols["order_id"][0] in INTEGER and cols["customer_id"][0] in INTEGER
    assert cols["quantity"][0] in INTEGER, "quantity is an integer column"
    assert cols["ordered_on"][0] == "date", "ordered_on is a DATE column, not text"
    assert cols["unit_price"][0] == "numeric", (
        "unit_price is NUMERIC, not float or text"
    )
    assert cols["unit_price"][2:] == (10, 2), "unit_price is NUMERIC(10, 2)"
    assert all(nullable == "NO" for _, nullable, _, _ in cols.values()), (
        "every column is NOT NULL"
    )


def test_create_schema_primary_keys(engine: Engine) -> None:
    create_schema(engine)
    assert key_columns("customers", "PRIMARY KEY") == ["customer_id"]
    assert key_columns("orders", "PRIMARY KEY") == ["order_id"]


def test_create_schema_orders_foreign_key_to_customers(engine: Engine) -> None:
    create_schema(engine)
    assert key_columns("orders", "FOREIGN KEY") == ["customer_id"]
    referenced = query(
        "SELECT u.table_name, u.column_name FROM information_schema.table_constraints AS c"
        " JOIN information_schema.constraint_column_usage AS u ON u.constraint_name = c.constraint_name"
        " WHERE c.table_name = 'orders' AND c.constraint_type = 'FOREIGN KEY'"
    )
    assert referenced == [("customers", "customer_id")], (
        "orders.customer_id references customers"
    )


@pytest.mark.parametrize(
    "values",
    [
        (1, 1, "2026-01-05", 0, "1.00"),
        (1, 1, "2026-01-05", 1, "-0.01"),
        (1, 2, "2026-01-05", 1, "1.00"),
    ],
    ids=["quantity", "unit-price", "unknown-customer"],
)
def test_create_schema_database_refuses_bad_order(
    engine: Engine, values: tuple[object, ...]
) -> None:
    create_schema(engine)
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute("INSERT INTO customers (customer_id, name) VALUES (1, 'Ada')")
        with pytest.raises(psycopg.errors.IntegrityError):
            conn.execute(
                "INSERT INTO orders (order_id, customer_id, ordered_on, quantity, unit_price)"
                " VALUES (%s, %s, %s, %s, %s)",
                values,
            )
