"""The last gradebook of each course, kept while nothing it was built from has changed.

Building a gradebook reads every submission of the course (60,000 rows for 500 students x
12 assignments x 10 pushes: about a second). Pages ask for it on every view; between two
changes they get the one already built. The store's ``version`` of the course (its
submissions' count and newest update, its newest audit entry) is read first, a few
milliseconds: when it differs, the gradebook is built again. A change made while a
gradebook is being built leaves it keyed by the older version, so the next view rebuilds.
"""

from __future__ import annotations

import threading
from typing import Any

from grader.service.classroom.gradebook import Gradebook, build_gradebook
from grader.service.courses import Courses
from grader.service.store.course import CourseStore


class GradebookCache:
    """One gradebook per course (the newest built), reused while its version holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, tuple[tuple[Any, ...], Courses, Gradebook]] = {}

    def get(self, courses: Courses, course_id: str, store: CourseStore) -> Gradebook:
        """The course's gradebook as the store holds it now; raises ``KeyError`` for an
        unknown course (as ``build_gradebook`` does)."""
        routes = courses.course_routes(course_id)
        version = store.version(course_id, [route.id for route in routes])
        with self._lock:
            kept = self._built.get(course_id)
        if kept is not None and kept[0] == version and kept[1] is courses:
            return kept[2]
        gradebook = build_gradebook(courses, course_id, store)
        with self._lock:
            self._built[course_id] = (version, courses, gradebook)
        return gradebook
