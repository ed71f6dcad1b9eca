"""Your own tests. Coverage of etl.py by these tests is graded (aim for 80%+).

Tests that need the database connect with DATABASE_URL (make_engine()); drop the
tables before and after each test so they do not depend on each other. Run them
from your project2/ folder with:  python -m pytest tests
"""

from datetime import date
from decimal import Decimal

from etl import Order, transform


def test_transform_one_row() -> None:
    row = {
        "order_id": "1",
        "customer_id": "7",
        "customer_name": " Ada ",
        "email": "",
        "ordered_on": "2026-01-05",
        "quantity": "2",
        "unit_price": "1.5",
    }
    assert transform([row]) == (
        [Order(1, 7, "Ada", None, date(2026, 1, 5), 2, Decimal("1.50"))],
        [],
    )
