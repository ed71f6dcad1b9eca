"""Small, clean, fully typed record helpers."""

from collections.abc import Iterable, Iterator


def parse_line(line: str) -> tuple[str, int]:
    """Split a ``name,score`` line into its parts."""
    name, score = line.split(",", 1)
    return name.strip(), int(score)


def iter_records(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Yield parsed records, skipping blank lines and comments."""
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield parse_line(stripped)


def total_score(lines: Iterable[str]) -> int:
    """Sum the scores of every record."""
    return sum(score for _, score in iter_records(lines))
