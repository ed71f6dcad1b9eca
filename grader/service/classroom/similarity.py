"""Which students' code is alike: the similarity report of one assignment, with copydetect.

Each student's files (``similarity_files``: their Python code, not their tests) are joined
into one document and fingerprinted by copydetect (``CodeFingerprint``: tokenized so names
and strings do not count, k-grams of ``noise`` tokens, winnowed). What the assignment gives
everyone is boilerplate: the fingerprints of its starter and reference code are taken out of
every student's before comparing, so a pair is alike only by what the two wrote. Fingerprints
are a set: the order of functions, files or statements does not hide a copy, nor does renaming.

A pair's similarity is two numbers (copydetect's ``compare_files``): how much of A's own code
(boilerplate taken out) is found in B, and how much of B's in A. A pair is listed when the
larger reaches the threshold and the shared code is at least ``min_overlap`` tokens (a tiny
solution fully inside another is not evidence). Students whose code is mostly the reference
(starter taken out) are listed apart: with the reference as boilerplate, two students who
both copied it would look alike to nobody.

copydetect is imported when a report is first computed (it loads matplotlib: a second).
Its own boilerplate removal drops any fingerprint a document holds twice (``np.intersect1d``
told the hashes are unique); the boilerplate is taken out here instead, by set.
"""

from __future__ import annotations

import copy
import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_STUDENTS = 500
"""Students compared in one report (O(n^2) pairs of fingerprints: 125,000 at most)."""
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Options:
    """How alike is alike."""

    threshold: float = DEFAULT_THRESHOLD
    """A pair is listed when either side has at least this fraction of its own code in the
    other's (0 to 1)."""
    noise: int = 25
    """Shortest match, in tokens (copydetect's noise threshold): shorter runs are chance."""
    guarantee: int = 30
    """Every match this long is found (copydetect's guarantee threshold, >= ``noise``)."""
    min_overlap: int = 60
    """Tokens two students must share to be listed, whatever the fractions."""

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 1 or math.isnan(self.threshold):
            raise ValueError(f"threshold {self.threshold}: give a number from 0 to 1")
        if not 1 <= self.noise <= self.guarantee:
            raise ValueError("noise must be at least 1 and at most guarantee")

    @property
    def window(self) -> int:
        return self.guarantee - self.noise + 1


@dataclass(frozen=True)
class Document:
    """A student's files joined into one text, and where each file sits in it."""

    name: str
    text: str
    files: tuple[tuple[str, int, int], ...]
    """(path, start, end) of each file in ``text``."""


def document(name: str, files: Mapping[str, str]) -> Document:
    """The files in path order, each followed by a newline (a k-gram across two files is
    as rare as one across two functions)."""
    parts: list[str] = []
    places: list[tuple[str, int, int]] = []
    at = 0
    for path in sorted(files):
        text = files[path]
        places.append((path, at, at + len(text)))
        parts.append(text + "\n")
        at += len(text) + 1
    return Document(name, "".join(parts), tuple(places))


@dataclass(frozen=True)
class Boilerplate:
    """What every student was given: the starter's files and the reference's."""

    starter: Mapping[str, str] = field(default_factory=dict)
    reference: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    """Two students whose code is alike."""

    first: str
    second: str
    first_in_second: float
    """Of the first's own code, the fraction found in the second's."""
    second_in_first: float
    overlap: int
    """Tokens of the first's code shared with the second."""

    @property
    def similarity(self) -> float:
        return max(self.first_in_second, self.second_in_first)


@dataclass(frozen=True)
class NearReference:
    """A student whose own code (starter taken out) is mostly the reference's."""

    student: str
    similarity: float
    overlap: int


@dataclass(frozen=True)
class SimilarityReport:
    """The pairs over the threshold, most alike first, and what was compared."""

    options: Options
    pairs: list[Pair]
    near_reference: list[NearReference]
    compared: int
    """Students compared (those with code of their own beyond the boilerplate)."""
    without_code: list[str]
    """Students with no code of their own (nothing kept, or only the boilerplate)."""
    left_out: int = 0
    """Students past ``MAX_STUDENTS``, not compared."""


def _copydetect() -> Any:
    import copydetect  # loads matplotlib: imported on use
    import copydetect.utils

    copydetect.utils.hashed_kgrams = stable_kgrams  # the same report in every process
    return copydetect


def stable_kgrams(text: str, k: int) -> Any:
    """The hashes of every k-gram of ``text``, as copydetect's ``hashed_kgrams`` makes them
    but with a hash that is the same in every process: Python's ``hash`` of a string is
    salted per process (``PYTHONHASHSEED``), so winnowing would keep other fingerprints and
    a pair near the threshold could be listed by one process and not by the next."""
    import numpy as np  # copydetect's own dependency

    digest = hashlib.blake2b
    return np.array(
        [
            int.from_bytes(digest(text[at : at + k].encode(), digest_size=8).digest(), "little")
            >> 1  # an int64 numpy keeps as it is
            for at in range(len(text) - k + 1)
        ],
        dtype=np.int64,
    )


def fingerprint(doc: Document, options: Options) -> Any:
    """copydetect's ``CodeFingerprint`` of the document (tokenizing is most of the work)."""
    return _copydetect().CodeFingerprint(
        "submission.py", options.noise, options.window, fp=io.StringIO(doc.text)
    )


def without(made: Any, boilerplate: frozenset[int], options: Options) -> Any:
    """A copy of the fingerprint with the boilerplate's hashes taken out."""
    if not boilerplate:
        return made
    kept = copy.copy(made)
    kept.hash_idx = {h: at for h, at in made.hash_idx.items() if h not in boilerplate}
    kept.hashes = set(kept.hash_idx)
    kept.token_coverage = _copydetect().utils.get_token_coverage(
        kept.hash_idx, options.noise, len(made.filtered_code)
    )
    return kept


def boilerplate_hashes(files: Mapping[str, str], options: Options) -> frozenset[int]:
    """Every k-gram hash of the files (not winnowed: any shared k-gram is boilerplate)."""
    if not files:
        return frozenset()
    made = _copydetect().CodeFingerprint(
        "boilerplate.py", options.noise, 1, fp=io.StringIO(document("", files).text)
    )
    return frozenset(int(h) for h in made.hashes)


def compare(
    sources: Mapping[str, Mapping[str, str]],
    boilerplate: Boilerplate,
    options: Options | None = None,
) -> SimilarityReport:
    """The report over students' files (name -> path -> text)."""
    options = options or Options()
    names = sorted(sources)
    compared, left_out = names[:MAX_STUDENTS], max(0, len(names) - MAX_STUDENTS)
    given = boilerplate_hashes({**boilerplate.starter, **_prefixed(boilerplate.reference)}, options)
    made = {name: fingerprint(document(name, sources[name]), options) for name in compared}
    prints = {name: without(made[name], given, options) for name in compared}
    return SimilarityReport(
        options,
        _pairs({name: p for name, p in prints.items() if p.hashes}, options),
        _near_reference(made, boilerplate, options),
        sum(1 for p in prints.values() if p.hashes),
        [name for name, p in prints.items() if not p.hashes],
        left_out,
    )


def _prefixed(files: Mapping[str, str]) -> dict[str, str]:
    """The reference's files under their own names (a starter's file of the same path stays)."""
    return {f"reference/{path}": text for path, text in files.items()}


def _pairs(prints: Mapping[str, Any], options: Options) -> list[Pair]:
    compare_files = _copydetect().compare_files
    names = list(prints)
    found: list[Pair] = []
    for index, first in enumerate(names):
        one = prints[first]
        for second in names[index + 1 :]:
            other = prints[second]
            if not _may_reach(one, other, options):
                continue
            overlap, (ab, ba), _slices = compare_files(one, other)
            pair = Pair(first, second, float(ab), float(ba), int(overlap))
            if pair.similarity >= options.threshold and pair.overlap >= options.min_overlap:
                found.append(pair)
    return sorted(found, key=lambda p: (-p.similarity, -p.overlap, p.first, p.second))


def _near_reference(
    made: Mapping[str, Any], boilerplate: Boilerplate, options: Options
) -> list[NearReference]:
    """The students whose code past the starter is mostly the reference's past the starter
    (one who handed in the reference itself has no code of their own: listed here)."""
    if not boilerplate.reference:
        return []
    compare_files = _copydetect().compare_files
    starter = boilerplate_hashes(boilerplate.starter, options)
    reference = without(
        fingerprint(document("reference", boilerplate.reference), options), starter, options
    )
    near: list[NearReference] = []
    for name, full in made.items():
        own = without(full, starter, options)
        if not _may_reach(own, reference, options):
            continue
        overlap, (similarity, _), _slices = compare_files(own, reference)
        if similarity >= options.threshold and overlap >= options.min_overlap:
            near.append(NearReference(name, float(similarity), int(overlap)))
    return sorted(near, key=lambda n: (-n.similarity, n.student))


def _may_reach(one: Any, other: Any, options: Options) -> bool:
    """Whether the pair could be listed: each shared fingerprint marks at most ``noise``
    tokens of a side as matched, so too few of them cannot reach the threshold (most pairs of
    a class end here, without copydetect's costlier comparison)."""
    shared = one.hashes & other.hashes
    if not shared:
        return False
    bounds = []
    for side in (one, other):
        marked = options.noise * sum(len(side.hash_idx[h]) for h in shared)
        bounds.append((marked, marked / side.token_coverage if side.token_coverage else 0.0))
    return any(
        marked >= options.min_overlap and fraction >= options.threshold
        for marked, fraction in bounds
    )


# --- one pair, side by side ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of a file's text, matched in the other student's code or not."""

    text: str
    matched: bool


@dataclass(frozen=True)
class FileView:
    """One file of one side: its text in segments, and the matched line ranges (1-based)."""

    path: str
    segments: tuple[Segment, ...]
    lines: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PairView:
    """Two students' files with what matches highlighted on both sides."""

    pair: Pair
    first: tuple[FileView, ...]
    second: tuple[FileView, ...]


def pair_view(
    first: tuple[str, Mapping[str, str]],
    second: tuple[str, Mapping[str, str]],
    boilerplate: Boilerplate,
    options: Options | None = None,
) -> PairView:
    """The matching regions of two students' files (name, path -> text), boilerplate out."""
    options = options or Options()
    given = boilerplate_hashes({**boilerplate.starter, **_prefixed(boilerplate.reference)}, options)
    docs = document(first[0], first[1]), document(second[0], second[1])
    one, other = (without(fingerprint(doc, options), given, options) for doc in docs)
    if one.hashes.isdisjoint(other.hashes):
        pair = Pair(first[0], second[0], 0.0, 0.0, 0)
        slices: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
    else:
        overlap, (ab, ba), (left, right) = _copydetect().compare_files(one, other)
        pair = Pair(first[0], second[0], float(ab), float(ba), int(overlap))
        slices = _spans(left), _spans(right)
    return PairView(pair, _files(docs[0], slices[0]), _files(docs[1], slices[1]))


def _spans(slices: Any) -> list[tuple[int, int]]:
    """copydetect's 2 x N array of starts and ends as sorted, merged (start, end) spans."""
    if len(slices) == 0 or len(slices[0]) == 0:
        return []
    spans = sorted((int(start), int(end)) for start, end in zip(slices[0], slices[1], strict=True))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _files(doc: Document, spans: Sequence[tuple[int, int]]) -> tuple[FileView, ...]:
    views = []
    for path, start, end in doc.files:
        inside = [
            (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
        ]
        views.append(file_view(path, doc.text[start:end], inside))
    return tuple(views)


def file_view(path: str, text: str, spans: Sequence[tuple[int, int]]) -> FileView:
    """The file cut into matched and unmatched segments, with the matched lines' ranges."""
    segments: list[Segment] = []
    lines: list[tuple[int, int]] = []
    at = 0
    for start, end in spans:
        if start > at:
            segments.append(Segment(text[at:start], False))
        segments.append(Segment(text[start:end], True))
        first_line = text.count("\n", 0, start) + 1
        last_line = first_line + text.count("\n", start, max(start, end - 1))
        if lines and first_line <= lines[-1][1] + 1:
            lines[-1] = (lines[-1][0], max(lines[-1][1], last_line))
        else:
            lines.append((first_line, last_line))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:], False))
    return FileView(path, tuple(segments), tuple(lines))
