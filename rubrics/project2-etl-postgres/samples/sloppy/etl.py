import os, csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path
from typing import Optional, List, Dict
import json

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

COLUMNS = ["order_id", "customer_id", "customer_name", "email", "ordered_on", "quantity", "unit_price"]


class EtlError(Exception):
    pass


class LoadError(EtlError):
    pass


@dataclass(frozen=True)
class Order:
    order_id: int
    customer_id: int
    customer_name: str
    email: Optional[str]
    ordered_on: date
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Rejected:
    row: int
    reason: str


@dataclass(frozen=True)
class Report:
    read: int
    loaded: int
    rejected: tuple


def sqlalchemy_url(url):
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url=None):
    if url == None:
        url = os.environ.get("DATABASE_URL")
    if not url:
        raise EtlError("DATABASE_URL is not set")
    return create_engine(sqlalchemy_url(url))


def extract(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for c in COLUMNS:
            if not c in reader.fieldnames:
                raise EtlError("missing column " + c)
        rows = []
        for r in reader:
            rows.append({c: r.get(c) for c in COLUMNS})
    return rows


def transform(rows):
    orders = []
    rejected = []
    seen = []
    n = 0
    for r in rows:
        n += 1
        r = {k: (v or "").strip() for k, v in r.items()}
        if not r["order_id"].isdigit() or int(r["order_id"]) == 0:
            rejected.append(Rejected(n, "order_id: bad value " + r["order_id"]))
            continue
        if not r["customer_id"].isdigit() or int(r["customer_id"]) == 0:
            rejected.append(Rejected(n, "customer_id: bad value " + r["customer_id"]))
            continue
        name = " ".join(r["customer_name"].split())
        if name == "":
            rejected.append(Rejected(n, "customer_name: empty"))
            continue
        try:
            d = date.fromisoformat(r["ordered_on"])
        except ValueError:
            rejected.append(Rejected(n, "ordered_on: bad date " + r["ordered_on"]))
            continue
        if not r["quantity"].isdigit() or int(r["quantity"]) <= 0:
            rejected.append(Rejected(n, "quantity: bad value " + r["quantity"]))
            continue
        try:
            price = Decimal(r["unit_price"])
            if not price.is_finite() or price < 0 or price >= 100000000:
                raise ValueError()
        except Exception:
            rejected.append(Rejected(n, "unit_price: bad value " + r["unit_price"]))
            continue
        if int(r["order_id"]) in seen:
            rejected.append(Rejected(n, "order_id: duplicate " + r["order_id"]))
            continue
        seen.append(int(r["order_id"]))
        email = r["email"].lower() if r["email"] else None
        orders.append(Order(int(r["order_id"]), int(r["customer_id"]), name, email, d, int(r["quantity"]), price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
    return orders, rejected


def create_schema(engine):
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS customers (customer_id integer PRIMARY KEY, name text NOT NULL, email text)"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS orders (order_id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (customer_id), ordered_on date NOT NULL, quantity integer NOT NULL CHECK (quantity > 0), unit_price numeric(10, 2) NOT NULL CHECK (unit_price >= 0))"))


def load(engine, orders, batch_size=500):
    if batch_size < 1:
        raise ValueError("bad batch size")
    customers = {}
    for o in orders:
        customers[o.customer_id] = {"id": o.customer_id, "name": o.customer_name, "email": o.email}
    customers = list(customers.values())
    rows = [{"id": o.order_id, "c": o.customer_id, "d": o.ordered_on, "q": o.quantity, "p": o.unit_price} for o in orders]
    try:
        with engine.begin() as conn:
            i = 0
            while i < len(customers):
                conn.execute(text("INSERT INTO customers VALUES (:id, :name, :email) ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, email = excluded.email"), customers[i:i+batch_size])
                i = i + batch_size
            i = 0
            while i < len(rows):
                conn.execute(text("INSERT INTO orders VALUES (:id, :c, :d, :q, :p) ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id, ordered_on = excluded.ordered_on, quantity = excluded.quantity, unit_price = excluded.unit_price"), rows[i:i+batch_size])
                i = i + batch_size
    except SQLAlchemyError as e:
        raise LoadError(str(e)) from e
    return len(orders)


def run(path, engine, batch_size=500):
    rows = extract(path)
    orders, rejected = transform(rows)
    create_schema(engine)
    n = load(engine, orders, batch_size)
    return Report(len(rows), n, tuple(rejected))


def format_report(report):
    s = "read %d, loaded %d, rejected %d" % (report.read, report.loaded, len(report.rejected))
    for r in report.rejected:
        s += "\nrow %d: %s" % (r.row, r.reason)
    return s
