"""Inputs for the `speed` criterion: a shuffled clickstream log, awkward cases included."""

import random
from functools import lru_cache

ACTIONS = ("view", "click", "search", "add_to_cart", "checkout", "logout")
DAY = 86_400
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z


def make_input(size: int, round_: int = 0) -> tuple[list[str], int]:
    """``size`` log lines of ``size // 200`` users over a day, the same for the same size and round.

    Each timed round gets its own log, so caching whole results gains nothing. The two sides of
    a round get the same log, made once (a fresh list each, which they may change).
    """
    return list(_log(size, round_)), 1800


@lru_cache(maxsize=1)
def _log(size: int, round_: int) -> tuple[str, ...]:
    """The log of one size and round (the reference's call and the student's follow each other).

    About 3% are exact duplicates (some with other spacing), 2% share a user
    and a second with another event but not its action, and 8 are blank;
    the order is shuffled.
    """
    rng = random.Random(f"{size}/{round_}")
    users = [f"u{index:06d}" for index in range(max(1, size // 200))]
    lines = [f"{EPOCH + rng.randrange(DAY)} {rng.choice(users)} {rng.choice(ACTIONS)}\n"]
    while len(lines) < size:
        roll = rng.random()
        earlier = lines[rng.randrange(len(lines))]
        if roll < 0.015:
            lines.append(earlier)
        elif roll < 0.03:
            lines.append(earlier.replace(" ", "  ", 1))
        elif roll < 0.05:
            ts, user, _ = earlier.split()
            lines.append(f"{ts} {user} {rng.choice(ACTIONS)}\n")
        else:
            stamp = EPOCH + rng.randrange(DAY)
            lines.append(f"{stamp} {rng.choice(users)} {rng.choice(ACTIONS)}\n")
    for index in range(0, size, max(1, size // 8)):
        lines[index] = "\n"
    rng.shuffle(lines)
    return tuple(lines)
