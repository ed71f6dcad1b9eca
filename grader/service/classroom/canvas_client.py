"""Talking to Canvas with canvasapi: read a ``CanvasSnapshot``, send grades, audit each push.

Requests go through canvasapi's own ``Requester`` and model classes (``Course``,
``Assignment``, ``Submission``); only its HTTP session is ours, a ``PacedSession`` that

- paces requests to at most ``canvas_requests_per_second`` (a bucket of one token: each
  request waits until ``1/rate`` seconds after the previous one), with an injected clock and
  sleep, so tests count the waits instead of waiting;
- retries what Canvas means as "later": 403 "Rate Limit Exceeded" (Canvas's throttle),
  429, and 500/502/503/504, at most ``retries`` times, waiting ``Retry-After`` when Canvas
  says, else 1, 2, 4... seconds (at most ``MAX_BACKOFF``). Every request here is safe to
  repeat: reads, and a PUT that sets a grade to a value.

Grades are sent one submission at a time (``Submission.edit``, ``PUT .../submissions/:user``)
rather than with ``submissions/update_grades``: each answer carries the score Canvas stored,
so a push reports exactly what landed and a failure touches one grade; the bulk endpoint
answers with a ``Progress`` to poll and reports failures for the whole job. After the first
push only changed grades go, a few requests each time; pacing keeps a large first push
within Canvas's throttle.

Canvas's answers become the grader's errors here: 401 (token), 403 (not allowed) and 404 for
the course are ``CanvasRejected`` (the configuration, exit 2); throttling or 5xx after the
retries, the network and anything unexpected are ``CanvasUnavailable`` (exit 3). A 404 for an
assignment is not an error: the snapshot leaves it out and the plan names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from canvasapi.course import Course as ApiCourse
from canvasapi.exceptions import (
    CanvasException,
    Forbidden,
    InvalidAccessToken,
    RateLimitExceeded,
    ResourceDoesNotExist,
    Unauthorized,
)
from canvasapi.requester import Requester
from canvasapi.submission import Submission as ApiSubmission

from grader.errors import CanvasRejected, CanvasUnavailable
from grader.service.classroom.canvas import (
    CanvasAssignment,
    CanvasSnapshot,
    CanvasStudent,
    GradeChange,
    Plan,
)
from grader.service.classroom.exports import number
from grader.service.courses import CanvasLink
from grader.service.store.course import CourseStore

RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 60.0
"""The longest wait before a retry, in seconds, whatever Retry-After says."""
AUDIT_NAMES = 40
"""The most students an audit entry names; the rest are counted."""


@dataclass
class Pace:
    """At most ``rate`` requests a second: a request waits until ``1/rate`` s after the last."""

    rate: float
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float | None = None

    def wait(self) -> None:
        now = self.monotonic()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1 / self.rate


class PacedSession(requests.Session):
    """A requests session that paces every request and retries Canvas's "try later"."""

    def __init__(self, pace: Pace, retries: int = 4) -> None:
        super().__init__()
        self.pace = pace
        self.retries = retries
        self.sent = 0
        """Requests sent, retries included."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            self.pace.wait()
            self.sent += 1
            response = super().request(method, url, *args, **kwargs)
            if attempt == self.retries or not _later(response):
                return response
            self.pace.sleep(_backoff(attempt, response))
        raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover


def _later(response: requests.Response) -> bool:
    """Whether Canvas asks to try again later: its throttle (403 or 429) or a server error."""
    if response.status_code == 403:
        return "rate limit exceeded" in response.text[:500].lower()
    return response.status_code in RETRIED


def _backoff(attempt: int, response: requests.Response) -> float:
    told = response.headers.get("Retry-After", "")
    try:
        wait = float(told) if told else 2.0**attempt
    except ValueError:  # an HTTP date: not worth parsing for a bounded wait
        wait = 2.0**attempt
    return min(max(wait, 0.0), MAX_BACKOFF)


class CanvasClient:
    """One Canvas course through canvasapi, paced and retried (see the module docstring)."""

    def __init__(
        self,
        link: CanvasLink,
        token: str,
        *,
        requests_per_second: float,
        retries: int = 4,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.link = link
        self.session = PacedSession(Pace(requests_per_second, monotonic, sleep), retries)
        self._requester = Requester(link.url.rstrip("/"), token.strip())
        self._requester._session = self.session  # canvasapi's HTTP, through our pacing
        self._course: Any = None

    @property
    def requests_sent(self) -> int:
        return self.session.sent

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def __enter__(self) -> CanvasClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self, canvas_ids: Iterable[int], *, with_email: bool) -> CanvasSnapshot:
        """The course's students and these assignments with their scores (an id Canvas does
        not know is left out)."""
        with _translated(self.link, "read the course"):
            course = self._the_course()
            include = ["email"] if with_email else []
            users = course.get_users(enrollment_type=["student"], include=include)
            students = tuple(_student(user) for user in users)
            assignments = {}
            for canvas_id in dict.fromkeys(canvas_ids):
                assignment = self._assignment(course, canvas_id)
                if assignment is not None:
                    assignments[canvas_id] = assignment
        return CanvasSnapshot(students, assignments)

    def _the_course(self) -> Any:
        if self._course is None:
            try:
                answer = self._requester.request("GET", f"courses/{self.link.course_id}")
            except ResourceDoesNotExist:
                raise CanvasRejected(
                    f"Canvas at {self.link.url} has no course {self.link.course_id} "
                    "(404): check canvas.course_id in courses.yaml"
                ) from None
            self._course = ApiCourse(self._requester, answer.json())
        return self._course

    def _assignment(self, course: Any, canvas_id: int) -> CanvasAssignment | None:
        try:
            found = course.get_assignment(canvas_id)
        except ResourceDoesNotExist:
            return None
        scores: dict[int, float | None] = {}
        excused = set()
        for submission in found.get_submissions():
            user = int(submission.user_id)
            score = getattr(submission, "score", None)
            scores[user] = float(score) if score is not None else None
            if getattr(submission, "excused", False):
                excused.add(user)
        points = getattr(found, "points_possible", None)
        return CanvasAssignment(
            id=int(found.id),
            name=str(getattr(found, "name", "")),
            points_possible=float(points) if points is not None else None,
            scores=scores,
            excused=frozenset(excused),
        )

    def send(self, change: GradeChange) -> float | None:
        """Set one grade; the score Canvas stored."""
        with _translated(self.link, f"set {change.student}'s grade for {change.assignment}"):
            ids = {
                "course_id": self.link.course_id,
                "assignment_id": change.canvas_assignment,
                "user_id": change.canvas_user,
            }
            edited = ApiSubmission(self._requester, ids).edit(
                submission={"posted_grade": change.posted_grade}
            )
            score = getattr(edited, "score", None)
            return float(score) if score is not None else None


@dataclass(frozen=True)
class PushResult:
    """What a push sent (with the score Canvas stored), the plan it followed, and the error
    that stopped it before the end (None: every change was sent)."""

    plan: Plan
    sent: tuple[tuple[GradeChange, float | None], ...]
    error: CanvasRejected | CanvasUnavailable | None = None


def push_plan(client: CanvasClient, plan: Plan, trail: CourseStore, actor: str) -> PushResult:
    """Send the plan's changes, assignment by assignment, until Canvas fails (the result's
    ``error``); each assignment's sent grades are one ``canvas.push`` audit entry, written
    even when a later send of that assignment failed."""
    sent: list[tuple[GradeChange, float | None]] = []
    by_assignment: dict[str, list[GradeChange]] = {}
    for change in plan.changes:
        by_assignment.setdefault(change.assignment, []).append(change)
    for assignment, changes in by_assignment.items():
        done: list[tuple[GradeChange, float | None]] = []
        try:
            for change in changes:
                done.append((change, client.send(change)))
        except (CanvasRejected, CanvasUnavailable) as exc:
            return PushResult(plan, tuple(sent + done), exc)
        finally:
            if done:
                _audit(trail, plan.course, actor, assignment, done, len(changes))
        sent.extend(done)
    return PushResult(plan, tuple(sent))


def _audit(
    trail: CourseStore,
    course: str,
    actor: str,
    assignment: str,
    done: list[tuple[GradeChange, float | None]],
    planned: int,
) -> None:
    """One entry: ``before`` and ``after`` name each student's grade (the first few)."""
    shown = done[:AUDIT_NAMES]
    more = f", and {len(done) - len(shown)} more" if len(done) > len(shown) else ""
    before = ", ".join(f"{c.student} {number(c.before) or 'none'}" for c, _ in shown) + more
    after = ", ".join(f"{c.student} {number(stored)}" for c, stored in shown) + more
    canvas_id = done[0][0].canvas_assignment
    reason = f"{len(done)} of {planned} grades sent to Canvas assignment {canvas_id}"
    trail.note(course, actor, "canvas.push", assignment, before=before, after=after, reason=reason)


@contextmanager
def _translated(link: CanvasLink, doing: str) -> Iterator[None]:
    """canvasapi's and requests' exceptions as ``CanvasRejected`` / ``CanvasUnavailable``."""
    where = f"Canvas at {link.url}"
    try:
        yield
    except (InvalidAccessToken, Unauthorized):
        raise CanvasRejected(
            f"{where} refused the token (401) to {doing}: check CANVAS_TOKEN"
        ) from None
    except RateLimitExceeded:
        raise CanvasUnavailable(f"{where} kept throttling (429) to {doing}; try later") from None
    except Forbidden as exc:
        if "rate limit" in str(exc).lower():
            raise CanvasUnavailable(f"{where} kept throttling to {doing}; try later") from None
        raise CanvasRejected(
            f"{where} forbids the token's user to {doing} (403): it needs a teacher's "
            "or TA's enrollment in the course"
        ) from None
    except ResourceDoesNotExist:
        raise CanvasUnavailable(f"{where} answered 404 to {doing}") from None
    except CanvasException as exc:
        raise CanvasUnavailable(f"{where} failed to {doing}: {exc}") from None
    except requests.RequestException as exc:
        raise CanvasUnavailable(f"cannot reach {where} to {doing}: {exc}") from None
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise CanvasUnavailable(f"{where} answered unexpectedly to {doing}: {exc!r}") from None


def _student(user: Any) -> CanvasStudent:
    def text(name: str) -> str | None:
        value = getattr(user, name, None)
        return str(value) if value not in (None, "") else None

    return CanvasStudent(
        id=int(user.id),
        name=text("name") or f"user {user.id}",
        sis_user_id=text("sis_user_id"),
        login_id=text("login_id"),
        email=text("email"),
    )
