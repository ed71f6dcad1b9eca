"""The similarity report: planted copies (renamed, reordered, reformatted) are found,
independent solutions and a shared starter are not; the sources kept at grading are bounded;
the console's pages are staff-only and record verdicts in the audit trail; the CLI compares
plain folders."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from console_support import COURSE, Course, migrated_database, seeded_course
from support import ROOT, WEEK01
from typer.testing import CliRunner

from grader.checks.rubric import load_rubric
from grader.cli.similarity import similarity_app
from grader.service.classroom.similarity import Boilerplate, Options, compare, pair_view
from grader.service.classroom.similarity_course import rubric_boilerplate
from grader.service.classroom.similarity_files import folder_sources, read_python_files
from grader.service.classroom.similarity_verdicts import ACTION, latest_verdicts, pair_target
from grader.service.jobs.services import Services
from grader.service.jobs.sources import keep_sources
from grader.service.store.sources import (
    MAX_BYTES,
    MAX_FILE_BYTES,
    MemorySourceStore,
    SourceStore,
    SqlSourceStore,
)

SAMPLES = WEEK01 / "samples"
PAGE = f"/console/courses/{COURSE}/assignments/week01/similarity"


class _Rename(ast.NodeTransformer):
    def __init__(self, keep: set[str]) -> None:
        self.keep = keep

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = node.id if node.id in self.keep else f"renamed_{node.id}"
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = node.arg if node.arg in self.keep else f"renamed_{node.arg}"
        return node


def disguised(text: str) -> str:
    """The code with every local name renamed, the functions in reverse order, comments gone
    and the layout remade (``ast.unparse``): what a student hiding a copy would do."""
    tree = ast.parse(text)
    keep = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            keep |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Assign) and node in tree.body:
            names = [node.name] if not isinstance(node, ast.Assign) else []
            names += [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            keep |= set(names)
    tree = _Rename(keep).visit(tree)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    tree.body = [node for node in tree.body if node not in functions] + functions[::-1]
    return ast.unparse(tree)


def sample(name: str) -> dict[str, str]:
    return folder_sources(SAMPLES / name)


def week01_boilerplate() -> Boilerplate:
    return rubric_boilerplate(load_rubric(WEEK01 / "rubric.yaml"))


# --- the report ------------------------------------------------------------------------------


def test_a_disguised_copy_is_found_and_independent_solutions_are_not() -> None:
    good = sample("good")
    sources = {
        "good": good,
        "copy": {"records.py": disguised(good["records.py"])},
        "partial": sample("partial"),
        "sloppy": sample("sloppy"),
    }
    report = compare(sources, week01_boilerplate())
    assert [(p.first, p.second) for p in report.pairs] == [("copy", "good")]
    pair = report.pairs[0]
    assert pair.first_in_second > 0.7 and pair.second_in_first > 0.7
    assert report.compared == 4


SAME_IN_EVERY_PROCESS = """
import sys
sys.path.insert(0, "tests")
from test_similarity import compare, disguised, sample, week01_boilerplate
good = sample("good")
report = compare({"good": good, "copy": {"records.py": disguised(good["records.py"])}},
                 week01_boilerplate())
print([(p.first, p.second, p.first_in_second, p.second_in_first) for p in report.pairs])
"""


def test_the_report_is_the_same_in_every_process() -> None:
    """Python's string hash is salted per process; the fingerprints must not be."""
    seen = {
        subprocess.run(
            [sys.executable, "-c", SAME_IN_EVERY_PROCESS],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1 and "copy" in seen.pop()


def test_the_shared_starter_is_boilerplate_not_similarity() -> None:
    starter = (WEEK01 / "starter" / "records.py").read_text(encoding="utf-8")
    own = {
        "amy": "\n\ndef extra(values):\n    return sorted({v * 2 for v in values if v})\n",
        "ben": "\n\ndef other(text):\n    words = text.split()\n    return len(words)\n",
    }
    sources = {name: {"records.py": starter + tail} for name, tail in own.items()}
    assert compare(sources, Boilerplate()).pairs  # the starter alone makes them look alike
    report = compare(sources, Boilerplate(starter={"records.py": starter}))
    assert report.pairs == []


def test_a_student_handing_in_the_reference_is_listed_apart() -> None:
    reference = folder_sources(WEEK01 / "reference")
    report = compare({"ref": reference, "good": sample("good")}, week01_boilerplate())
    assert report.pairs == []
    assert report.without_code == ["ref"]
    assert [near.student for near in report.near_reference] == ["ref"]


def test_the_pair_view_marks_matching_lines_on_both_sides() -> None:
    good = sample("good")
    copy = {"records.py": disguised(good["records.py"])}
    view = pair_view(("good", good), ("copy", copy), week01_boilerplate())
    assert view.pair.similarity > 0.7
    for side, files in ((good, view.first), (copy, view.second)):
        (file,) = files
        assert "".join(segment.text for segment in file.segments) == side["records.py"]
        assert file.lines and any(segment.matched for segment in file.segments)


def test_options_refuse_a_threshold_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="threshold"):
        Options(threshold=1.5)


# --- sources kept at grading -------------------------------------------------------------------


def test_kept_sources_leave_out_tests_binary_huge_undecodable_and_links(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(): pass\n")
    (tmp_path / "test_b.py").write_text("def test_b(): pass\n")
    (tmp_path / "main.py").write_text("print('kept')\n")
    (tmp_path / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (tmp_path / "binary.py").write_bytes(b"x = 1\0\n")
    (tmp_path / "latin.py").write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "link.py").symlink_to(tmp_path / "main.py")
    assert folder_sources(tmp_path) == {"main.py": "print('kept')\n"}


def test_kept_sources_stop_at_the_total_bound(tmp_path: Path) -> None:
    names = [f"m{index:02}.py" for index in range(8)]
    for name in names:
        (tmp_path / name).write_text("#" * (MAX_FILE_BYTES - 10) + "\n")
    kept = read_python_files(tmp_path, names)
    assert 0 < len(kept) < len(names)
    assert sum(len(text.encode()) for text in kept.values()) <= MAX_BYTES


class _Broken:
    def save_sources(self, submission_id: str, files: object) -> None:
        raise RuntimeError("the database is down")


def test_keeping_sources_never_fails_the_grading(tmp_path: Path) -> None:
    route = seeded_routes(tmp_path)
    (tmp_path / "repo" / "week01").mkdir(parents=True)
    (tmp_path / "repo" / "week01" / "records.py").write_text("print(1)\n")
    sub = cast("object", type("Sub", (), {"id": "s" * 32})())
    kept = MemorySourceStore()
    keep_sources(cast(Services, _services(kept)), sub, route, tmp_path / "repo")  # type: ignore[arg-type]
    assert kept.sources(["s" * 32]) == {"s" * 32: {"records.py": "print(1)\n"}}
    keep_sources(cast(Services, _services(_Broken())), sub, route, tmp_path / "repo")  # type: ignore[arg-type]


def _services(sources: object) -> object:
    return type("FakeServices", (), {"sources": sources})()


def seeded_routes(tmp_path: Path):  # type: ignore[no-untyped-def]
    from console_support import courses_yaml

    from grader.service.courses import load_courses

    route = load_courses(courses_yaml(tmp_path / "courses.yaml")).get("week01")
    assert route is not None
    return route


def test_the_sql_and_memory_stores_agree_and_refuse_the_same(tmp_path: Path) -> None:
    course = seeded_course(tmp_path, migrated_database(tmp_path))
    stores: list[SourceStore] = [SqlSourceStore(course.store.engine), MemorySourceStore()]
    first, second = course.ids["alice-week01"], course.ids["bob-week01"]
    for store in stores:
        store.save_sources(first, {"a.py": "old"})
        store.save_sources(first, {"a.py": "x = 1\n", "pkg/b.py": "y = 'é'\n"})
        store.save_sources(second, {})
        for bad in ({"a.py": "nul\0"}, {"a.py": "x" * (MAX_FILE_BYTES + 1)}, {"": "x"}):
            with pytest.raises(ValueError, match="sources of"):
                store.save_sources(second, bad)
    answers = [store.sources([first, second, "0" * 32]) for store in stores]
    assert (
        answers[0]
        == answers[1]
        == {first: {"a.py": "x = 1\n", "pkg/b.py": "y = 'é'\n"}, second: {}}
    )


# --- the console ---------------------------------------------------------------------------


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """The seeded course with week01's files kept: alice the good sample, bob a disguised
    copy of it, dave the sloppy one."""
    seeded = seeded_course(tmp_path, migrated_database(tmp_path))
    kept = MemorySourceStore()
    good = sample("good")
    kept.save_sources(seeded.ids["alice-week01"], good)
    kept.save_sources(seeded.ids["bob-week01"], {"records.py": disguised(good["records.py"])})
    kept.save_sources(seeded.ids["dave-week01"], sample("sloppy"))
    seeded.client.app.state.console.sources = kept  # type: ignore[attr-defined]
    return seeded


def test_staff_see_the_pairs_and_the_pair_side_by_side(course: Course) -> None:
    page = course.client.get(PAGE, headers=course.token("ta-tim"))
    assert page.status_code == 200
    assert f'href="{PAGE}/s1/s2"' in page.text
    assert "/gh%3Adave" not in page.text  # the sloppy sample is not a copy
    pair = course.client.get(f"{PAGE}/s1/s2", headers=course.token("prof"))
    assert pair.status_code == 200
    assert pair.text.count("<mark>") > 2
    assert "Bob &lt;b&gt;Bold&lt;/b&gt;" in pair.text


def test_a_student_and_another_courses_staff_are_refused(course: Course) -> None:
    for login in ("alice", "otherprof"):
        assert course.client.get(PAGE, headers=course.token(login)).status_code == 403
        assert course.client.get(f"{PAGE}/s1/s2", headers=course.token(login)).status_code == 403


def test_a_verdict_is_audited_and_shown(course: Course) -> None:
    csrf = course.sign_in("prof", {COURSE: "owner"})
    form = {"verdict": "confirmed", "reason": "same helper, renamed", "csrf_token": csrf}
    sent = course.client.post(f"{PAGE}/s2/s1/verdict", data=form)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?done=verdict")
    (entry,) = [e for e in course.course_store.audit(COURSE) if e.action == ACTION]
    assert (entry.target, entry.after, entry.actor) == ("week01/s1~s2", "confirmed", "prof")
    assert (
        latest_verdicts(course.course_store, COURSE, "week01")[
            pair_target("week01", "s2", "s1")
        ].reason
        == "same helper, renamed"
    )
    listed = course.client.get(PAGE)
    assert "verdict-confirmed" in listed.text
    again = course.client.post(f"{PAGE}/s1/s2/verdict", data={**form, "verdict": "dismissed"})
    assert again.status_code == 303
    entries = [e for e in course.course_store.audit(COURSE) if e.action == ACTION]
    assert (entries[0].before, entries[0].after) == ("confirmed", "dismissed")


def test_a_verdict_without_csrf_or_reason_is_refused(course: Course) -> None:
    csrf = course.sign_in("prof", {COURSE: "owner"})
    forged = course.client.post(
        f"{PAGE}/s1/s2/verdict", data={"verdict": "confirmed", "reason": "x"}
    )
    assert forged.status_code == 403
    empty = course.client.post(
        f"{PAGE}/s1/s2/verdict", data={"verdict": "maybe", "reason": " ", "csrf_token": csrf}
    )
    assert empty.status_code == 400 and "say why" in empty.text and "choose" in empty.text
    assert not [e for e in course.course_store.audit(COURSE) if e.action == ACTION]


def test_a_pair_without_kept_files_is_not_found(course: Course) -> None:
    answer = course.client.get(f"{PAGE}/s1/s3", headers=course.token("prof"))
    assert answer.status_code == 404


# --- the CLI -------------------------------------------------------------------------------


def test_the_cli_finds_the_planted_copy_among_folders(tmp_path: Path) -> None:
    good = sample("good")["records.py"]
    for name, text in {
        "amy": good,
        "ben": disguised(good),
        "cat": sample("sloppy")["records.py"],
        "[red]dan[/red]": sample("partial")["records.py"],
    }.items():
        (tmp_path / name / "week01").mkdir(parents=True)
        (tmp_path / name / "week01" / "records.py").write_text(text)
    result = CliRunner().invoke(
        similarity_app, ["folders", str(tmp_path), "--rubric", str(WEEK01), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"first": "amy"' in result.output and '"second": "ben"' in result.output
    assert "cat" not in result.output.split('"pairs"')[1].split('"near_reference"')[0]
    table = CliRunner().invoke(similarity_app, ["folders", str(tmp_path), "-r", str(WEEK01)])
    assert table.exit_code == 0 and "amy" in table.output
    missing = CliRunner().invoke(similarity_app, ["folders", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "nope" in missing.output
