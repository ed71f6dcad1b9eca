def test_fast() -> None:
    assert 1 + 1 == 2


def test_forever() -> None:
    while True:
        pass
