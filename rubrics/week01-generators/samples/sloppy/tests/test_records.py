from records import *


def test_it_works():
    recs = list(parse_records(["a,FR,1", "b,DE,2"]))
    assert len(recs) == 2
    assert count_by_country(recs) == {"FR": 1, "DE": 1}
