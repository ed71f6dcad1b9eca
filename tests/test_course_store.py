"""The console's store (``SqlCourseStore``) on SQLite and PostgreSQL: roster, extensions,
overrides, regrade requests, the audit trail each change writes, API tokens, the reads of
submissions, and the migration that brings a database of the first schema forward.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobs_support import JobHarness
from service_support import ShiftedClock, postgres_database
from service_support import new_submission as new
from sqlalchemy import inspect, select, text

from grader.report.model import LateInfo
from grader.service import jobs
from grader.service.store import Result, SqlCourseStore, SqlStore, course_views
from grader.service.store.bulk import FinishedPush, insert_finished
from grader.service.store.course import Extension, Override, Student
from grader.service.store.migrate import upgrade
from grader.service.store.tables import ApiTokenRow

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
COURSE = "py101"
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'grader.db'}"
        return
    with postgres_database() as made:
        yield made


@pytest.fixture
def sql(url: str) -> Iterator[SqlStore]:
    """The submissions' store, migrated to the newest schema."""
    made = SqlStore(url, clock=ShiftedClock())
    made.migrate()
    yield made
    made.dispose()


@pytest.fixture
def store(sql: SqlStore) -> SqlCourseStore:
    """The console's store in the same database, on the same engine and clock."""
    return SqlCourseStore.beside(sql)


def student(key: str, login: str | None, name: str | None = None, **more: object) -> Student:
    fields = {"github_id": None, "student_id": key, "email": None, **more}
    return Student(course=COURSE, key=key, login=login, name=name, **fields)  # type: ignore[arg-type]


def graded(
    sql: SqlStore,
    sha: str,
    *,
    author: str | None,
    assignment: str = "week01",
    at: datetime = DUE,
    scores: tuple[float, float] | None = (6.0, 8.0),
) -> str:
    """A push by ``author`` submitted ``at``; graded (score, raw score) unless ``scores`` is None."""
    pushed = dataclasses.replace(
        new(sha, pull=None), assignment=assignment, author_login=author, submitted_at=at
    )
    submission_id = sql.add_submission(pushed).id
    if scores is not None:
        sql.claim(submission_id, "w1", timedelta(minutes=5))
        score, raw = scores
        assert sql.save_result(
            submission_id,
            Result(
                submission_id=submission_id,
                score=score,
                raw_score=raw,
                max_score=10,
                status="graded",
                report={"schema": "grader.report/v1", "score": score},
                rubric_sha256="r" * 64,
                image_digest=None,
                durations={},
                duration=1.0,
            ),
        )
    return submission_id


# --- roster --------------------------------------------------------------------------------


def test_a_roster_import_adds_then_updates_only_what_changed(store: SqlCourseStore) -> None:
    roster = [student("s2", "Bob", "bob b"), student("s1", "ALICE", "Alice A"), student("s3", None)]
    assert store.upsert_students(COURSE, roster, "cli:ta") == (3, 0)
    assert store.upsert_students(COURSE, roster, "cli:ta") == (0, 0)
    renamed = [student("s1", None, "Alice Adams", email="a@example.edu")]
    assert store.upsert_students(COURSE, renamed, "cli:ta") == (0, 1)
    alice = store.student(COURSE, "s1")
    assert alice is not None
    assert (alice.login, alice.name, alice.email) == ("alice", "Alice Adams", "a@example.edu")
    assert [s.key for s in store.students(COURSE)] == ["s1", "s2", "s3"]  # by name, unnamed last
    assert store.student_by_login(COURSE, "BOB") == store.student(COURSE, "s2")
    assert store.student_by_login("another-course", "bob") is None
    assert store.student(COURSE, "nobody") is None and store.student(COURSE, "x\0" * 300) is None
    entries = store.audit(COURSE)
    assert [(e.action, e.actor, e.target, e.after) for e in entries] == [
        ("roster.import", "cli:ta", "roster", "0 added, 1 updated"),
        ("roster.import", "cli:ta", "roster", "0 added, 0 updated"),
        ("roster.import", "cli:ta", "roster", "3 added, 0 updated"),
    ]


def test_a_login_held_by_another_student_is_refused_naming_both(store: SqlCourseStore) -> None:
    store.upsert_students(COURSE, [student("s1", "alice", "Alice A")], "ta")
    with pytest.raises(ValueError, match=r"'alice'.*s1 \(Alice A\).*s9 \(Mallory\)"):
        store.upsert_students(COURSE, [student("s9", "Alice", "Mallory")], "ta")
    with pytest.raises(ValueError, match="'s4' appears twice"):
        store.upsert_students(COURSE, [student("s4", None), student("s4", None)], "ta")
    with pytest.raises(ValueError, match="student 's5': name is 300 characters long; at most 255"):
        store.upsert_students(COURSE, [student("s5", None, "n" * 300)], "ta")
    with pytest.raises(ValueError, match="github_id"):
        store.upsert_students(COURSE, [student("s6", None, github_id=2**64)], "ta")
    assert [s.key for s in store.students(COURSE)] == ["s1"]
    assert len(store.audit(COURSE)) == 1  # the refused imports wrote nothing, not even audit


def test_logins_can_swap_and_unmatched_students_never_collide(store: SqlCourseStore) -> None:
    """The unique (course, login) index holds per statement: a swap in one import still works."""
    store.upsert_students(
        COURSE, [student("s1", "alice"), student("s2", "bob"), student("s3", None)], "ta"
    )
    assert store.upsert_students(COURSE, [student("s1", "bob"), student("s2", "alice")], "ta") == (
        0,
        2,
    )
    assert store.upsert_students(COURSE, [student("s4", None)], "ta") == (1, 0)
    by_key = {s.key: s.login for s in store.students(COURSE)}
    assert by_key == {"s1": "bob", "s2": "alice", "s3": None, "s4": None}
    store.upsert_students("other", [dataclasses.replace(student("o1", "alice"))], "ta")
    other = store.student_by_login("other", "alice")
    assert other is not None and other.course == "other" and other.key == "o1"


def test_matching_a_login_by_hand_is_audited_and_checked(store: SqlCourseStore) -> None:
    store.upsert_students(COURSE, [student("s1", None, "Ada"), student("s2", "bob", "Bob")], "ta")
    matched = store.match_login(COURSE, "s1", "Ada-L", "prof")
    assert matched.login == "ada-l" and store.student_by_login(COURSE, "ada-l") == matched
    store.match_login(COURSE, "s1", "ada2", "prof")
    with pytest.raises(KeyError, match="no student 'zz'"):
        store.match_login(COURSE, "zz", "carol", "prof")
    with pytest.raises(
        ValueError, match=r"'bob' belongs to s2 \(Bob\); cannot give it to s1 \(Ada\)"
    ):
        store.match_login(COURSE, "s1", "BOB", "prof")
    entries = [e for e in store.audit(COURSE) if e.action == "roster.match"]
    assert [(e.actor, e.target, e.before, e.after) for e in entries] == [
        ("prof", "s1", "login ada-l", "login ada2"),
        ("prof", "s1", None, "login ada-l"),
    ]


# --- extensions and overrides ----------------------------------------------------------------


def test_extensions_are_set_replaced_listed_removed_and_audited(store: SqlCourseStore) -> None:
    granted = Extension(COURSE, "week01", "s1", DUE, "illness", "prof", DUE - timedelta(days=2))
    store.set_extension(granted)
    later = dataclasses.replace(granted, due=DUE + timedelta(days=2), reason="more time")
    store.set_extension(later)
    store.set_extension(dataclasses.replace(granted, assignment="week02", student="s2"))
    assert store.extensions(COURSE) == [
        later,
        dataclasses.replace(granted, assignment="week02", student="s2"),
    ]
    assert store.extensions("other") == []
    assert store.remove_extension(COURSE, "week01", "s1", "ta")
    assert not store.remove_extension(COURSE, "week01", "s1", "ta")
    entries = [
        (e.action, e.actor, e.target, e.before, e.after, e.reason) for e in store.audit(COURSE)
    ]
    assert entries == [
        ("extension.remove", "ta", "week01/s1", "due 2026-12-03 23:59 UTC", None, None),
        ("extension.set", "prof", "week02/s2", None, "due 2026-12-01 23:59 UTC", "illness"),
        (
            "extension.set",
            "prof",
            "week01/s1",
            "due 2026-12-01 23:59 UTC",
            "due 2026-12-03 23:59 UTC",
            "more time",
        ),
        ("extension.set", "prof", "week01/s1", None, "due 2026-12-01 23:59 UTC", "illness"),
    ]


def test_overrides_keep_before_and_after_in_the_trail(store: SqlCourseStore) -> None:
    first = Override(COURSE, "week01", "s1", 72.5, "hand-graded essay", "prof", DUE)
    store.set_override(first)
    store.set_override(dataclasses.replace(first, score=80.0, reason="regrade"))
    [kept] = store.overrides(COURSE)
    assert (kept.score, kept.reason, kept.at) == (80.0, "regrade", DUE)
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="not a number of points"):
            store.set_override(dataclasses.replace(first, score=bad))
    with pytest.raises(ValueError, match="override: reason contains a NUL"):
        store.set_override(dataclasses.replace(first, reason="a\0b"))
    assert store.remove_override(COURSE, "week01", "s1", "ta")
    assert not store.remove_override(COURSE, "week01", "s1", "ta") and store.overrides(COURSE) == []
    entries = [(e.action, e.before, e.after, e.reason) for e in store.audit(COURSE)]
    assert entries == [
        ("override.remove", "score 80", None, None),
        ("override.set", "score 72.5", "score 80", "regrade"),
        ("override.set", None, "score 72.5", "hand-graded essay"),
    ]


# --- regrade requests and the audit trail -----------------------------------------------


def test_a_regrade_request_is_opened_and_answered_once(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    submission = graded(sql, "1" * 40, author="alice")
    opened = store.open_regrade_request(COURSE, submission, "Alice", "test 3 is wrong")
    assert (opened.status, opened.login, opened.response, opened.answered_at) == (
        "open",
        "alice",
        None,
        None,
    )
    answer = store.answer_regrade_request(opened.id, "accepted", "fixed the test", "prof")
    assert answer is not None and (answer.status, answer.response, answer.answered_by) == (
        "accepted",
        "fixed the test",
        "prof",
    )
    assert answer.answered_at is not None and answer.opened_at == opened.opened_at
    assert store.answer_regrade_request(opened.id, "declined", "no", "ta") is None
    assert store.answer_regrade_request(2**70, "declined", "no", "ta") is None
    with pytest.raises(ValueError, match="'open' is not one of accepted, declined"):
        store.answer_regrade_request(opened.id, "open", "no", "ta")
    with pytest.raises(KeyError, match="no submission"):
        store.open_regrade_request(COURSE, "no-such-submission", "alice", "please")
    entries = [
        (e.action, e.actor, e.target, e.before, e.after, e.reason) for e in store.audit(COURSE)
    ]
    assert entries == [
        ("regrade.answer", "prof", submission, "open", "accepted", "fixed the test"),
        ("regrade.open", "alice", submission, None, "open", "test 3 is wrong"),
    ]


def test_regrade_requests_are_listed_by_submission_and_by_student(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    one, two = graded(sql, "1" * 40, author="alice"), graded(sql, "2" * 40, author="bob")
    first = store.open_regrade_request(COURSE, one, "alice", "a")
    second = store.open_regrade_request(COURSE, two, "bob", "b")
    third = store.open_regrade_request(COURSE, one, "alice", "c")
    assert store.regrade_requests(COURSE) == [first, second, third]
    assert store.regrade_requests(COURSE, submission_id=one) == [first, third]
    assert store.regrade_requests(COURSE, login="BOB") == [second]
    assert store.regrade_requests("other") == []


def test_the_audit_trail_is_per_course_newest_first_and_bounded(store: SqlCourseStore) -> None:
    for n in range(5):
        store.set_override(Override(COURSE, f"week{n:02}", "s1", n, "r", "prof", DUE))
    store.set_override(Override("other", "week01", "s1", 1, "r", "prof", DUE))
    entries = store.audit(COURSE, limit=3)
    assert [e.target for e in entries] == ["week04/s1", "week03/s1", "week02/s1"]
    assert entries[0].id > entries[1].id and entries[0].course == COURSE
    assert entries[0].at.tzinfo is not None
    assert store.audit(COURSE, limit=-1) == [] and len(store.audit("other")) == 1


# --- API tokens ------------------------------------------------------------------------------


def test_tokens_keep_only_a_hash_and_stop_working_when_revoked(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    token, secret = store.create_token("Prof", "gradebook script")
    assert secret.startswith("grader_") and len(secret) >= 40
    assert (token.login, token.name, token.last_used_at, token.revoked_at) == (
        "prof",
        "gradebook script",
        None,
        None,
    )
    with sql.session() as session:
        [row] = session.scalars(select(ApiTokenRow)).all()
        kept = " ".join(str(getattr(row, column.name)) for column in ApiTokenRow.__table__.columns)
    assert secret not in kept and secret.removeprefix("grader_") not in kept
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert store.token_login(secret) == "prof"
    [used] = store.tokens("PROF")
    assert used.last_used_at is not None
    for wrong in (secret + "x", secret[:-1], "grader_" + "x" * 300, "", "Bearer " + secret):
        assert store.token_login(wrong) is None
    other, _ = store.create_token("ta", "ci")
    assert not store.revoke_token("prof", other.id)  # not theirs
    assert store.revoke_token("prof", token.id)
    assert not store.revoke_token("prof", token.id) and not store.revoke_token("prof", 2**70)
    assert store.token_login(secret) is None
    [revoked] = store.tokens("prof")
    assert revoked.revoked_at is not None
    with pytest.raises(ValueError, match="a login and a name"):
        store.create_token("prof", "  ")


# --- reading submissions ---------------------------------------------------------------------


def test_course_submissions_join_results_filter_and_order(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    late = graded(sql, "1" * 40, author="Alice", at=DUE + timedelta(hours=2))
    early = graded(sql, "2" * 40, author="bob", at=DUE - timedelta(days=1))
    queued = graded(sql, "3" * 40, author="alice", at=DUE, scores=None)
    graded(sql, "4" * 40, author="alice", assignment="week02")
    anonymous = graded(sql, "5" * 40, author=None, at=DUE + timedelta(days=1))
    rows = store.course_submissions(["week01"])
    assert [row.id for row in rows] == [early, queued, late, anonymous]
    by_id = {row.id: row for row in rows}
    assert (by_id[late].author_login, by_id[late].score, by_id[late].raw_score) == (
        "alice",
        6.0,
        8.0,
    )
    assert (by_id[late].status, by_id[late].max_score, by_id[late].pull_number) == (
        "graded",
        10,
        None,
    )
    assert by_id[late].finished_at is not None and by_id[late].submitted_at.tzinfo is not None
    assert (by_id[queued].status, by_id[queued].score, by_id[queued].raw_score) == (
        "queued",
        None,
        None,
    )
    assert [r.id for r in store.course_submissions(["week01"], logins=["ALICE"])] == [queued, late]
    assert len(store.course_submissions(["week01", "week02"], logins=["alice"])) == 3
    assert (
        store.course_submissions([]) == [] and store.course_submissions(["week01"], logins=[]) == []
    )
    assert store.submission_row(late) == by_id[late]
    assert store.submission_row("nope") is None and store.submission_row("x" * 1000) is None


def test_more_logins_than_an_in_list_holds_are_filtered_all_the_same(
    store: SqlCourseStore, sql: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(course_views, "CHUNK", 2)
    alice = graded(sql, "1" * 40, author="alice")
    graded(sql, "2" * 40, author="bob")
    carol = graded(sql, "3" * 40, author="carol")
    found = store.course_submissions(["week01"], logins=["alice", "carol", "dave"])
    assert [row.id for row in found] == [alice, carol]


def test_reports_are_read_in_chunks_by_id(
    store: SqlCourseStore, sql: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(course_views, "CHUNK", 2)
    ids = [graded(sql, str(n) * 40, author="alice") for n in range(5)]
    waiting = graded(sql, "a" * 40, author="alice", scores=None)
    found = store.reports([*ids, ids[0], waiting, "unknown", "x\0"])
    assert sorted(found) == sorted(ids)
    assert found[ids[0]] == {"schema": "grader.report/v1", "score": 6.0}
    assert store.reports([]) == {}


def test_changed_since_reads_what_was_stored_or_updated_after_the_last_read(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    """Every row at first, then the rows updated since the previous read less the slack (the
    previous read's own rows come once more), only of the assignments asked for; the count of
    all their rows and the course's newest audit entry each time."""
    assert isinstance(sql.clock, ShiftedClock)
    first = graded(sql, "1" * 40, author="Alice")
    graded(sql, "2" * 40, author="bob", assignment="week02")
    everything = store.changed_since(COURSE, ["week01"])
    assert everything.rows == store.course_submissions(["week01"])
    assert [row.id for row in everything.rows] == [first]
    assert (everything.count, everything.audited) == (1, None)

    sql.clock.advance(3 * course_views.CHANGE_SLACK)
    again = store.changed_since(COURSE, ["week01"], everything.watermark)
    assert [row.id for row in again.rows] == [first]  # updated just before the previous read
    quiet = store.changed_since(COURSE, ["week01"], again.watermark)
    assert (quiet.rows, quiet.count) == ([], 1)

    pushed = graded(sql, "3" * 40, author="alice", at=DUE - timedelta(days=1), scores=None)
    graded(sql, "4" * 40, author="bob", assignment="week02")
    store.upsert_students(COURSE, [student("s1", "alice")], actor="prof")
    news = store.changed_since(COURSE, ["week01"], quiet.watermark)
    assert [row.id for row in news.rows] == [pushed] and news.rows[0].status == "queued"
    assert news.count == 2 and news.audited == store.audit(COURSE)[0].id

    sql.clock.advance(3 * course_views.CHANGE_SLACK)
    store.changed_since(COURSE, ["week01"], news.watermark)
    sql.claim(pushed, "w1", timedelta(minutes=5))  # an update: the row comes back changed
    claimed = store.changed_since(COURSE, ["week01"], news.watermark)
    assert [(row.id, row.status) for row in claimed.rows] == [(pushed, "running")]


def test_changed_since_counts_rows_dated_far_from_its_clock_and_refuses_a_foreign_watermark(
    store: SqlCourseStore, sql: SqlStore
) -> None:
    """A row bulk-loaded with a time long past is outside the window: only the count tells."""
    graded(sql, "1" * 40, author="alice")
    read = store.changed_since(COURSE, ["week01"])
    insert_finished(
        sql.engine,
        [
            FinishedPush(
                repository="course/alice", pull_number=1, head_sha="9" * 40, assignment="week01",
                rubric_path="r.yaml", rubric_sha256="r" * 64, author_login="alice",
                author_id=None, submitted_at=DUE - timedelta(days=400), status="graded",
                score=3.0, raw_score=3.0, max_score=10.0, report=None,
            )
        ],
    )  # fmt: skip
    later = store.changed_since(COURSE, ["week01"], read.watermark)
    assert [row.author_login for row in later.rows] == ["alice"] and later.count == 2
    assert store.changed_since(COURSE, [], read.watermark).rows == []
    with pytest.raises(TypeError, match="watermark"):
        store.changed_since(COURSE, ["week01"], "yesterday")
    indexes = inspect(sql.engine).get_indexes("submissions")
    assert ["updated_at"] in [index["column_names"] for index in indexes]  # migration 0003


def test_the_views_dates_are_the_ones_the_orm_reads(store: SqlCourseStore, sql: SqlStore) -> None:
    """The views read dates without the ``UTCDateTime`` decorator: the same values, in UTC."""
    done = graded(sql, "1" * 40, author="alice", at=DUE + timedelta(microseconds=7))
    waiting = graded(sql, "2" * 40, author="alice", scores=None)
    rows = {row.id: row for row in store.changed_since(COURSE, ["week01"]).rows}
    for sid in (done, waiting):
        orm = sql.get(sid)
        assert orm is not None
        row = rows[sid]
        assert (row.submitted_at, row.created_at, row.finished_at) == (
            orm.submitted_at,
            orm.created_at,
            orm.finished_at,
        )
        assert row.submitted_at.tzinfo is UTC and row.created_at.tzinfo is UTC
    assert rows[waiting].finished_at is None and rows[done].finished_at is not None


@pytest.mark.parametrize(
    "text_date", ["2026-12-01 23:59:00.000007", "2026-12-01 23:59:00", "2026-12-02 01:59:00+02:00"]
)
def test_sqlite_dates_written_as_other_text_are_read_as_the_orm_reads_them(
    tmp_path: Path, text_date: str
) -> None:
    """Text SQLAlchemy did not write (another program, an old row) takes the slower path."""
    made = SqlStore(f"sqlite:///{tmp_path / 'grader.db'}")
    made.migrate()
    with made.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissions (id, repository, pull_number, head_sha, head_repository,"
                " assignment, rubric_path, rubric_sha256, submitted_at, regrade, status,"
                " created_at, updated_at, attempts) VALUES ('s1', 'course/alice', 7, :sha,"
                " 'alice/fork', 'week01', 'r.yaml', :rubric, :at, false, 'queued', :at, :at, 0)"
            ),
            {"sha": "a" * 40, "rubric": "r" * 64, "at": text_date},
        )
    [row] = SqlCourseStore.beside(made).course_submissions(["week01"])
    orm = made.get("s1")
    assert orm is not None and (row.submitted_at, row.created_at) == (
        orm.submitted_at,
        orm.created_at,
    )
    assert row.submitted_at == DUE + timedelta(microseconds=7 if "." in text_date else 0)
    assert row.submitted_at.tzinfo is UTC
    made.dispose()


def test_grading_saves_the_score_before_the_late_penalty(harness: JobHarness) -> None:
    """The worker's result keeps the criteria's total as ``raw_score`` beside the penalised score."""
    report = harness.report
    total = round(sum(criterion.score for criterion in report.criteria), 2)
    late = LateInfo(
        submitted_at=DUE + timedelta(days=1),
        due=DUE,
        days_late=1,
        penalty_percent=50,
        accepted=True,
    )
    harness.report = report.model_copy(update={"score": round(total / 2, 2), "late": late})
    sub_id = harness.submit()
    jobs.announce(harness.services, sub_id)
    assert jobs.grade(harness.services, sub_id) == "graded"
    result = harness.store.result(sub_id)
    assert result is not None and total > 0
    assert (result.raw_score, result.score) == (total, round(total / 2, 2))


# --- migration -------------------------------------------------------------------------------


def test_a_database_of_the_first_schema_migrates_keeping_its_rows(url: str) -> None:
    """0001 -> 0002: a submission and its result stay, with no author and no raw score."""
    old = SqlStore(url)
    upgrade(old.engine, "0001")
    with old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissions (id, repository, pull_number, head_sha, head_repository,"
                " assignment, rubric_path, rubric_sha256, submitted_at, regrade, status,"
                " created_at, updated_at, attempts, score, max_score) VALUES ('s1',"
                " 'course/alice', 7, :sha, 'alice/fork', 'week01', 'r.yaml', :rubric, :at, false,"
                " 'graded', :at, :at, 1, 5, 10)"
            ),
            {"sha": "a" * 40, "rubric": "r" * 64, "at": DUE},
        )
        connection.execute(
            text(
                "INSERT INTO results (submission_id, score, max_score, status, report,"
                " rubric_sha256, durations, duration, created_at)"
                " VALUES ('s1', 5, 10, 'graded', '{}', :rubric, '{}', 1.5, :at)"
            ),
            {"rubric": "r" * 64, "at": DUE},
        )
    old.migrate()
    sub, result = old.get("s1"), old.result("s1")
    assert sub is not None and (sub.head_sha, sub.score) == ("a" * 40, 5)
    assert (sub.author_login, sub.author_id) == (None, None)
    assert result is not None and (result.score, result.raw_score) == (5, None)
    course = SqlCourseStore.beside(old)
    [row] = course.course_submissions(["week01"])
    assert (row.id, row.author_login, row.score, row.raw_score) == ("s1", None, 5, None)
    store_after = old.add_submission(dataclasses.replace(new("b" * 40), author_login="Bob"))
    added = old.get(store_after.id)
    assert added is not None and added.author_login == "bob"
    old.dispose()
