"""What a regrade changes, and which hidden tests cannot make up their mind.

``preview``: per student, the score of the submission a regrade replaces and the regrade's,
the difference, and the tests whose outcome changed (hidden ones included: the preview is
for staff), with how many of the batch's submissions are graded, still grading or failed.
``flaky_tests``: a hidden test whose outcome differs between two gradings of identical code
(the same commit against the same rubric: a regrade with an unchanged rubric, a rerun) is
flaky, whatever the student wrote.

Pure functions over records and the stored ``grader.report/v1`` JSON, read field by field
(a malformed entry is skipped, never an error), as ``insights`` reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.service.store.records import ACTIVE, Submission

Reports = Mapping[str, Mapping[str, Any]]
"""Stored reports by submission id."""
TestKey = tuple[str, str]
"""(criterion id, test name): a test of a rubric."""
GRADED = ("graded", "reverted", "discarded")
"""Statuses of a submission whose result was saved (a discarded preview was graded too)."""
EXAMPLES = 5
"""Submissions named per flaky test."""


@dataclass(frozen=True)
class TestChange:
    """One test whose outcome differs between the original and its regrade."""

    __test__ = False  # not a pytest test class, despite the name

    criterion: str
    name: str
    hidden: bool
    before: str | None
    """The original's outcome; None: the test did not exist then."""
    after: str | None
    """The regrade's outcome; None: the test is gone."""


@dataclass(frozen=True)
class PreviewLine:
    """One student's regrade."""

    student: str
    """The author's login."""
    member: Submission
    """The regrade."""
    original: Submission | None
    """The submission it replaces (None when that is gone)."""
    old: float | None
    new: float | None
    delta: float | None
    """``new - old`` rounded to hundredths; None until both are known."""
    changes: tuple[TestChange, ...]

    @property
    def state(self) -> str:
        """``graded``, ``grading`` (queued or running) or the member's other status."""
        return "grading" if self.member.status in ACTIVE else self.member.status


@dataclass(frozen=True)
class Preview:
    """A batch's regrades, students in login order, and how far grading got."""

    lines: tuple[PreviewLine, ...]
    graded: int
    pending: int
    """Queued or running."""
    failed: int
    """Neither graded nor pending (the platform failed, the archive was refused...)."""

    @property
    def changed(self) -> int:
        """Students whose score changes."""
        return sum(1 for line in self.lines if line.delta)

    @property
    def finished(self) -> bool:
        return self.pending == 0


def preview(
    members: Sequence[Submission], originals: Mapping[str, Submission], reports: Reports
) -> Preview:
    """The preview of a batch's ``members`` (``originals`` and ``reports`` by submission id:
    the submissions they replace, and the reports of both)."""
    lines = sorted(
        (_line(member, originals.get(member.replaces or ""), reports) for member in members),
        key=lambda line: (line.student, line.member.id),
    )
    pending = sum(1 for member in members if member.status in ACTIVE)
    graded = sum(1 for member in members if member.status in GRADED)
    return Preview(tuple(lines), graded, pending, len(members) - graded - pending)


def _line(member: Submission, original: Submission | None, reports: Reports) -> PreviewLine:
    graded = member.status in GRADED
    new = member.score if graded else None
    old = original.score if original is not None else None
    delta = round(new - old, 2) if new is not None and old is not None else None
    login = member.author_login or (original.author_login if original else None) or ""
    changes = _changes(reports, original.id if original else None, member.id if graded else None)
    return PreviewLine(login, member, original, old, new, delta, changes)


def _changes(reports: Reports, before: str | None, after: str | None) -> tuple[TestChange, ...]:
    """The tests that changed between two submissions' reports; none when one is missing."""
    old = reports.get(before) if before is not None else None
    new = reports.get(after) if after is not None else None
    return changed_tests(old, new) if old is not None and new is not None else ()


def test_outcomes(report: Mapping[str, Any]) -> dict[TestKey, tuple[str, bool]]:
    """Each test's outcome and whether it is hidden, by (criterion, name)."""
    found: dict[TestKey, tuple[str, bool]] = {}
    criteria = report.get("criteria")
    for criterion in criteria if isinstance(criteria, list) else ():
        if not isinstance(criterion, Mapping):
            continue
        tests = criterion.get("tests")
        for test in tests if isinstance(tests, list) else ():
            if isinstance(test, Mapping) and isinstance(test.get("name"), str):
                key = (str(criterion.get("id", "")), test["name"])
                found[key] = (str(test.get("outcome", "")), bool(test.get("hidden", False)))
    return found


def changed_tests(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[TestChange, ...]:
    """The tests whose outcome differs between two reports (added and removed ones too)."""
    old, new = test_outcomes(before), test_outcomes(after)
    changes = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was is not None and now is not None and was[0] == now[0]:
            continue
        hidden = (now or was or ("", False))[1]
        changes.append(
            TestChange(key[0], key[1], hidden, was[0] if was else None, now[0] if now else None)
        )
    return tuple(changes)


# --- flaky hidden tests ----------------------------------------------------------------------


@dataclass(frozen=True)
class FlakyTest:
    """A hidden test that passed and failed on identical code."""

    criterion: str
    name: str
    gradings: int
    """Gradings of the commits where it changed its mind."""
    commits: int
    """Commits (with one rubric) where it did."""
    outcomes: tuple[str, ...]
    """Every outcome it gave there, sorted."""
    examples: tuple[str, ...]
    """Some of those gradings' submission ids."""


def identical_gradings(submissions: Iterable[Submission]) -> list[list[Submission]]:
    """Groups of two or more graded submissions of the same commit and rubric: the
    gradings whose reports ``flaky_tests`` compares (only those need reading)."""
    groups: dict[tuple[str, str], list[Submission]] = defaultdict(list)
    for sub in submissions:
        if sub.status in GRADED:
            groups[(sub.head_sha, sub.rubric_sha256)].append(sub)
    return [group for group in groups.values() if len(group) > 1]


def flaky_tests(groups: Iterable[Sequence[Submission]], reports: Reports) -> list[FlakyTest]:
    """The hidden tests whose outcome differs within a group of identical gradings, most
    gradings first."""
    seen: dict[TestKey, list[tuple[str, str]]] = defaultdict(list)  # (submission, outcome)
    commits: dict[TestKey, int] = defaultdict(int)
    for group in groups:
        for key, found in _hidden_outcomes(group, reports).items():
            if len({outcome for _, outcome in found}) > 1:
                seen[key] += found
                commits[key] += 1
    flaky = [
        FlakyTest(
            criterion=key[0],
            name=key[1],
            gradings=len(found),
            commits=commits[key],
            outcomes=tuple(sorted({outcome for _, outcome in found})),
            examples=tuple(sid for sid, _ in found[:EXAMPLES]),
        )
        for key, found in seen.items()
    ]
    flaky.sort(key=lambda test: (-test.gradings, test.criterion, test.name))
    return flaky


def _hidden_outcomes(
    group: Sequence[Submission], reports: Reports
) -> dict[TestKey, list[tuple[str, str]]]:
    """Each hidden test's (submission id, outcome) across one group's reports."""
    outcomes: dict[TestKey, list[tuple[str, str]]] = defaultdict(list)
    for sub in group:
        report = reports.get(sub.id)
        for key, (outcome, hidden) in (test_outcomes(report) if report else {}).items():
            if hidden:
                outcomes[key].append((sub.id, outcome))
    return outcomes
