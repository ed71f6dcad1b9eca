"""Load a CSV file of orders into PostgreSQL: extract, transform, load, report.

Fill in every function; keep the names and signatures (the hidden tests import
them). The statement (README.md) gives the rules each function must follow.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

COLUMNS = (
    "order_id",
    "customer_id",
    "customer_name",
    "email",
    "ordered_on",
    "quantity",
    "unit_price",
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
    """A data row that was not loaded (``row`` counts the data rows from 1), and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class Report:
    """What one run did with one file."""

    read: int
    loaded: int
    rejected: tuple[Rejected, ...]


def sqlalchemy_url(url: str) -> str:
    """``url`` (``postgresql://`` or ``postgres://``) as ``postgresql+psycopg://``."""
    raise NotImplementedError


def make_engine(url: str | None = None) -> Engine:
    """An engine on ``url``, by default the ``DATABASE_URL`` environment variable."""
    raise NotImplementedError


def extract(path: str | Path) -> list[dict[str, str | None]]:
    """The data rows of the CSV file at ``path``, as text, header names as keys."""
    raise NotImplementedError


def transform(
    rows: Iterable[Mapping[str, str | None]],
) -> tuple[list[Order], list[Rejected]]:
    """The valid orders in file order, and the rejected rows with their reasons."""
    raise NotImplementedError


def create_schema(engine: Engine) -> None:
    """Create the ``customers`` and ``orders`` tables unless they exist."""
    raise NotImplementedError


def load(engine: Engine, orders: Sequence[Order], batch_size: int = 500) -> int:
    """Upsert ``orders`` and their customers in one transaction; return how many."""
    raise NotImplementedError


def run(path: str | Path, engine: Engine, batch_size: int = 500) -> Report:
    """Extract ``path``, transform, create the schema if needed, load, and report."""
    raise NotImplementedError


def format_report(report: Report) -> str:
    """The report as text: one summary line, then one line per rejected row."""
    raise NotImplementedError
