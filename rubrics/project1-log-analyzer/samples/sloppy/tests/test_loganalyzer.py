import pandas as pd
from loganalyzer import *


def test_it(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("timestamp,client_ip,method,path,status,bytes,duration_ms\n2026-03-01T10:00:00Z,1.1.1.1,GET,/,200,5,1\nbad,1.1.1.1,GET,/,200,5,1\n")
    logs, d = read_logs(p)
    assert len(logs) == 1
    assert d == 1
    print(summarize(logs, d))
