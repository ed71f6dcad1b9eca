"""Load a CSV file of orders into PostgreSQL: extract, transform, load, report.

Extraction reads the file with ``csv.DictReader``; transformation validates and
normalises every row and rejects the bad ones with a reason; loading goes
through a SQLAlchemy engine (psycopg 3 driver). Every value travels as a bound
parameter, every batch of rows is one ``executemany``, the whole file is one
transaction, and rows are upserted (``INSERT ... ON CONFLICT DO UPDATE``), so a
re-run leaves the same rows and a failure leaves the tables as they were.
"""

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Date,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

COLUMNS = (
    "order_id",
    "customer_id",
    "customer_name",
    "email",
    "ordered_on",
    "quantity",
    "unit_price",
)
CENT = Decimal("0.01")
MAX_PRICE = Decimal("100000000")

metadata = MetaData()

customers_table = Table(
    "customers",
    metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=True),
)

orders_table = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
    Column("ordered_on", Date, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
)


class EtlError(Exception):
    """Base class of this pipeline's errors."""


class LoadError(EtlError):
    """The database refused the load; nothing of it was written."""


@dataclass(frozen=True)
class Order:
    """One valid order, ready for the database."""

    order_id: int
    customer_id: int
    customer_name: str
    email: str | None
    ordered_on: date
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Rejected:
    """A data row that was not loaded, and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class Report:
    """What one run did with one file."""

    read: int
    loaded: int
    rejected: tuple[Rejected, ...]


class _Invalid(ValueError):
    """One field of a row breaks its rule (the message is the reason)."""


def sqlalchemy_url(url: str) -> str:
    """``url`` with the psycopg 3 driver named, as SQLAlchemy wants it."""
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    raise EtlError(f"not a PostgreSQL URL: {url.split('://')[0]}://...")


def make_engine(url: str | None = None) -> Engine:
    """An engine on ``url``, by default the ``DATABASE_URL`` environment variable."""
    if url is None:
        url = os.environ.get("DATABASE_URL")
        if not url:
            raise EtlError("DATABASE_URL is not set")
    return create_engine(
        sqlalchemy_url(url), pool_size=2, max_overflow=0, pool_pre_ping=True
    )


def extract(path: str | Path) -> list[dict[str, str | None]]:
    """The data rows of the CSV file at ``path``, as text, header names as keys."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise EtlError(f"{path}: missing column(s) {', '.join(missing)}")
        return [{name: row.get(name) for name in COLUMNS} for row in reader]


def _text(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _positive_int(row: Mapping[str, str | None], name: str) -> int:
    text = _text(row, name)
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise _Invalid(f"{name}: not a positive integer: {text!r}")
    return int(text)


def _name(row: Mapping[str, str | None]) -> str:
    name = " ".join(_text(row, "customer_name").split())
    if not name:
        raise _Invalid("customer_name: empty")
    return name


def _email(row: Mapping[str, str | None]) -> str | None:
    email = _text(row, "email").lower()
    if email and email.count("@") != 1:
        raise _Invalid(f"email: not an address: {email!r}")
    return email or None


def _ordered_on(row: Mapping[str, str | None]) -> date:
    text = _text(row, "ordered_on")
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise _Invalid(f"ordered_on: not a date YYYY-MM-DD: {text!r}") from None


def _unit_price(row: Mapping[str, str | None]) -> Decimal:
    text = _text(row, "unit_price")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise _Invalid(f"unit_price: not a number: {text!r}") from None
    if not price.is_finite() or not Decimal(0) <= price < MAX_PRICE:
        raise _Invalid(f"unit_price: out of range: {text!r}")
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def clean_row(row: Mapping[str, str | None]) -> Order:
    """One valid order from one raw row; ValueError names the first bad field."""
    return Order(
        order_id=_positive_int(row, "order_id"),
        customer_id=_positive_int(row, "customer_id"),
        customer_name=_name(row),
        email=_email(row),
        ordered_on=_ordered_on(row),
        quantity=_positive_int(row, "quantity"),
        unit_price=_unit_price(row),
    )


def transform(
    rows: Iterable[Mapping[str, str | None]],
) -> tuple[list[Order], list[Rejected]]:
    """The valid orders in file order, and the rejected rows with their reasons."""
    orders: list[Order] = []
    rejected: list[Rejected] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        try:
            order = clean_row(row)
        except _Invalid as exc:
            rejected.append(Rejected(number, str(exc)))
            continue
        if order.order_id in seen:
            rejected.append(
                Rejected(
                    number, f"order_id: duplicate of an earlier row: {order.order_id}"
                )
            )
            continue
        seen.add(order.order_id)
        orders.append(order)
    return orders, rejected


def create_schema(engine: Engine) -> None:
    """Create the ``customers`` and ``orders`` tables unless they exist."""
    metadata.create_all(engine)


def _customers(orders: Sequence[Order]) -> list[dict[str, Any]]:
    """One row per customer; the last order of a customer gives its name and e-mail."""
    latest = {
        o.customer_id: {
            "customer_id": o.customer_id,
            "name": o.customer_name,
            "email": o.email,
        }
        for o in orders
    }
    return list(latest.values())


def _upsert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], batch_size: int
) -> None:
    """Insert ``rows`` in batches (one executemany each); update rows already there."""
    statement = insert(table)
    key = [column.name for column in table.primary_key]
    updates = {
        column.name: statement.excluded[column.name]
        for column in table.columns
        if not column.primary_key
    }
    statement = statement.on_conflict_do_update(index_elements=key, set_=updates)
    for start in range(0, len(rows), batch_size):
        conn.execute(statement, rows[start : start + batch_size])


def _order_row(order: Order) -> dict[str, Any]:
    row = asdict(order)
    del row["customer_name"], row["email"]
    return row


def load(engine: Engine, orders: Sequence[Order], batch_size: int = 500) -> int:
    """Upsert ``orders`` and their customers in one transaction; return how many orders.

    If the database refuses any row, everything is rolled back and LoadError is raised.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    try:
        with engine.begin() as conn:
            _upsert(conn, customers_table, _customers(orders), batch_size)
            _upsert(conn, orders_table, [_order_row(o) for o in orders], batch_size)
    except SQLAlchemyError as exc:
        raise LoadError(f"load of {len(orders)} orders rolled back: {exc}") from exc
    return len(orders)


def run(path: str | Path, engine: Engine, batch_size: int = 500) -> Report:
    """Extract ``path``, transform, create the schema if needed, load, and report."""
    rows = extract(path)
    orders, rejected = transform(rows)
    create_schema(engine)
    loaded = load(engine, orders, batch_size)
    return Report(read=len(rows), loaded=loaded, rejected=tuple(rejected))


def format_report(report: Report) -> str:
    """The report as text: one summary line, then one line per rejected row."""
    lines = [
        f"read {report.read}, loaded {report.loaded}, rejected {len(report.rejected)}"
    ]
    lines += [f"row {r.row}: {r.reason}" for r in report.rejected]
    return "\n".join(lines)
