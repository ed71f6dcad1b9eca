"""Rubric loading: every problem names the file, line, column and field, with the near miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import ROOT, WEEK01

from grader.checks.registry import Rubric
from grader.checks.rubric import load_rubric
from grader.cli import rubric_json_schema
from grader.errors import RubricError

GOOD = """\
id: demo
title: Demo
criteria:
  - {id: style, kind: lint, points: 10}
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "rubric.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_week01_rubric_loads_with_its_digest() -> None:
    """A valid rubric loads, and its sha256 is the digest of the file's bytes."""
    import hashlib

    loaded = load_rubric(WEEK01 / "rubric.yaml")
    assert loaded.rubric.id == "week01-generators"
    assert loaded.rubric.max_score == 100
    assert loaded.sha256 == hashlib.sha256((WEEK01 / "rubric.yaml").read_bytes()).hexdigest()


def test_a_misspelt_field_names_line_column_and_the_near_miss(tmp_path: Path) -> None:
    """`pionts` is reported at its own line and column, with `points` suggested."""
    path = write(
        tmp_path,
        "id: demo\ntitle: Demo\ncriteria:\n  - id: style\n    kind: lint\n    pionts: 10\n",
    )
    found = problems(path)
    assert (
        f"{path}:6:5: criteria[0].pionts: unknown field 'pionts'; did you mean 'points'?" in found
    )
    assert f"{path}:4:5: criteria[0]: missing required field 'points'" in found


def test_an_unknown_kind_suggests_the_nearest(tmp_path: Path) -> None:
    """A criterion kind that does not exist lists the kinds and suggests the near one."""
    path = write(tmp_path, GOOD.replace("kind: lint", "kind: lnit"))
    [message] = problems(path)
    assert message.startswith(f"{path}:4:23: criteria[0].kind: 'lnit' is not one of tests, lint")
    assert message.endswith("did you mean 'lint'?")


def test_a_bad_enum_value_is_located_and_suggested(tmp_path: Path) -> None:
    """A misspelt visibility points at the value and suggests the right word."""
    (tmp_path / "tests").mkdir()
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: tests\n    visibility: hiden\n",
    )
    [message] = problems(path)
    assert (
        message
        == f"{path}:8:17: criteria[0].visibility: 'hiden' is not one of visible, names, hidden, after_due; did you mean 'hidden'?"
    )


def test_nested_mappings_suggest_from_their_own_model(tmp_path: Path) -> None:
    """Unknown keys inside `per_test` and `submission` are matched against those models' fields."""
    (tmp_path / "tests").mkdir()
    text = "id: d\ntitle: D\nsubmission: {requierd: [a.py]}\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: tests\n    per_test:\n      '*lazy*': {wieght: 2}\n"
    found = problems(write(tmp_path, text))
    assert any(
        "submission.requierd: unknown field 'requierd'; did you mean 'required'?" in line
        for line in found
    )
    assert any(
        ":10:18: criteria[0].per_test.*lazy*.wieght: unknown field 'wieght'; did you mean 'weight'?"
        in line
        for line in found
    )


def test_a_missing_test_folder_is_an_error_at_its_line(tmp_path: Path) -> None:
    """A `tests` path that does not exist beside the rubric is reported where it is written."""
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n  - id: t\n    kind: tests\n    points: 1\n    tests: nowhere/\n",
    )
    [message] = problems(path)
    assert message.startswith(f"{path}:7:12: criteria[0].tests: tests 'nowhere/': does not exist")


def test_the_paths_of_benchmark_and_test_quality_are_checked_at_their_lines(
    tmp_path: Path,
) -> None:
    """A benchmark's reference and input file, and a test_quality's faults, must be there."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "faults").mkdir()  # empty: no fault folders in it
    path = write(
        tmp_path,
        "id: d\ntitle: D\ncriteria:\n"
        '  - {id: b, kind: benchmark, points: 1, call: "m:f", inputs: "gen.py:make", sizes: [1], max_ratio: 2}\n'
        "  - {id: q, kind: test_quality, points: 1, faults: faults}\n",
    )
    messages = problems(path)
    assert [message.split(": ", 2)[1:] for message in messages] == [
        [
            "criteria[0].inputs",
            f"inputs 'gen.py': does not exist (looked for {tmp_path / 'gen.py'})",
        ],
        [
            "criteria[1].faults",
            f"faults 'faults': holds no fault folders (one subfolder per faulty implementation) (looked for {tmp_path / 'faults'})",
        ],
    ]
    assert messages[0].startswith(f"{path}:4:")


def test_duplicate_keys_are_reported_not_silently_overwritten(tmp_path: Path) -> None:
    """YAML would keep the second of two equal keys; the loader says so."""
    path = write(tmp_path, GOOD + "title: Again\n")
    assert f"{path}:5:1: title: key 'title' appears twice; the second would win" in problems(path)


def test_duplicate_criterion_ids_are_rejected(tmp_path: Path) -> None:
    """Two criteria with one id would make reports ambiguous."""
    path = write(tmp_path, GOOD + "  - {id: style, kind: types, points: 5}\n")
    [message] = problems(path)
    assert "criterion id 'style' is used twice" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: [unclosed\n", "not valid YAML"),
        ("", "the file is empty"),
        (b"id: caf\xe9\n", "not UTF-8 text (byte 0xe9)"),
        ("- just\n- a list\n", "Input should be a valid dictionary"),
        ("id: d\ntitle: D\ncriteria: []\n", "at least 1 item"),
        (
            "id: d\ntitle: D\nlimits: {memory: lots}\ncriteria:\n  - {id: s, kind: lint, points: 1}\n",
            "limits.memory",
        ),
        (
            "id: d\ntitle: D\ncriteria:\n  - {id: s, kind: lint, points: -1}\n",
            "greater than or equal to 0",
        ),
        (
            "id: d\ntitle: D\ncriteria:\n  - {id: s, kind: lint, points: 1}\nlate: {due: 2026-12-01T00:00:00, penalty_per_day: 5, max_days: 1}\n",
            "timezone",
        ),
    ],
)
def test_malformed_rubrics_get_a_clear_message(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    """Each kind of broken rubric raises RubricError naming the file and the problem."""
    path = write(tmp_path, content)
    found = problems(path)
    assert any(expected in line and str(path) in line for line in found), found


def test_a_missing_file_and_a_folder_are_input_errors(tmp_path: Path) -> None:
    """Pointing at nothing, or at a folder, is explained rather than crashing."""
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    assert "is a folder" in problems(tmp_path)[0]


def test_the_shipped_schema_is_in_sync_with_the_models() -> None:
    """rubrics/schema.json is exactly what `grader rubric schema` prints today."""
    shipped = json.loads((ROOT / "rubrics" / "schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(rubric_json_schema()))


def test_every_schema_field_has_a_description() -> None:
    """Editors show a description for every field an instructor can type."""
    schema = Rubric.model_json_schema()
    missing = [
        f"{name}.{field}"
        for name, definition in [("Rubric", schema), *schema["$defs"].items()]
        for field, spec in definition.get("properties", {}).items()
        if "description" not in spec
    ]
    assert missing == []


# The doors hold (issue 12): whatever a rubric file holds, loading it ends in a RubricError that
# names the file, the line and column, the field and what is wrong, quickly and in little memory.

LATE = "late: {{due: {due}, penalty_per_day: 5, max_days: 1}}\n"


def one_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("content", "where", "expected"),
    [
        (GOOD.replace("Demo", "De\x01mo"), ":2:10: ", "control character U+0001"),
        (GOOD + "# a comment \x00\n", ":5:13: ", "control character U+0000 (NUL)"),
        (GOOD.replace("Demo", "Demo\x7f"), ":2:12: ", "control character U+007F (DEL)"),
        (GOOD.replace("Demo", "\x1b[31mDemo"), ":2:8: ", "control character U+001B (ESC)"),
        (GOOD.replace("Demo", '"De\\emo"'), ":2:8: ", "control character U+001B (ESC) in a value"),
        (
            GOOD.replace("style", '"st\\0yle"'),
            ":4:10: ",
            "control character U+0000 (NUL) in a value",
        ),
    ],
)
def test_control_characters_are_refused_at_their_line_and_column(
    tmp_path: Path, content: str, where: str, expected: str
) -> None:
    """A control character in a value or a comment, raw or as an escape, is located, not a
    traceback from PyYAML's reader."""
    path = write(tmp_path, content)
    message = one_problem(path)
    assert message.startswith(f"{path}{where}") and expected in message, message


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-02-30T23:59:00Z", "day value is outside expected range"),
        ("2026-13-01T23:59:00Z", "month value is outside expected range"),
        ("2026-12-01T24:00:00Z", "valid datetime"),
        ("2026-12-01", "timezone"),
    ],
)
def test_impossible_due_dates_are_named_at_late_due(
    tmp_path: Path, due: str, expected: str
) -> None:
    """YAML does not read timestamps: pydantic does, and names the field of a date that cannot be."""
    path = write(tmp_path, GOOD + LATE.format(due=due))
    message = one_problem(path)
    assert message.startswith(f"{path}:5:13: late.due: ") and expected in message, message


@pytest.mark.parametrize(
    "value", ["!!int x", "!!float abc", "!!str 10", "!!binary aGk=", "!python/none ''", "! 10"]
)
def test_explicit_tags_are_refused(tmp_path: Path, value: str) -> None:
    """A rubric needs no YAML tags; each one is refused where it is written."""
    path = write(tmp_path, GOOD.replace("points: 10", f"points: {value}"))
    message = one_problem(path)
    assert message.startswith(f"{path}:4:37: explicit tags"), message
    path = write(tmp_path, GOOD + LATE.format(due="!!timestamp garbage"))
    assert one_problem(path).startswith(f"{path}:5:13: explicit tags")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: " + "[" * 500 + "]" * 500 + "\n", "nested more than 32 levels deep"),
        ("id: " + "{a: " * 500 + "}" * 500 + "\n", "nested more than 32 levels deep"),
        ("id:\n" + "- " * 1500 + "x\n", "nested more than 32 levels deep"),
        (GOOD.replace("title: Demo", "title: &a [*a]"), "anchors and aliases"),
        (GOOD.replace("points: 10", "points: &p 10") + "late: *p\n", "anchors and aliases"),
    ],
)
def test_deep_nesting_and_aliases_are_refused(tmp_path: Path, content: str, expected: str) -> None:
    """Nesting past the cap and any anchor or alias stop the composer at their line, before any
    recursion: no RecursionError."""
    path = write(tmp_path, content)
    message = one_problem(path)
    assert message.startswith(f"{path}:") and expected in message, message


def test_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    """Eight levels of aliases (a second of YAML that never ended) are refused at the first anchor."""
    import time

    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    message = one_problem(path)
    assert time.perf_counter() - started < 1
    assert message.startswith(f"{path}:1:5: anchors and aliases")


def test_too_many_values_and_too_long_numbers_are_refused(tmp_path: Path) -> None:
    """A document of more than MAX_NODES values, or a number Python's int() would refuse, is a
    problem at its line."""
    from grader.rubric.loader import MAX_NODES

    path = write(tmp_path, GOOD + "x: [" + "1," * MAX_NODES + "]\n")
    assert "more than 5,000 values" in one_problem(path)
    path = write(tmp_path, GOOD.replace("points: 10", "points: " + "9" * 5000))
    assert one_problem(path) == f"{path}:4:37: a number of 5,000 characters (at most 1000)"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A FIFO is opened without blocking and refused: it is not a regular file."""
    import os

    fifo = tmp_path / "rubric.yaml"
    os.mkfifo(fifo)
    assert problems(fifo) == [
        f"{fifo}: is not a regular file (a pipe, a device or a socket); give the YAML file"
    ]


def test_a_device_and_a_file_over_the_cap_are_refused(tmp_path: Path) -> None:
    """/dev/zero is not read at all, and a file over MAX_FILE_BYTES only up to the cap."""
    from grader.rubric.loader import MAX_FILE_BYTES

    assert "is not a regular file" in problems(Path("/dev/zero"))[0]
    path = write(tmp_path, GOOD + "#" * MAX_FILE_BYTES + "\n")
    assert problems(path) == [f"{path}: is larger than 256 KiB: this is not a rubric"]


def test_a_ten_megabyte_rubric_of_criteria_is_refused_by_size_and_count(tmp_path: Path) -> None:
    """258,460 criteria (10 MB) stop at the byte cap; 101 small ones at the criteria cap."""
    many = "".join(f"  - {{id: s{n}, kind: lint, points: 1}}\n" for n in range(258_460))
    path = write(tmp_path, "id: d\ntitle: D\ncriteria:\n" + many)
    assert "is larger than 256 KiB" in one_problem(path)
    few = "".join(f"  - {{id: s{n}, kind: lint, points: 1}}\n" for n in range(101))
    path = write(tmp_path, "id: d\ntitle: D\ncriteria:\n" + few)
    assert one_problem(path).startswith(
        f"{path}:4:3: criteria: Tuple should have at most 100 items"
    )


def test_a_file_name_too_long_is_named(tmp_path: Path) -> None:
    """A 300-character file name is an OSError named in the problem, from the path and from the
    folder the CLI was given."""
    from grader.rubric.bands import rubric_file

    path = tmp_path / ("r" * 300 + ".yaml")
    assert problems(rubric_file(path)) == [f"{path}: cannot read: File name too long"]
    named = write(
        tmp_path,
        GOOD.replace("kind: lint, points: 10", f"kind: tests, points: 1, tests: {'t' * 300}"),
    )
    assert "criteria[0].tests: tests 'ttt" in one_problem(named)
    assert "cannot be read: File name too long" in one_problem(named)


@pytest.mark.parametrize(
    ("criterion", "field"),
    [
        ("{id: q, kind: test_quality, points: 1, faults: /}", "faults"),
        ("{id: q, kind: test_quality, points: 1, reference: ../..}", "reference"),
        ("{id: t, kind: tests, points: 1, tests: /etc}", "tests"),
        ("{id: t, kind: tests, points: 1, tests: ../../../etc}", "tests"),
        (
            '{id: b, kind: benchmark, points: 1, call: "m:f", inputs: "../../x.py:f", sizes: [1], max_ratio: 2}',
            "inputs",
        ),
    ],
)
def test_rubric_paths_must_stay_inside_the_rubric_folder(
    tmp_path: Path, criterion: str, field: str
) -> None:
    """An absolute path or one through `..` is refused at its field, and nothing outside is read
    (`faults: /` walked the whole disk)."""
    (tmp_path / "reference").mkdir()
    path = write(tmp_path, f"id: d\ntitle: D\ncriteria:\n  - {criterion}\n")
    found = [line for line in problems(path) if f"criteria[0].{field}:" in line]
    assert len(found) == 1 and "must be inside the rubric folder" in found[0], found
    assert found[0].startswith(f"{path}:4:")


def test_a_symbolic_link_out_of_the_rubric_folder_is_refused(tmp_path: Path) -> None:
    """A path inside the folder that is a link to elsewhere is refused too."""
    folder = tmp_path / "rubric"
    folder.mkdir()
    (folder / "tests").symlink_to("/etc")
    path = write(
        folder, GOOD.replace("kind: lint, points: 10", "kind: tests, points: 1, tests: tests")
    )
    assert "leads out of the rubric folder" in one_problem(path)


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        ("{required: ['/']}", "submission.required[0]: '/' is absolute"),
        ("{required: ['..']}", "submission.required[0]: '..' leaves its folder"),
        ("{required: [a/../../b.py]}", "submission.required[0]: 'a/../../b.py' leaves its folder"),
        ("{root: /home}", "submission.root: '/home' is absolute"),
        ("{root: ../other}", "submission.root: '../other' leaves its folder"),
    ],
)
def test_submission_paths_stay_inside_the_submission_root(
    tmp_path: Path, submission: str, expected: str
) -> None:
    """`submission.required` and `root` are relative, without `..`."""
    path = write(tmp_path, GOOD + f"submission: {submission}\n")
    message = one_problem(path)
    assert message.startswith(f"{path}:5:") and expected in message, message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            GOOD.replace("points: 10", "points: .inf"),
            "criteria[0].points: Input should be a finite number",
        ),
        (
            GOOD.replace("points: 10", "points: .nan"),
            "criteria[0].points: Input should be a finite number",
        ),
        (
            GOOD.replace("points: 10", "points: 1e308"),
            "criteria[0].points: Input should be less than or equal to 10000",
        ),
        (
            GOOD + "limits: {timeout: 1" + "0" * 100 + "}\n",
            "limits.timeout: Input should be less than or equal to 86400",
        ),
        (
            GOOD + "limits: {memory: 99999999PiB}\n",
            "limits.memory: 107,374,181,326,258,176MiB is more than the most allowed, 1TiB",
        ),
        (
            GOOD + "limits: {disk: 2TiB}\n",
            "limits.disk: 2,097,152MiB is more than the most allowed, 1TiB",
        ),
        (
            GOOD + "limits: {pids: 1000000}\n",
            "limits.pids: Input should be less than or equal to 100000",
        ),
        (
            GOOD.replace("points: 10", "points: 10, per_violation: 1e300"),
            "criteria[0].per_violation: Input should be less than or equal to 10000",
        ),
    ],
)
def test_numbers_have_sane_upper_bounds(tmp_path: Path, content: str, expected: str) -> None:
    """Infinite, enormous and absurd numbers are refused with the bound named."""
    path = write(tmp_path, content)
    message = one_problem(path)
    assert expected in message and message.startswith(f"{path}:"), message


@pytest.mark.parametrize(
    ("memory", "expected"),
    [
        ("512MB", "'512MB' is in decimal units (488.3MiB); write binary units, e.g. 512MiB"),
        ("1GB", "'1GB' is in decimal units (953.7MiB); write binary units, e.g. 1GiB"),
        ("64k", "'64k' is in decimal units (0.1MiB); write binary units, e.g. 64KiB"),
    ],
)
def test_decimal_memory_units_are_refused_asking_for_binary_ones(
    tmp_path: Path, memory: str, expected: str
) -> None:
    """`512MB` is not silently 512,000,000 bytes: the error shows it in MiB and asks for MiB/GiB."""
    path = write(tmp_path, GOOD + f"limits: {{memory: {memory}}}\n")
    assert (
        one_problem(path)
        == f"{path}:5:18: limits.memory: {expected} (KiB, MiB, GiB, TiB: powers of 1024)"
    )


def test_binary_memory_units_and_plain_bytes_are_accepted(tmp_path: Path) -> None:
    """`512MiB`, `1.5GiB` and a number of bytes mean what they say."""
    path = write(tmp_path, GOOD + "limits: {memory: 1.5GiB, disk: 268435456}\n")
    limits = load_rubric(path).rubric.limits
    assert (limits.memory, limits.disk) == (1536 * 1024**2, 256 * 1024**2)


BENCH = """\
import random
from itertools import count as counter

def make_input(size):
    return (list(range(size)),)

same = lambda a, b: a == b
"""


@pytest.mark.parametrize(
    ("calls", "field", "expected"),
    [
        (
            'inputs: "bench.py:make_inputs"',
            "inputs",
            "bench.py defines no 'make_inputs' at its top level; did you mean 'make_input'?",
        ),
        (
            'inputs: "bench.py:make_input", compare: "bench.py:equal"',
            "compare",
            "bench.py defines no 'equal' at its top level",
        ),
        ('inputs: "broken.py:make_input"', "inputs", "broken.py does not parse (line 1: "),
    ],
)
def test_a_benchmark_function_that_does_not_exist_is_refused_at_its_field(
    tmp_path: Path, calls: str, field: str, expected: str
) -> None:
    """`rubric validate` parses the benchmark's files (never imports them) and names the missing
    function at the field, instead of an exit 3 at grade time."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "bench.py").write_text(BENCH, encoding="utf-8")
    (tmp_path / "broken.py").write_text("def make_input(:\n", encoding="utf-8")
    path = write(
        tmp_path,
        f'id: d\ntitle: D\ncriteria:\n  - {{id: b, kind: benchmark, points: 1, call: "m:f", {calls}, sizes: [1], max_ratio: 2}}\n',
    )
    message = one_problem(path)
    assert message.startswith(f"{path}:4:") and f"criteria[0].{field}: " in message, message
    assert expected in message, message


def test_a_benchmark_function_bound_any_way_at_the_top_level_is_found(tmp_path: Path) -> None:
    """A def, an assignment or an import all define the name the rubric gives."""
    (tmp_path / "reference").mkdir()
    (tmp_path / "bench.py").write_text(BENCH, encoding="utf-8")
    for calls in (
        'inputs: "bench.py:make_input", compare: "bench.py:same"',
        'inputs: "bench.py:counter"',
    ):
        path = write(
            tmp_path,
            f'id: d\ntitle: D\ncriteria:\n  - {{id: b, kind: benchmark, points: 1, call: "m:f", {calls}, sizes: [1], max_ratio: 2}}\n',
        )
        load_rubric(path)


def test_problems_past_the_cap_are_counted_not_listed(tmp_path: Path) -> None:
    """Thousands of invalid values give MAX_PROBLEMS explained problems and a count of the rest."""
    from grader.rubric.loader import MAX_PROBLEMS

    bad = "".join(f"  - {{id: s{n}, kind: lint, points: -1}}\n" for n in range(100))
    path = write(tmp_path, "id: d\ntitle: D\ncriteria:\n" + bad)
    found = problems(path)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == f"{path}: and 50 more problems"


@pytest.mark.parametrize("name", ["/", "/etc", "../other", "a/../../b", "x" * 300])
def test_band_folders_stay_inside_the_rubric_folder(tmp_path: Path, name: str) -> None:
    """`rubric check` grades each folder bands.yaml names: `/` or `..` is refused, not graded."""
    from grader.rubric.bands import load_bands

    (tmp_path / "reference").mkdir()
    (tmp_path / "bands.yaml").write_text(
        f"reference: {{min: 100, max: 100}}\n'{name}': {{min: 0, max: 50}}\n", encoding="utf-8"
    )
    with pytest.raises(RubricError) as caught:
        load_bands(tmp_path)
    [problem] = caught.value.problems
    assert problem.field == name
    assert "inside the rubric folder" in problem.message or "cannot be read" in problem.message


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ("{memory: 0}", "limits.memory: must be at least 1 byte"),
        ("{memory: 1KiB}", "limits.memory: 0.00MiB is less than the least allowed, 16MiB"),
        ("{disk: 8MiB}", "limits.disk: 8.00MiB is less than the least allowed, 16MiB"),
    ],
)
def test_a_sandbox_size_has_a_lower_bound(tmp_path: Path, limits: str, expected: str) -> None:
    """`memory: 0` would mean no limit at all to Docker; a few KiB cannot start Python."""
    path = write(tmp_path, GOOD + f"limits: {limits}\n")
    message = one_problem(path)
    assert message.startswith(f"{path}:5:") and message.endswith(expected), message


def test_a_lone_surrogate_in_a_value_is_refused(tmp_path: Path) -> None:
    """`"\\ud800"` is valid YAML but no output (terminal, JSON, SQLite) can encode it."""
    path = write(tmp_path, GOOD.replace("Demo", '"\\ud800"'))
    assert one_problem(path) == f"{path}:2:8: a lone surrogate U+D800 in a value: remove it"


def test_duplicate_keys_past_the_cap_are_counted_not_listed(tmp_path: Path) -> None:
    """2,000 repeated keys are 50 problems and a count, not 2,000 lines."""
    path = write(tmp_path, GOOD + "title: x\n" * 2000)
    found = problems(path)
    assert len(found) == 51
    assert found[-1] == f"{path}: and 1,950 more problems"
