from records import Record, count_by_country, parse_records, top_n


def test_parse() -> None:
    lines = ["user_id,country,amount", "u1,FR,10", "u2,de,5.5"]
    assert parse_records(lines) == [Record("u1", "FR", 10.0), Record("u2", "DE", 5.5)]


def test_count() -> None:
    records = [Record("u1", "FR", 1.0), Record("u2", "FR", 2.0), Record("u3", "DE", 3.0)]
    assert count_by_country(records) == {"FR": 2, "DE": 1}


def test_top_n() -> None:
    assert top_n({"FR": 3, "DE": 5}, 1) == [("DE", 5)]
