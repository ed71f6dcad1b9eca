"""The similarity report of a course's assignment: whose code, what boilerplate, and a cache.

Each student's counted submission is the gradebook's (``Cell.submission``: the policy that
grades them picks it); its files are those kept at grading time (``store.sources``). The
boilerplate is the rubric folder's ``starter/`` and ``reference/`` (and any other folder a
benchmark names as its reference). A report depends only on those, so ``ReportCache`` keeps
the last few by (assignment, rubric digest, submission ids, options): a page viewed again, or
a pair opened from the list, costs nothing; a new counted submission computes it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.checks.rubric import LoadedRubric
from grader.errors import SubmissionPathError
from grader.rubric.model import Submission
from grader.service.classroom.gradebook import Gradebook
from grader.service.classroom.similarity import Boilerplate, Options, SimilarityReport, compare
from grader.service.classroom.similarity_files import folder_sources
from grader.service.courses import Route
from grader.service.store.sources import SourceStore

BOILERPLATE_FOLDERS = ("starter", "reference")
"""Folders of the rubric's folder that every student was given or is compared against."""
CACHED = 16
"""Reports kept in memory (each a list of pairs: small)."""


def rubric_boilerplate(loaded: LoadedRubric) -> Boilerplate:
    """The starter's and the reference's files of the rubric's folder (none when a folder is
    missing)."""
    folder = loaded.folder
    references = {folder / "reference"}
    for criterion in loaded.rubric.criteria:
        named = getattr(criterion, "reference", None)
        if isinstance(named, str):
            references.add(loaded.resolve(named))
    reference: dict[str, str] = {}
    for number, path in enumerate(sorted(references)):
        for name, text in _folder(path).items():
            reference[f"{number}/{name}" if number else name] = text
    return Boilerplate(_folder(folder / "starter"), reference)


def _folder(path: Path) -> dict[str, str]:
    try:
        return folder_sources(path) if path.is_dir() else {}
    except SubmissionPathError:
        return {}


@dataclass(frozen=True)
class Counted:
    """The assignment's counted submissions and their kept files, by student key."""

    submissions: dict[str, str]
    """Student key -> counted submission id."""
    files: dict[str, dict[str, str]]
    """Student key -> path -> text, for those whose files were kept."""

    @property
    def without_sources(self) -> list[str]:
        """Students with a counted submission whose files were not kept."""
        return sorted(set(self.submissions) - set(self.files))


def counted_sources(gradebook: Gradebook, route: Route, sources: SourceStore) -> Counted:
    """Each student's counted submission (the gradebook's) and its kept files."""
    submissions = {
        key: cell.submission.id
        for (assignment, key), cell in gradebook.cells.items()
        if assignment == route.id and cell.submission is not None
    }
    kept = sources.sources(list(submissions.values()))
    files = {key: kept[sid] for key, sid in submissions.items() if sid in kept}
    return Counted(submissions, files)


class ReportCache:
    """The last ``CACHED`` reports, computed once per key even when asked for at once."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self._reports: OrderedDict[Hashable, SimilarityReport] = OrderedDict()
        self._lock = threading.Lock()
        self._computing = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], SimilarityReport]) -> SimilarityReport:
        with self._lock:
            if key in self._reports:
                self._reports.move_to_end(key)
                return self._reports[key]
        with self._computing:  # one report at a time: each takes the CPU for seconds
            with self._lock:
                if key in self._reports:
                    return self._reports[key]
            report = compute()
            with self._lock:
                self._reports[key] = report
                while len(self._reports) > self.size:
                    self._reports.popitem(last=False)
        return report


def assignment_report(
    cache: ReportCache,
    route: Route,
    counted: Counted,
    options: Options,
) -> SimilarityReport:
    """The report of the counted submissions' kept files, from the cache when it has it."""
    key = (
        route.course,
        route.id,
        route.digest,
        tuple(sorted(counted.submissions.items())),
        options,
    )
    return cache.get(key, lambda: compare(counted.files, rubric_boilerplate(route.loaded), options))


def folders_sources(
    folders: Mapping[str, Path], spec: Submission | None = None
) -> dict[str, dict[str, str]]:
    """Each folder's Python files (not tests), by name (``grader batch``'s output, say): the
    rubric's ``submission.root`` inside it when given and present. ``SubmissionPathError``
    names a folder that cannot be read."""
    return {name: folder_sources(path, spec) for name, path in folders.items()}
