from records import iter_records, parse_line, total_score


def test_parse_line() -> None:
    assert parse_line("ada, 3") == ("ada", 3)


def test_iter_records_skips_blanks_and_comments() -> None:
    lines = ["ada,1", "", "# comment", "bob,2"]
    assert list(iter_records(lines)) == [("ada", 1), ("bob", 2)]


def test_total_score() -> None:
    assert total_score(["ada,1", "bob,2"]) == 3
