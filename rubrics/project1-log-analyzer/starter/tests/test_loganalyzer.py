"""Your own tests. Coverage of loganalyzer.py by these tests is graded (aim for 80%+).

Run them from your project1/ folder with:  python -m pytest tests
"""

from pathlib import Path

# isort: split
from loganalyzer import read_logs

LOG = (
    "timestamp,client_ip,method,path,status,bytes,duration_ms\n"
    "2026-03-01T10:00:00Z,10.0.0.1,get,/products?page=2,200,512,31.5\n"
    "yesterday,10.0.0.3,GET,/,200,311,9.0\n"
)


def test_read_logs_drops_the_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "access.csv"
    path.write_text(LOG, encoding="utf-8")
    logs, dropped = read_logs(path)
    assert list(logs["path"]) == ["/products"]
    assert dropped == 1
