"""The fair queue as students see it: each waiting push's place in line and an estimated
wait, shown on its queued check run.

The broker serves the queue this way (``grader.service.tasks``): interactive work (a
student's push) before bulk work (regrades, reruns, deferred pushes at the due date), and
within each, the courses' queues in turn (round-robin), oldest first within a course.
``places`` replays that order over the store's queued submissions; ``refresh`` edits the
queued check runs whose place changed, a bounded number per call, front of the line first,
so the updates stay well inside GitHub's write limits.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass

from grader.report.wording import plural
from grader.service.courses import LEGACY_COURSE, Courses
from grader.service.jobs.services import Services, log
from grader.service.store import Submission

PRIORITIES = ("interactive", "bulk")
MAX_UPDATES = 10
"""Check runs edited per refresh at most (a refresh runs every ``queue_refresh`` seconds)."""


@dataclass(frozen=True)
class Place:
    """Where a waiting submission stands."""

    position: int
    """1: next to be graded."""
    wait: float | None
    """Estimated seconds until its grading starts; None before any grading was timed."""

    def text(self) -> str:
        ordinal = "next in line" if self.position == 1 else f"number {self.position} in line"
        if self.wait is None:
            return f"Queued: {ordinal}"
        minutes = max(1, math.ceil(self.wait / 60))
        return f"Queued: {ordinal}, about {plural(minutes, 'minute')} to wait"


def course_of(courses: Courses, assignment: str) -> str:
    route = courses.get(assignment)
    return route.course if route is not None else LEGACY_COURSE


def service_order(queued: Iterable[Submission], courses: Courses) -> list[Submission]:
    """The order the workers take ``queued`` in (see the module's docstring)."""
    order: list[Submission] = []
    for priority in PRIORITIES:
        lines: OrderedDict[str, deque[Submission]] = OrderedDict()
        for sub in sorted(queued, key=lambda s: (s.enqueued_at or s.created_at, s.id)):
            if sub.priority == priority:
                lines.setdefault(course_of(courses, sub.assignment), deque()).append(sub)
        while lines:
            for course in list(lines):
                line = lines[course]
                order.append(line.popleft())
                if not line:
                    del lines[course]
    return order


def places(
    queued: Sequence[Submission], courses: Courses, *, slots: int, typical: float | None
) -> dict[str, Place]:
    """Each queued submission's place; ``slots`` gradings run at once, each ``typical``
    seconds long."""
    found: dict[str, Place] = {}
    for index, sub in enumerate(service_order(queued, courses)):
        wait = None if typical is None else math.ceil((index + 1) / max(1, slots)) * typical
        found[sub.id] = Place(index + 1, wait)
    return found


def refresh(
    services: Services, shown: MutableMapping[str, str], *, limit: int = MAX_UPDATES
) -> int:
    """Edit the queued check runs whose text changed since ``shown`` (at most ``limit``,
    front of the line first, while GitHub's write budget has room to spare); returns how
    many were edited."""
    queued = services.store.queued_work()
    where = places(
        queued,
        services.courses,
        slots=services.settings.grading_slots,
        typical=services.store.typical_grade_seconds(),
    )
    by_id = {sub.id: sub for sub in queued}
    for gone in set(shown) - set(where):
        del shown[gone]
    edited = 0
    for submission_id, place in sorted(where.items(), key=lambda item: item[1].position):
        sub = by_id[submission_id]
        text = place.text()
        if sub.check_run_id is None or sub.held or shown.get(sub.id) == text:
            continue
        if edited >= limit or not services.github.spare():  # a place in line is a spare write
            break
        services.github.update_check_run(
            sub.repository,
            sub.installation_id,
            sub.check_run_id,  # no status: a worker may have started it since the read
            output={"title": text, "summary": f"{text}. Your feedback follows when it is graded."},
        )
        shown[sub.id] = text
        edited += 1
    if edited:
        log.info("queue places shown", edited=edited, waiting=len(where))
    return edited
