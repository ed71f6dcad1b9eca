"""A generated orders file and the results a plain-Python reading of the statement gives."""

import random
from datetime import UTC, date, datetime, timedelta

CATEGORIES = ("books", "games", "music", "toys", "garden")
START = datetime(2026, 3, 1, tzinfo=UTC)


def generate(rows: int, seed: int) -> tuple[list[str], dict[int, tuple[str, float, datetime]]]:
    """CSV lines (no header), and the valid latest row of each id: category, amount, time."""
    rng = random.Random(seed)
    lines: list[str] = []
    latest: dict[int, tuple[str, float, datetime]] = {}
    used: set[tuple[int, datetime]] = set()
    while len(lines) < rows:
        order_id = rng.randint(1, rows // 3)
        when = START + timedelta(minutes=rng.randint(0, 4 * 24 * 60 - 1))
        if (order_id, when) in used:
            continue
        used.add((order_id, when))
        category = rng.choice(CATEGORIES)
        cents = rng.randint(0, 50_000)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        kind = rng.random()
        if kind < 0.04:
            lines.append(f"{order_id},{category},n/a,{stamp}")
            continue
        if kind < 0.08:
            lines.append(f"{order_id},{category},{cents / 100:.2f},not a time")
            continue
        if kind < 0.1:
            lines.append(f"{order_id},,{cents / 100:.2f},{stamp}")
            continue
        text = category.upper() if kind < 0.2 else category
        lines.append(f"{order_id}, {text} ,{cents / 100:.2f},{stamp}")
        if order_id not in latest or latest[order_id][2] < when:
            latest[order_id] = (category, cents / 100, when)
    return lines, latest


def daily_totals(latest: dict[int, tuple[str, float, datetime]]) -> dict[tuple[date, str], tuple[float, int]]:
    """(date, category) -> (total rounded to cents, number of orders)."""
    sums: dict[tuple[date, str], tuple[int, int]] = {}
    for category, amount, when in latest.values():
        key = (when.date(), category)
        cents, count = sums.get(key, (0, 0))
        sums[key] = (cents + round(amount * 100), count + 1)
    return {key: (cents / 100, count) for key, (cents, count) in sums.items()}
