"""``GET /submissions/{id}``: a submission's state and report as JSON, for scripts.

Served with the console only: the viewer signs in or sends an API token; the course's
staff get the report whole, its author the student's view (``grader.report.redact``),
anyone else the 404 an unknown id gets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from grader.console.auth import Viewer, current_viewer, student_report, submission_access
from grader.console.context import ConsoleContext, console

router = APIRouter()


@router.get("/submissions/{submission_id}")
def submission(
    submission_id: str,
    viewer: Annotated[Viewer, Depends(current_viewer)],
    ctx: Annotated[ConsoleContext, Depends(console)],
) -> JSONResponse:
    return _submission(ctx, viewer, submission_id)


def _submission(console: ConsoleContext, viewer: Viewer, submission_id: str) -> JSONResponse:
    """The submission's state and report, for its course's staff or its author (else 404)."""
    try:
        access = submission_access(console, viewer, submission_id)
        sub = access.submission
        result = console.store.result(sub.id)
    except HTTPException as refused:
        return JSONResponse({"message": refused.detail}, status_code=refused.status_code)
    except SQLAlchemyError:
        return JSONResponse({"message": "the store does not answer"}, status_code=503)
    report = result.report if result is not None else None
    if report is not None and not access.staff:
        report = student_report(report)
    return JSONResponse(
        {
            "id": sub.id,
            "status": sub.status,
            "reason": sub.reason,
            "repository": sub.repository,
            "pull_number": sub.pull_number,
            "head_sha": sub.head_sha,
            "assignment": sub.assignment,
            "course": access.course,
            "author_login": sub.author_login,
            "attempts": sub.attempts,
            "score": sub.score,
            "max_score": sub.max_score,
            "created_at": sub.created_at.isoformat(),
            "finished_at": sub.finished_at.isoformat() if sub.finished_at else None,
            "check_run_id": sub.check_run_id,
            "view": "staff" if access.staff else "student",
            "report": report,
            "durations": result.durations if result is not None else None,
        }
    )
