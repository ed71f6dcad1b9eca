"""Fuzzing the rubric door: whatever YAML arrives, loading it is a rubric or a RubricError, fast.

Examples start from the 12 shipped rubrics (in a copy of their folders, so the
paths they name resolve) and are mutated three ways: a value of the parsed
document replaced by a hostile one (huge or infinite numbers, odd paths, control
characters, impossible dates, deep lists), a hostile fragment spliced into the
text (tags, anchors and aliases, a billion laughs, deep flow nesting, control
characters, long numbers), or a document generated from nothing. Each example
must end in success or ``RubricError`` (never another exception), whose every
problem names the file, in under ``MAX_SECONDS`` and with a traced allocation
peak under ``MAX_PEAK_BYTES``.

``make test`` runs the bounded default profile; ``make fuzz`` the long one. Set
``GRADER_FUZZ_REPORT=path.json`` to write the figures (examples, outcomes by
class, slowest example, largest peak, process max RSS).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ROOT

from grader.checks.rubric import load_rubric
from grader.errors import RubricError

pytestmark = pytest.mark.fuzz

MAX_SECONDS = 5.0
"""Most one load may take on a busy shared host (a shipped rubric loads in milliseconds)."""
MAX_PEAK_BYTES = 64 * 1024 * 1024
"""Most memory one load may allocate at its peak (traced): the loader's caps keep it far lower."""

SHIPPED = sorted(path.parent.name for path in (ROOT / "rubrics").glob("*/rubric.yaml"))
FIGURES: dict[str, Any] = {
    "examples": 0,
    "outcomes": Counter(),
    "max_seconds": 0.0,
    "max_peak_bytes": 0,
}

HOSTILE_VALUES = [
    float("inf"),
    float("nan"),
    1e308,
    -1e308,
    10**100,
    2**63,
    -(2**63),
    0,
    -1,
    "99999999PiB",
    "512MB",
    "1GB",
    "1.5GiB",
    "-1MiB",
    "/",
    "/etc",
    "../../../etc",
    "..",
    "~/x",
    "a" * 300,
    "a/" * 600,
    "x.py:" + "f" * 300,
    "../bench.py:make_input",
    "/etc/passwd.py:f",
    "bench.py:nope",
    "2026-02-30T23:59:00Z",
    "2026-13-01T00:00:00Z",
    "2026-12-01T24:00:00Z",
    "\x00",
    "\x1b[31mred",
    "\x7f",
    "[red]x[/]",
    ":100:",
    "",
    None,
    True,
    [],
    {},
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    {"kind": "benchmark"},
    {"id": "x", "kind": "lint", "points": 1},
]

FRAGMENTS = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\ufeff",
    "\u2028",
    "!!int x",
    "!!float abc",
    "!!timestamp garbage",
    "!!python/object:os.system ",
    "!!binary aGk=",
    "!custom ",
    "&a ",
    "*a",
    "&a [*a]",
    "<<: {x: 1}\n",
    "[" * 500,
    "{a: " * 300,
    "- " * 1500,
    "9" * 5000,
    "1:" * 2000 + "1",
    "0b" + "1" * 900,
    ".inf",
    ".nan",
    "1e999",
    "? [a, b]\n: c\n",
    "'unterminated",
    '"\\x00"',
    '"\\e"',
    "\t",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    ": :",
    "#",
]


def _laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


FRAGMENTS += [_laughs(7), _laughs(8)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A copy of each shipped rubric folder, where mutated rubrics are written; the figures are
    written at the end when ``GRADER_FUZZ_REPORT`` names a file."""
    base = tmp_path_factory.mktemp("rubrics")
    copies = {}
    for name in SHIPPED:
        copies[name] = base / name
        shutil.copytree(
            ROOT / "rubrics" / name,
            copies[name],
            ignore=shutil.ignore_patterns("__pycache__", "samples", "starter"),
        )
    yield copies
    report = os.environ.get("GRADER_FUZZ_REPORT")
    if report:
        figures = dict(FIGURES, max_rss_bytes=_max_rss())
        Path(report).write_text(
            json.dumps(figures, indent=2, default=dict) + "\n", encoding="utf-8"
        )


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _outcome(problems: list[str]) -> str:
    """The class of a refusal: the first problem's message without its values, in five words."""
    message = problems[0] if problems else ""
    message = re.sub(r"\([^)]*\)|'[^']*'|\"[^\"]*\"|U\+[0-9A-F]+|[-\d][\w,.+-]*", "_", message)
    return "RubricError: " + " ".join(message.split()[:5])


def load_bounded(path: Path, text: str) -> None:
    """Load ``text`` as the rubric at ``path``: a rubric or a RubricError naming the file,
    within the time and memory bounds; the outcome is counted in the figures."""
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        load_rubric(path)
        outcome = "ok"
    except RubricError as exc:
        assert exc.problems, "a RubricError with no problem"
        assert all(
            problem.path in (path, path.parent) or path.parent in problem.path.parents
            for problem in exc.problems
        )
        assert all(problem.message for problem in exc.problems)
        outcome = _outcome([problem.message for problem in exc.problems])
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    FIGURES["examples"] += 1
    FIGURES["outcomes"][outcome] += 1
    FIGURES["max_seconds"] = max(FIGURES["max_seconds"], seconds)
    FIGURES["max_peak_bytes"] = max(FIGURES["max_peak_bytes"], peak)
    assert seconds < MAX_SECONDS, f"{seconds:.1f} s to load"
    assert peak < MAX_PEAK_BYTES, f"{peak / 2**20:.0f} MiB allocated at the peak"


def _shipped_text(name: str) -> str:
    return (ROOT / "rubrics" / name / "rubric.yaml").read_text(encoding="utf-8")


def _leaves(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a parsed document (mappings' keys and lists' indexes), leaves last."""
    found = [loc]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _leaves(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _leaves(value, (*loc, index))
    return found


def _replace(node: Any, loc: tuple[Any, ...], value: Any) -> Any:
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, value)}
    copy = list(node)
    copy[head] = _replace(copy[head], rest, value)
    return copy


FUZZ_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ_SETTINGS
@given(
    name=st.sampled_from(SHIPPED),
    choice=st.integers(min_value=0, max_value=10_000),
    value=st.sampled_from(HOSTILE_VALUES) | st.text(max_size=40) | st.integers() | st.floats(),
)
def test_a_shipped_rubric_with_a_value_replaced_loads_or_is_refused(
    folders: dict[str, Path], name: str, choice: int, value: Any
) -> None:
    """Any value of a shipped rubric replaced by a hostile one: a rubric or a RubricError."""
    document = yaml.safe_load(_shipped_text(name))
    locations = _leaves(document)
    mutated = _replace(document, locations[choice % len(locations)], value)
    text = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
    load_bounded(folders[name] / "fuzz.yaml", text)


@FUZZ_SETTINGS
@given(
    name=st.sampled_from(SHIPPED),
    splices=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1),
            st.sampled_from(FRAGMENTS) | st.text(max_size=20),
            st.integers(min_value=0, max_value=40),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_a_shipped_rubric_with_fragments_spliced_in_loads_or_is_refused(
    folders: dict[str, Path], name: str, splices: list[tuple[float, str, int]]
) -> None:
    """Hostile text spliced anywhere (replacing up to 40 characters): a rubric or a RubricError."""
    text = _shipped_text(name)
    for where, fragment, cut in splices:
        at = int(where * len(text))
        text = text[:at] + fragment + text[at + cut :]
    load_bounded(folders[name] / "fuzz.yaml", text)


YAML_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(HOSTILE_VALUES[:30]),
)
DOCUMENTS = st.recursive(
    YAML_SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["id", "title", "kind", "points", "criteria", "limits", "late", "tests"]
            )
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)


@FUZZ_SETTINGS
@given(document=DOCUMENTS, criteria=st.lists(DOCUMENTS, max_size=4))
def test_a_generated_document_loads_or_is_refused(
    folders: dict[str, Path], document: Any, criteria: list[Any]
) -> None:
    """A document generated from nothing (with generated criteria): a rubric or a RubricError."""
    if isinstance(document, dict):
        document = {**document, "criteria": criteria}
    text = yaml.safe_dump(document, allow_unicode=True)
    load_bounded(folders[SHIPPED[0]] / "fuzz.yaml", text)


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_each_hostile_fragment_alone_is_bounded(folders: dict[str, Path], fragment: str) -> None:
    """Every fragment in the list, as a value of the smallest rubric, is handled within bounds."""
    text = f"id: d\ntitle: {fragment}\ncriteria:\n  - {{id: s, kind: lint, points: 1}}\n"
    load_bounded(folders[SHIPPED[0]] / "fuzz.yaml", text)
