import pytest

from records import add_record, grade


def test_grade_a() -> None:
    assert grade(95, False, 0, 1, False, 0) == "A"


def test_first_late_attempt_keeps_grade() -> None:
    got = grade(85, True, 0, 1, False, 0)
    assert got == "A", "late penalty must not apply on the first attempt"


def test_add_record_raises() -> None:
    records = add_record("ada")
    records["first"]


@pytest.mark.skip(reason="not implemented yet")
def test_skipped() -> None:
    assert False
