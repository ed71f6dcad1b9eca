"""Your own tests. Coverage of records.py by these tests is graded (aim for 80%+).

Run them from your week01/ folder with:  python -m pytest tests
"""

from records import Record, parse_records


def test_parse_one_line() -> None:
    assert list(parse_records(["u1,FR,12.5"])) == [Record("u1", "FR", 12.5)]
