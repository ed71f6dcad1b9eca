"""Keep a graded submission's Python files for the similarity report.

Called by the grading job while the fetched repository is still on disk. The files are
those of the graded folder, found as grading found it, without the student's tests and
within the bounds of ``store.sources`` (``classroom.similarity_files`` says which and why).
A failure here never fails the grading: it is logged and the job goes on (``Exception``
only: an interruption still interrupts).
"""

from __future__ import annotations

from pathlib import Path

from grader.service.classroom.similarity_files import folder_sources
from grader.service.courses import Route
from grader.service.jobs.services import Services, log
from grader.service.store import Submission


def keep_sources(services: Services, sub: Submission, route: Route, repo: Path) -> None:
    """Save the graded folder's Python files for the submission, when sources are kept
    (``services.sources``); log and go on when anything goes wrong."""
    if services.sources is None:
        return
    try:
        files = folder_sources(repo, route.loaded.rubric.submission)
        services.sources.save_sources(sub.id, files)
    except Exception:  # the report loses one submission; the grade must not
        log.warning("sources not kept", submission_id=sub.id, exc_info=True)
        return
    log.info("sources kept", files=len(files))
