from records import missing_name


def test_missing_name() -> None:
    assert missing_name() == 1
