"""A service with nothing real behind it: ``MemoryStore``, ``MemoryGitHub``, canned tarballs and reports.

``JobHarness`` runs the jobs (and the Celery tasks' bodies) in milliseconds: the
download is served from ``tarballs`` (real gzip, real safe extraction), grading
returns ``report`` (the golden sloppy report, with enough findings for two batches
of annotations), the sandbox is never opened, and the lease is an hour long, so the
renewal thread never beats during a test.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, WEEK01

from grader.checks.rubric import load_rubric
from grader.errors import FetchError
from grader.pipeline.grade import GradeOptions
from grader.report.model import Report
from grader.rubric.model import Limits
from grader.sandbox.protocol import Sandbox, Workspace
from grader.service import jobs
from grader.service.courses import Assignment, Courses, Route
from grader.service.github.fake import MemoryGitHub
from grader.service.jobs import grading
from grader.service.store import MemoryStore, NewSubmission
from grader.settings import ServiceSettings

REPOSITORY = "course/alice"
PULL = 7
ASSIGNMENT = "week01-generators"
HEAD = "a" * 40
DIFF = (
    "diff --git a/week01/records.py b/week01/records.py\n"
    "new file mode 100644\n"
    "--- /dev/null\n"
    "+++ b/week01/records.py\n"
    "@@ -0,0 +1,40 @@\n" + "".join(f"+line {n}\n" for n in range(1, 41))
)
"""The pull request adds ``week01/records.py``: findings on its first 40 lines go inline."""


def golden_report(copies: int = 4) -> Report:
    """The golden sloppy report, its lint findings repeated ``copies`` times (74 findings: two batches)."""
    data = json.loads(
        (ROOT / "tests/golden/reports/sloppy.report.json").read_text(encoding="utf-8")
    )
    for criterion in data["criteria"]:
        if criterion["id"] == "style":
            criterion["findings"] = criterion["findings"] * copies
    return Report.model_validate(data)


def tarball(files: dict[str, bytes], top: str = "course-alice-aaaaaaa") -> bytes:
    """A gzipped tarball as GitHub serves one: every entry under one top folder (``top=""``: none)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in files.items():
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


@dataclass
class JobHarness:
    """The ``Services`` bundle over in-memory parts, and what the stubs saw."""

    store: MemoryStore
    github: MemoryGitHub
    services: jobs.Services
    report: Report = field(default_factory=golden_report)
    tarballs: dict[str, bytes] = field(default_factory=dict)
    """Tarballs by URL (``github.tarball_url``): anything else is a permanent 404."""
    graded: list[dict[str, bytes]] = field(default_factory=list)
    """The files of each folder handed to grading (the folder itself is gone afterwards)."""
    while_grading: Callable[[], None] | None = None
    """Runs in the middle of grading (a push that supersedes the submission, say)."""
    options: list[GradeOptions] = field(default_factory=list)
    """The options each grading was handed (the student's own due date, say)."""

    def submit(self, head_sha: str = HEAD, **changes: Any) -> str:
        """Store a push of the pull request, with its tarball ready; returns its id."""
        new = NewSubmission(
            repository=REPOSITORY,
            pull_number=PULL,
            head_sha=head_sha,
            head_repository=REPOSITORY,
            head_ref="week01",
            base_sha="b" * 40,
            installation_id=3,
            assignment=ASSIGNMENT,
            rubric_path=str(WEEK01 / "rubric.yaml"),
            rubric_sha256="r" * 64,
        )
        new = replace(new, **changes)
        url = self.github.tarball_url(new.head_repository, head_sha)
        self.tarballs.setdefault(url, tarball({"week01/records.py": b"print('hi')\n"}))
        return self.store.add_submission(new).id

    def download(self, url: str, dest: Path, *, token: str | None, max_bytes: int) -> Path:
        """Stands in for ``grader.service.fetch.download``."""
        body = self.tarballs.get(url)
        if body is None:
            raise FetchError(f"GET {url}: 404", status=404, permanent=True)
        dest.write_bytes(body)
        return dest

    def grade_submission(
        self, repo: Path, _loaded: object, _sandbox: Sandbox, options: GradeOptions
    ) -> Report:
        """Stands in for ``grader.pipeline.grade.grade_submission``."""
        self.options.append(options)
        self.graded.append(
            {f.relative_to(repo).as_posix(): f.read_bytes() for f in repo.rglob("*") if f.is_file()}
        )
        if self.while_grading is not None:
            self.while_grading()
        return self.report


class _NoSandbox:
    """The sandbox the stubbed grading is handed and never opens."""

    def open(
        self,
        submission: Path,
        limits: Limits,
        services: tuple[object, ...] = (),
        image: object = None,
    ) -> AbstractContextManager[Workspace]:
        raise AssertionError("grading is stubbed: the sandbox is never opened")


def make_harness(tmp_path: Path, *, paths: tuple[str, ...] | None = None) -> JobHarness:
    """A harness whose one assignment is week 1 (changed ``paths`` required when given)."""
    loaded = load_rubric(WEEK01 / "rubric.yaml")
    assignment = Assignment(id=ASSIGNMENT, rubric=WEEK01 / "rubric.yaml", paths=paths)
    courses = Courses(tmp_path / "courses.yaml", (Route(assignment, loaded, "d" * 64),))
    store, github = MemoryStore(), MemoryGitHub()
    github.add_pull(REPOSITORY, PULL, DIFF)
    settings = ServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        public_url="https://grader.example",
    )

    services = jobs.Services(
        settings=settings,
        store=store,
        github=github,
        courses=courses,
        sandbox=_NoSandbox,
        lease=timedelta(hours=1),  # the renewal thread waits a third of it: never, in a test
    )
    return JobHarness(store, github, services)


def install(made: JobHarness, monkeypatch: pytest.MonkeyPatch) -> JobHarness:
    """Serve downloads from ``made.tarballs`` and grading from ``made.report``."""
    monkeypatch.setattr(grading, "download", made.download)
    monkeypatch.setattr(grading, "grade_submission", made.grade_submission)
    return made
