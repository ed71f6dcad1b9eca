from records import present


def test_present() -> None:
    assert present() == 1


def test_present_is_two() -> None:
    assert present() == 2
