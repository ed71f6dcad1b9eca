"""Your own tests. Coverage of pipeline.py by these tests is graded (aim for 80%+).

Run them from your project6/ folder with:  python -m pytest tests
Tests that need S3 read S3_ENDPOINT_URL and the AWS_* variables (see the statement for a
local S3 server); this one needs none.
"""

from pipeline import to_jsonl


def test_to_jsonl_writes_one_line_per_record() -> None:
    assert to_jsonl([{"id": "a"}, {"id": "b"}]) == b'{"id":"a"}\n{"id":"b"}\n'
