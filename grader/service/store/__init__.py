"""The service's store: deliveries, submissions, attempts, results and what was posted to GitHub.

``Store`` (``protocol.py``) is what the service asks of it, in the plain frozen records
of ``records.py``. ``SqlStore`` (``sql.py``) keeps them in SQLite or PostgreSQL, on the
tables of ``tables.py``, the engine of ``engine.py`` and the Alembic migrations in
``migrations/`` (applied by ``migrate.py``); ``MemoryStore`` (``memory.py``) keeps them
in memory, for tests. ``tests/test_store.py`` holds both to the same contract.

The instructor console's data (roster, extensions, overrides, regrade requests, audit
trail, API tokens) is ``CourseStore`` (``course.py``), kept by ``SqlCourseStore``
(``course_sql.py``) in the same database; ``SqlCourseStore.beside(sql_store)`` builds one.
"""

from grader.service.store.course import CourseStore
from grader.service.store.course_sql import SqlCourseStore
from grader.service.store.memory import MemoryStore
from grader.service.store.protocol import Store
from grader.service.store.records import (
    ACTIVE,
    OUTDATED,
    RECLAIM_AFTER,
    Attempt,
    Clock,
    Delivery,
    NewSubmission,
    Publication,
    PublicationState,
    Result,
    Stored,
    Submission,
    SubmissionStatus,
    dedupe_key,
    regrade_of,
    utcnow,
)
from grader.service.store.sql import SqlStore

__all__ = [
    "ACTIVE",
    "OUTDATED",
    "RECLAIM_AFTER",
    "Attempt",
    "Clock",
    "CourseStore",
    "Delivery",
    "MemoryStore",
    "NewSubmission",
    "Publication",
    "PublicationState",
    "Result",
    "SqlCourseStore",
    "SqlStore",
    "Store",
    "Stored",
    "Submission",
    "SubmissionStatus",
    "dedupe_key",
    "regrade_of",
    "utcnow",
]
