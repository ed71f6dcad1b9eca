from spark_etl import *


def test_it(spark, tmp_path):
    p = tmp_path / "o.csv"
    p.write_text("id,category,amount,updated_at\n1,books,1.5,2026-03-01T10:00:00Z\n")
    out = transform(extract(spark, str(p)))
    assert out.count() == 1
