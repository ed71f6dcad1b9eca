"""Roster CSVs: GitHub Classroom's export and a plain CSV become students; every problem is
named by line and column, and the door is bounded."""

from __future__ import annotations

import pytest

from grader.errors import InputError, RosterError
from grader.service.classroom.roster import (
    MAX_BYTES,
    MAX_ROWS,
    parse_roster,
    unmatched_logins,
)
from grader.service.store.course import Student


def _problems(data: bytes) -> list[str]:
    with pytest.raises(RosterError) as caught:
        parse_roster(data, "c1")
    return caught.value.problems


def test_github_classroom_export_is_read() -> None:
    """Classroom's columns: identifier is the key, the login lowercased, github_id a number;
    a student not yet linked has no login."""
    data = (
        b'"identifier","github_username","github_id","name"\n'
        b'"s001","Ada-L","1234","Ada Lovelace"\n'
        b'"s002","","","Bob"\n'
    )
    ada, bob = parse_roster(data, "c1")
    assert ada == Student("c1", "s001", "ada-l", 1234, "s001", "Ada Lovelace", None)
    assert bob == Student("c1", "s002", None, None, "s002", "Bob", None)


def test_plain_csv_with_any_case_header_bom_and_crlf() -> None:
    """A plain roster's header is matched case-insensitively; a BOM and CRLF lines are fine;
    a student without an id is keyed by login."""
    data = (
        "\ufeffStudent_ID,Name,EMAIL,GitHub_Login\r\n"
        "42,Zoë Müller,zoe@example.org,ZoeM\r\n"
        ",Carl,,carl-c\r\n"
    ).encode()
    zoe, carl = parse_roster(data, "c1")
    assert zoe == Student("c1", "42", "zoem", None, "42", "Zoë Müller", "zoe@example.org")
    assert carl.key == "gh:carl-c"
    assert carl.student_id is None


def test_name_and_email_are_optional_columns() -> None:
    """A plain roster may list only logins."""
    [student] = parse_roster(b"github_login\nsomeone\n", "c1")
    assert student.key == "gh:someone"


def test_every_problem_is_named_by_line_and_column() -> None:
    """Bad logins, ids and e-mails are all reported at once, each with its line and column."""
    data = (
        b"identifier,github_username,github_id,name\n"
        b"s1,ok-login,12,A\n"
        b"s2,-bad,abc,B\n"
        b"s3,also_bad,7,C\n"
    )
    problems = _problems(data)
    assert "roster.csv line 3, column github_username: '-bad' is not a GitHub login" in problems
    assert "roster.csv line 3, column github_id: 'abc' is not a number" in problems
    assert "roster.csv line 4, column github_username: 'also_bad' is not a GitHub login" in problems
    assert len(problems) == 3


def test_duplicate_keys_and_logins_are_refused() -> None:
    """A key or login appearing twice names both lines (logins compared lowercased)."""
    data = b"student_id,github_login\n1,amy\n2,AMY\n1,zed\n"
    problems = _problems(data)
    assert problems == [
        "roster.csv line 3, column github_login: 'amy' appears twice (first on line 2)",
        "roster.csv line 4, column student_id: '1' appears twice (first on line 2)",
    ]


def test_unknown_header_names_the_expected_columns() -> None:
    """An unknown column is refused with the columns that were expected."""
    [problem] = _problems(b"student_id,phone\n1,555\n")
    assert "line 1: unknown column 'phone'" in problem
    assert "student_id, name, email, github_login" in problem
    assert "identifier, github_username, github_id, name" in problem


def test_header_without_id_or_login_is_refused() -> None:
    assert _problems(b"name,email\nA,a@example.org\n") == [
        "roster.csv line 1: no column student_id or github_login"
    ]


def test_row_without_key_or_login_and_wrong_field_count() -> None:
    """A row needs an id or a login; a row with too many fields is named."""
    problems = _problems(b"student_id,name,github_login\n,Nobody,\n1,A,a,extra\n")
    assert problems == [
        "roster.csv line 2: neither student_id nor github_login; a student needs one",
        "roster.csv line 3: 4 fields, the header has 3",
    ]


def test_a_key_may_not_pose_as_a_login_key() -> None:
    """Keys starting with gh: are the pseudo-students' own."""
    [problem] = _problems(b"student_id,github_login\ngh:eve,eve\n")
    assert "column student_id: 'gh:eve' may not start with 'gh:'" in problem


def test_not_utf8_nul_and_empty_files_are_refused() -> None:
    """Latin-1 text names its line; a NUL byte names its line; an empty file asks for a header."""
    assert "line 2: not UTF-8" in _problems(b"student_id\n\xe9t\xe9\n")[0]
    assert "line 3: a NUL byte" in _problems(b"student_id\n1\n2\0\n")[0]
    assert "the file is empty" in _problems(b"\n\n")[0]


def test_size_and_row_count_are_bounded() -> None:
    """Over 2 MiB is refused unread; over 10,000 students is refused."""
    assert "at most 2,097,152" in _problems(b"x" * (MAX_BYTES + 1))[0]
    rows = b"".join(b"%d\n" % number for number in range(MAX_ROWS + 1))
    assert _problems(b"student_id\n" + rows)[-1].endswith("split the roster")


def test_bad_quoting_is_a_csv_problem_not_a_traceback() -> None:
    [problem] = _problems(b'student_id,name\n1,"unterminated\n')
    assert problem.startswith("roster.csv line ")
    assert "not valid CSV" in problem


def test_message_lists_twenty_problems_and_counts_the_rest() -> None:
    """The error is an InputError whose text shows 20 problems and 'and N more'."""
    data = b"github_login\n" + b"".join(b"bad_%d\n" % n for n in range(25))
    with pytest.raises(InputError) as caught:
        parse_roster(data, "c1", name="class.csv")
    lines = str(caught.value).splitlines()
    assert len(lines) == 21
    assert lines[0].startswith("class.csv line 2, column github_login")
    assert lines[-1] == "... and 5 more"


def test_unmatched_logins_are_the_submitters_not_on_the_roster() -> None:
    roster = parse_roster(b"github_login\nann\nbo\n", "c1")
    assert unmatched_logins(roster, ["ANN", "cy", "cy", "dee", ""]) == ["cy", "dee"]
