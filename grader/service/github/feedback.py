"""Turn a report into what GitHub shows: check run output, annotations, review, status.

Pure functions: a report (and the pull request's diff) in, plain dicts and
strings shaped for GitHub's REST API out, every one within GitHub's limits
(see ``shared/github/GITHUB-LIMITS.md``). Nothing here touches the network.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.report.model import Finding, Report
from grader.report.render import render_markdown
from grader.report.wording import format_number

BODY_LIMIT = 65_536
"""Review and comment bodies (GitHub answers 422 above it)."""
OUTPUT_LIMIT = 65_535
"""Check run `output.summary` and `output.text`."""
STATUS_LIMIT = 140
"""Commit status `description`."""
ANNOTATIONS_PER_REQUEST = 50
TITLE_LIMIT = 255
MESSAGE_LIMIT = 4_000
"""Annotation messages are cut well below GitHub's 64 KB: they show inline."""
MAX_INLINE = 50
"""Inline review comments per review; further findings go in the body."""

Conclusion = Literal["success", "failure", "neutral", "cancelled", "skipped", "timed_out"]
StatusState = Literal["error", "failure", "pending", "success"]
_LEVEL = {"error": "failure", "warning": "warning", "info": "notice"}
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Located:
    """A finding at a path relative to the repository root."""

    path: str
    line: int
    finding: Finding
    criterion: str


@dataclass
class DiffLines:
    """The lines of each file a pull request's diff shows on its right (new) side."""

    lines: dict[str, set[int]] = field(default_factory=dict)

    def __contains__(self, place: tuple[str, int]) -> bool:
        path, line = place
        return line in self.lines.get(path, set())

    @property
    def paths(self) -> list[str]:
        return sorted(self.lines)


def parse_diff(diff: str) -> DiffLines:
    """Read a unified git diff: for every file, the new-side lines in its hunks.

    Inline review comments can only sit on those lines (added or context);
    a deleted file has none, and its path is still listed as changed.
    """
    reader = _DiffReader()
    for raw in diff.splitlines():
        reader.feed(raw)
    return reader.result


@dataclass
class _DiffReader:
    result: DiffLines = field(default_factory=DiffLines)
    path: str | None = None
    line: int = 0

    def feed(self, raw: str) -> None:
        if raw.startswith("diff --git "):
            self._file(_diff_path(raw))
        elif raw.startswith("+++ "):
            target = raw[4:].strip()
            if target != "/dev/null":
                self._file(target[2:] if target.startswith("b/") else target)
        elif (match := _HUNK.match(raw)) is not None:
            self.line = int(match.group(1))
        elif self.path is not None and self.line and raw[:1] in (" ", "+"):
            self.result.lines[self.path].add(self.line)
            self.line += 1

    def _file(self, path: str | None) -> None:
        self.path, self.line = path, 0
        if path is not None:
            self.result.lines.setdefault(path, set())


def _diff_path(header: str) -> str | None:
    match = re.match(r"^diff --git a/(.+) b/(.+)$", header)
    return match.group(2) if match else None


def located(report: Report, prefix: str) -> list[Located]:
    """Every finding with a line, its path made relative to the repository root."""
    prefix = prefix.strip("/")
    places: list[Located] = []

    def add(finding: Finding, criterion: str) -> None:
        if finding.line is None or finding.line < 1:
            return
        path = f"{prefix}/{finding.path}" if prefix else finding.path
        places.append(Located(path, finding.line, finding, criterion))

    for problem in report.submission.problems:
        add(problem, "submission")
    for criterion in report.criteria:
        for finding in criterion.findings:
            add(finding, criterion.title)
    order = {"error": 0, "warning": 1, "info": 2}
    places.sort(key=lambda place: (order[place.finding.severity], place.path, place.line))
    return places


def annotations_for(report: Report, prefix: str, limit: int) -> list[dict[str, Any]]:
    """Check run annotations, errors first, at most ``limit``."""
    return [
        {
            "path": place.path,
            "start_line": place.line,
            "end_line": place.line,
            "annotation_level": _LEVEL[place.finding.severity],
            "title": _cut(f"{place.criterion}: {place.finding.code}", TITLE_LIMIT),
            "message": _cut(place.finding.message, MESSAGE_LIMIT),
        }
        for place in located(report, prefix)[:limit]
    ]


def batches(
    items: list[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST
) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def conclusion(report: Report) -> Conclusion:
    """``success`` at full marks, ``neutral`` while a tool's failure makes it provisional,
    ``failure`` when points were lost."""
    if report.platform_failed:
        return "neutral"
    return "success" if report.score >= report.max_score else "failure"


def title(report: Report) -> str:
    return _cut(
        f"{format_number(report.score)} / {format_number(report.max_score)} · {report.rubric.title}",
        TITLE_LIMIT,
    )


def check_output(report: Report, note: str | None = None) -> dict[str, str]:
    """The check run's output: the Markdown report as its summary."""
    summary = render_markdown(report)
    if note:
        summary = f"> {note}\n\n{summary}"
    return {"title": title(report), "summary": _cut(summary, OUTPUT_LIMIT)}


def status_description(report: Report) -> str:
    """One line for the commit status, within GitHub's 140 characters."""
    lost = [c.title for c in report.criteria if c.lost_points]
    text = f"{format_number(report.score)}/{format_number(report.max_score)}"
    if not lost:
        return _cut(f"{text}: full marks", STATUS_LIMIT)
    return _cut(f"{text}: points lost in {', '.join(lost)}", STATUS_LIMIT)


def status_state(report: Report) -> StatusState:
    kind = conclusion(report)
    return "success" if kind == "success" else ("error" if kind == "neutral" else "failure")


@dataclass(frozen=True)
class Review:
    """A pull request review: the report as its body, findings on diff lines inline."""

    body: str
    comments: list[dict[str, Any]]


def review(
    report: Report, prefix: str, diff: DiffLines | None, marker: str, note: str | None = None
) -> Review:
    """Inline comments on the lines the diff shows; other findings listed in the body.

    ``marker`` is a hidden HTML comment naming the submission, so the service can
    recognise its own review and comment later; ``note`` (the feedback budget's line) goes
    first, quoted.
    """
    on_diff: dict[tuple[str, int], list[Located]] = defaultdict(list)
    elsewhere: list[Located] = []
    for place in located(report, prefix):
        key = (place.path, place.line)
        if diff is not None and key in diff and (key in on_diff or len(on_diff) < MAX_INLINE):
            on_diff[key].append(place)
        else:
            elsewhere.append(place)
    comments = [
        {"path": path, "line": line, "side": "RIGHT", "body": _comment(places)}
        for (path, line), places in on_diff.items()
    ]
    body = render_markdown(report)
    if note:
        body = f"> {note}\n\n{body}"
    if elsewhere:
        body += "\n" + _elsewhere(elsewhere)
    return Review(body=fit(body, marker), comments=comments)


def _comment(places: Iterable[Located]) -> str:
    lines = [
        f"**{place.criterion}** `{place.finding.code}`: {place.finding.message}" for place in places
    ]
    return _cut("\n\n".join(lines), MESSAGE_LIMIT)


def _elsewhere(places: list[Located], shown: int = 30) -> str:
    lines = ["<details><summary>Findings on lines this pull request does not change</summary>", ""]
    lines += [
        f"- `{place.path}:{place.line}` {place.criterion} `{place.finding.code}`: {_one_line(place.finding.message)}"
        for place in places[:shown]
    ]
    if len(places) > shown:
        lines.append(f"- … and {len(places) - shown} more (see the check run's annotations)")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def fit(body: str, marker: str) -> str:
    """A body with the marker first, cut to GitHub's limit."""
    note = (
        "\n\n_The rest was cut to fit on GitHub; the check run and the JSON report have it all._\n"
    )
    text = f"{marker}\n{body}"
    if len(text) <= BODY_LIMIT:
        return text
    return text[: BODY_LIMIT - len(note)] + note


def marker(submission_id: str) -> str:
    return f"<!-- grader:submission={submission_id} -->"


def message_note(text: str) -> dict[str, str]:
    """A check run output for a submission closed without a report."""
    return {
        "title": _cut(text.splitlines()[0] if text else "", TITLE_LIMIT),
        "summary": _cut(text, OUTPUT_LIMIT),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
