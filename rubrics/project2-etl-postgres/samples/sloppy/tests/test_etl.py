from etl import *


def test_transform():
    rows = [{"order_id": "1", "customer_id": "2", "customer_name": "Ada", "email": "", "ordered_on": "2026-01-05", "quantity": "1", "unit_price": "2"}]
    orders, rejected = transform(rows)
    assert len(orders) == 1
    assert rejected == []


def test_transform_bad_quantity():
    rows = [{"order_id": "1", "customer_id": "2", "customer_name": "Ada", "email": "", "ordered_on": "2026-01-05", "quantity": "-1", "unit_price": "2"}]
    orders, rejected = transform(rows)
    assert len(rejected) == 1
