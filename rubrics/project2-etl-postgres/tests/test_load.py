"""Hidden tests: load upserts in batches, in one transaction, and can be re-run."""

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conftest import customers_rows, orders_rows, query
from etl import EtlError, LoadError, Order, create_schema, load
from sqlalchemy import Engine, event


def order(
    order_id: int, quantity: int = 1, customer_id: int | None = None, name: str = "Ada"
) -> Order:
    customer = customer_id if customer_id is not None else 1 + order_id % 40
    return Order(
        order_id=order_id,
        customer_id=customer,
        customer_name=f"{name} {customer}",
        email=f"c{customer}@example.com",
        ordered_on=date(2026, 1, 1 + order_id % 28),
        quantity=quantity,
        unit_price=Decimal(order_id % 1000) / 100,
    )


def stored(o: Order) -> tuple[Any, ...]:
    """How the order reads back from the orders table."""
    return (o.order_id, o.customer_id, o.ordered_on, o.quantity, o.unit_price)


def record_statements(engine: Engine) -> list[str]:
    """The SQL statements sent through the engine's cursors from now on."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen


def test_load_writes_orders_and_returns_count(engine: Engine) -> None:
    create_schema(engine)
    orders = [order(3), order(1, 4), order(2)]
    assert load(engine, orders) == 3
    assert orders_rows() == [
        stored(o) for o in sorted(orders, key=lambda o: o.order_id)
    ]


def test_load_writes_each_customer_once_last_row_wins(engine: Engine) -> None:
    create_schema(engine)
    orders = [
        order(1, customer_id=5, name="Old"),
        order(2, customer_id=6),
        order(3, customer_id=5, name="New"),
    ]
    load(engine, orders)
    assert customers_rows() == [
        (5, "New 5", "c5@example.com"),
        (6, "Ada 6", "c6@example.com"),
    ], "one row per customer; the last order of a customer gives its name and e-mail"


def test_load_empty_list_writes_nothing(engine: Engine) -> None:
    create_schema(engine)
    assert load(engine, []) == 0
    assert orders_rows() == [] and customers_rows() == []


def test_load_rejects_non_positive_batch_size(engine: Engine) -> None:
    create_schema(engine)
    with pytest.raises(ValueError):
        load(engine, [order(1)], batch_size=0)
    assert orders_rows() == []


def test_load_batches_with_executemany(engine: Engine) -> None:
    create_schema(engine)
    orders = [order(i) for i in range(1, 1201)]
    statements = record_statements(engine)
    assert load(engine, orders, batch_size=500) == 1200
    limit = 2 * math.ceil(1200 / 500) + 4
    assert len(statements) <= limit, (
        f"{len(statements)} SQL statements for 1200 orders of 40 customers in batches of 500: "
        "send each batch as one statement with a list of parameter sets (executemany), not row by row"
    )
    assert len(orders_rows()) == 1200 and len(customers_rows()) == 40


def test_load_all_or_nothing_one_transaction_for_whole_load(engine: Engine) -> None:
    create_schema(engine)
    load(engine, [order(i) for i in range(1, 301)], batch_size=50)
    transactions = query(
        "SELECT count(DISTINCT x) FROM"
        " (SELECT xmin::text AS x FROM orders UNION ALL SELECT xmin::text FROM customers) AS t"
    )
    assert transactions == [(1,)], (
        "every row of one load (orders and customers) must be written by one transaction: "
        "one engine.begin() around all the batches, no commit in between"
    )


@pytest.mark.parametrize(
    "bad",
    [
        replace(order(9), quantity=-1),
        replace(order(9), unit_price=Decimal("-5.00")),
        replace(order(9), customer_name=None),
    ],
    ids=["negative-quantity", "negative-price", "null-name"],
)
def test_load_all_or_nothing_on_bad_row(engine: Engine, bad: Order) -> None:
    create_schema(engine)
    before = [order(1), order(2)]
    load(engine, before)
    customers_before = customers_rows()
    changed = [order(3), order(4), replace(order(1), quantity=7), order(5), bad]
    with pytest.raises(LoadError) as raised:
        load(engine, changed, batch_size=2)
    assert isinstance(raised.value, EtlError), "LoadError is an EtlError"
    assert raised.value.__cause__ is not None, (
        "raise LoadError(...) from the database's error"
    )
    assert orders_rows() == [stored(o) for o in before], (
        "one bad row rolls back the whole load, earlier batches included"
    )
    assert customers_rows() == customers_before, (
        "the customers of a failed load are rolled back too"
    )


def test_load_idempotent_rerun_leaves_same_rows(engine: Engine) -> None:
    create_schema(engine)
    orders = [order(i) for i in range(1, 8)]
    load(engine, orders)
    first = (orders_rows(), customers_rows())
    assert load(engine, orders) == 7, "loading the same orders again is not an error"
    assert (orders_rows(), customers_rows()) == first, (
        "a re-run leaves the same rows, no duplicates"
    )


def test_load_idempotent_upsert_replaces_changed_and_keeps_others(
    engine: Engine,
) -> None:
    create_schema(engine)
    load(engine, [order(1), order(2, 3)])
    load(engine, [order(2, 9, name="Grace"), order(3)])
    assert orders_rows() == [stored(order(1)), stored(order(2, 9)), stored(order(3))], (
        "an order already stored is updated; orders not in this load are kept"
    )
    assert ("Grace 3", "c3@example.com") in [row[1:] for row in customers_rows()]


def test_load_returns_connections_to_pool(engine: Engine) -> None:
    create_schema(engine)
    load(engine, [order(1)])
    with pytest.raises(LoadError):
        load(engine, [replace(order(2), quantity=0)])
    assert engine.pool.checkedout() == 0, "close every connection you take (use `with`)"  # type: ignore[attr-defined]
