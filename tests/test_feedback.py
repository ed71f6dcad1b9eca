"""What GitHub is sent: diffs read, findings placed, every text within GitHub's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from grader.report.model import CriterionResult, Finding, Report, RubricInfo, SubmissionInfo
from grader.service.github import feedback

DIFF = """\
diff --git a/week01/records.py b/week01/records.py
index 1111111..2222222 100644
--- a/week01/records.py
+++ b/week01/records.py
@@ -1,3 +1,4 @@
 import csv
-import os
+import sys
+import json
 def total():
@@ -10,2 +11,2 @@ def other():
-    return 1
+    return 2
diff --git a/week01/gone.py b/week01/gone.py
deleted file mode 100644
--- a/week01/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git a/week01/new.py b/week01/new.py
new file mode 100644
--- /dev/null
+++ b/week01/new.py
@@ -0,0 +1,2 @@
+a = 1
+b = 2
"""


def finding(path: str, line: int | None, severity: str = "error", code: str = "F401") -> Finding:
    return Finding(path=path, line=line, code=code, message=f"{code} at {line}", severity=severity)  # type: ignore[arg-type]


def report(findings: list[Finding], score: float = 7.0, status: str = "graded") -> Report:
    criterion = CriterionResult(
        id="style",
        kind="lint",
        title="Lint",
        score=score,
        max_score=10,
        status=status,  # type: ignore[arg-type]
        summary=f"{len(findings)} findings",
        explanation="10 - 1 x 3",
        findings=tuple(findings),
    )
    return Report(
        score=score,
        max_score=10,
        status="graded",
        rubric=RubricInfo(id="week01", title="Week 1", sha256="0" * 64),
        submission=SubmissionInfo(root="week01", files=("records.py",)),
        criteria=(criterion,),
        tools={"ruff": "0.17.6"},
        sandbox={"kind": "docker"},
        grader_version="0.1.0",
        graded_at=datetime(2026, 11, 1, tzinfo=UTC),
        duration=1.0,
    )


def test_the_diff_gives_the_new_side_lines_of_each_file() -> None:
    diff = feedback.parse_diff(DIFF)
    assert diff.lines["week01/records.py"] == {1, 2, 3, 4, 11}
    assert diff.lines["week01/new.py"] == {1, 2}
    assert diff.lines["week01/gone.py"] == set()
    assert diff.paths == ["week01/gone.py", "week01/new.py", "week01/records.py"]
    assert ("week01/records.py", 3) in diff and ("week01/records.py", 5) not in diff


def test_findings_on_the_diff_go_inline_and_the_others_in_the_body() -> None:
    graded = report(
        [
            finding("records.py", 2),
            finding("records.py", 2, code="E501"),
            finding("records.py", 7),
            finding("new.py", None),
        ]
    )
    review = feedback.review(graded, "week01", feedback.parse_diff(DIFF), feedback.marker("abc"))
    assert review.body.startswith("<!-- grader:submission=abc -->")
    assert review.comments == [
        {
            "path": "week01/records.py",
            "line": 2,
            "side": "RIGHT",
            "body": review.comments[0]["body"],
        }
    ]
    assert "F401" in review.comments[0]["body"] and "E501" in review.comments[0]["body"]
    assert "`week01/records.py:7`" in review.body
    without_diff = feedback.review(graded, "week01", None, "<!-- m -->")
    assert without_diff.comments == [] and "`week01/records.py:2`" in without_diff.body


def test_annotations_are_errors_first_capped_and_batched_by_fifty() -> None:
    many = [finding("records.py", n, "warning" if n % 2 else "error") for n in range(1, 131)]
    notes = feedback.annotations_for(report(many), "", limit=120)
    assert len(notes) == 120
    assert notes[0]["annotation_level"] == "failure" and notes[-1]["annotation_level"] == "warning"
    assert [len(batch) for batch in feedback.batches(notes)] == [50, 50, 20]
    assert all(len(note["title"]) <= feedback.TITLE_LIMIT for note in notes)


def test_texts_stay_within_githubs_limits() -> None:
    huge = [
        Finding(path="records.py", line=n, code="X", message="m" * 5000, severity="error")
        for n in range(1, 200)
    ]
    graded = report(huge, score=0)
    review = feedback.review(graded, "", None, feedback.marker("s"))
    assert len(review.body) <= feedback.BODY_LIMIT
    assert len(feedback.check_output(graded)["summary"]) <= feedback.OUTPUT_LIMIT
    assert len(feedback.status_description(graded)) <= feedback.STATUS_LIMIT
    assert all(
        len(note["message"]) <= feedback.MESSAGE_LIMIT
        for note in feedback.annotations_for(graded, "", 500)
    )


def test_conclusions_follow_the_score_and_platform_faults() -> None:
    assert feedback.conclusion(report([], score=10)) == "success"
    assert feedback.conclusion(report([], score=9)) == "failure"
    provisional = report([], score=0, status="tool_error")
    assert (
        feedback.conclusion(provisional) == "neutral"
        and feedback.status_state(provisional) == "error"
    )
    assert feedback.status_description(report([], score=10)) == "10/10: full marks"
    assert feedback.status_description(report([], score=7)) == "7/10: points lost in Lint"
