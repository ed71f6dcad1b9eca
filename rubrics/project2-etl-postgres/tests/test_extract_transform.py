"""Hidden tests: extract reads the CSV as text; transform validates, normalises, rejects."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import HEADER, INJECTION_NAME, write_csv
from etl import EtlError, Order, extract, transform


def raw(**changes: str) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "order_id": "1",
        "customer_id": "7",
        "customer_name": "Ada Lovelace",
        "email": "ada@example.com",
        "ordered_on": "2026-01-05",
        "quantity": "2",
        "unit_price": "19.99",
    }
    row.update(changes)
    return row


def good(**changes: object) -> Order:
    fields: dict[str, object] = {
        "order_id": 1,
        "customer_id": 7,
        "customer_name": "Ada Lovelace",
        "email": "ada@example.com",
        "ordered_on": date(2026, 1, 5),
        "quantity": 2,
        "unit_price": Decimal("19.99"),
    }
    fields.update(changes)
    return Order(**fields)  # type: ignore[arg-type]


def test_extract_returns_rows_as_text(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "orders.csv", [(1, 7, " Ada ", "", "2026-01-05", "-2", "1.5")]
    )
    assert extract(path) == [
        {
            "order_id": "1",
            "customer_id": "7",
            "customer_name": " Ada ",
            "email": "",
            "ordered_on": "2026-01-05",
            "quantity": "-2",
            "unit_price": "1.5",
        }
    ], "extract returns every data row as text, unchanged"


def test_extract_accepts_a_str_path_and_quoted_fields(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "orders.csv",
        [(1, 7, 'Ada "the first", Countess', "", "2026-01-05", 1, 1)],
    )
    rows = extract(str(path))
    assert rows[0]["customer_name"] == 'Ada "the first", Countess'


def test_extract_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        extract(tmp_path / "missing.csv")


def test_extract_missing_column_raises_etl_error(tmp_path: Path) -> None:
    header = [name for name in HEADER if name != "quantity"]
    path = write_csv(
        tmp_path / "orders.csv", [(1, 7, "Ada", "", "2026-01-05", "1")], header
    )
    with pytest.raises(EtlError, match="quantity"):
        extract(path)


def test_transform_valid_row() -> None:
    assert transform([raw()]) == ([good()], [])


def test_transform_normalises_whitespace_and_case() -> None:
    row = raw(
        order_id=" 1 ",
        customer_id=" 7",
        customer_name="  Ada \t  Lovelace ",
        email=" ADA@Example.COM ",
        ordered_on=" 2026-01-05 ",
        quantity=" 2 ",
        unit_price=" 19.99 ",
    )
    assert transform([row]) == ([good()], [])


def test_transform_empty_email_becomes_none() -> None:
    orders, rejected = transform([raw(email="   "), raw(order_id="2", email=None)])
    assert [o.email for o in orders] == [None, None]
    assert rejected == []


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("5", "5.00"),
        ("0.125", "0.13"),
        ("2.675", "2.68"),
        ("0", "0.00"),
        ("1e2", "100.00"),
    ],
    ids=["integer", "half-up", "half-up-binary-trap", "zero", "exponent"],
)
def test_transform_unit_price_rounded_to_cents(text: str, cents: str) -> None:
    orders, _ = transform([raw(unit_price=text)])
    assert orders[0].unit_price == Decimal(cents)
    assert isinstance(orders[0].unit_price, Decimal), (
        "unit_price is a Decimal, never a float"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", "abc"),
        ("order_id", "0"),
        ("customer_id", ""),
        ("customer_id", "-3"),
        ("customer_name", "   "),
        ("email", "not-an-address"),
        ("ordered_on", "2026-02-30"),
        ("ordered_on", "05/01/2026"),
        ("ordered_on", ""),
        ("quantity", "-2"),
        ("quantity", "0"),
        ("quantity", "2.5"),
        ("quantity", "many"),
        ("unit_price", "abc"),
        ("unit_price", "-1"),
        ("unit_price", "NaN"),
        ("unit_price", "Infinity"),
        ("unit_price", "1e9"),
        ("unit_price", ""),
    ],
    ids=lambda value: str(value).strip() or "blank",
)
def test_transform_rejects_bad_field_with_reason(field: str, value: str) -> None:
    rows = [
        raw(order_id="1"),
        raw(**{"order_id": "2", field: value}),
        raw(order_id="3"),
    ]
    orders, rejected = transform(rows)
    assert [o.order_id for o in orders] == [1, 3], (
        "the bad row is left out, the others kept"
    )
    assert len(rejected) == 1
    assert rejected[0].row == 2, (
        "Rejected.row is the row's number among the data rows (from 1)"
    )
    assert field in rejected[0].reason, "the reason names the field that broke its rule"


def test_transform_missing_field_is_rejected_not_raised() -> None:
    row = raw()
    row["quantity"] = None
    orders, rejected = transform([row])
    assert orders == []
    assert rejected[0].row == 1 and "quantity" in rejected[0].reason


def test_transform_duplicate_order_id_keeps_first() -> None:
    rows = [raw(quantity="1"), raw(order_id="2"), raw(order_id=" 1", quantity="5")]
    orders, rejected = transform(rows)
    assert [(o.order_id, o.quantity) for o in orders] == [(1, 1), (2, 2)]
    assert [r.row for r in rejected] == [3]
    assert "order_id" in rejected[0].reason and "duplicate" in rejected[0].reason


def test_transform_duplicate_of_rejected_row_is_kept() -> None:
    orders, rejected = transform([raw(quantity="-1"), raw(quantity="3")])
    assert [o.quantity for o in orders] == [3], (
        "a rejected row does not claim its order_id"
    )
    assert [r.row for r in rejected] == [1]


def test_transform_injection_text_is_kept_verbatim() -> None:
    orders, rejected = transform([raw(customer_name=INJECTION_NAME)])
    assert rejected == []
    assert orders[0].customer_name == INJECTION_NAME


def test_transform_accepts_a_generator() -> None:
    orders, rejected = transform(raw(order_id=str(i)) for i in range(1, 4))
    assert [o.order_id for o in orders] == [1, 2, 3]
    assert rejected == []
