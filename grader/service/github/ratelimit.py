"""A rate limiter every worker shares through Redis, for GitHub's content-creation limits.

GitHub allows about 80 content-creating requests a minute and 500 an hour per
installation or token (comments, reviews, check runs, statuses; see
``shared/github/GITHUB-LIMITS.md``), whatever number of workers send them. The
limiter keeps two sliding windows in Redis sorted sets and takes a slot in both
atomically, in one Lua script, on Redis's own clock, so workers on hosts with
skewed clocks agree. A ``Retry-After`` from GitHub pauses every worker at once.

Some writes can be left out (a check run shown queued or in progress before its result, a
place in line): ``spare`` says whether one fits now, that is whether a quarter of both
windows is still free. At a deadline those writes stop first, and the results (a check run's
conclusion, a review) get the rest of GitHub's budget.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

import redis

from grader.errors import RateLimited

__all__ = ["Limiter", "MemoryLimiter", "RedisLimiter"]

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > now then return pause - now end
local windows = {{KEYS[1], 60000, tonumber(ARGV[1])}, {KEYS[2], 3600000, tonumber(ARGV[2])}}
for _, w in ipairs(windows) do
  redis.call('ZREMRANGEBYSCORE', w[1], 0, now - w[2])
  if redis.call('ZCARD', w[1]) >= w[3] then
    local oldest = redis.call('ZRANGE', w[1], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + w[2] - now)
  end
end
for _, w in ipairs(windows) do
  redis.call('ZADD', w[1], now, ARGV[3])
  redis.call('PEXPIRE', w[1], w[2])
end
return 0
"""

_SPARE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > now then return 0 end
local windows = {{KEYS[1], 60000, tonumber(ARGV[1])}, {KEYS[2], 3600000, tonumber(ARGV[2])}}
for _, w in ipairs(windows) do
  redis.call('ZREMRANGEBYSCORE', w[1], 0, now - w[2])
  if (w[3] - redis.call('ZCARD', w[1])) * SHARE < w[3] then return 0 end
end
return 1
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms - now
"""


SPARE_SHARE = 4
"""A write that can be left out is sent only while 1/SPARE_SHARE of both windows is free."""


class Limiter(Protocol):
    def acquire(self, max_wait: float = ...) -> None: ...

    def spare(self) -> bool: ...

    def pause(self, seconds: float) -> None: ...


class RedisLimiter:
    """Sliding-window limits per minute and per hour, shared by every process on one Redis."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        per_minute: int,
        per_hour: int,
        scope: str = "default",
    ) -> None:
        self.client = client
        self.keys = [f"{prefix}:github:{scope}:{name}" for name in ("minute", "hour", "pause")]
        self.per_minute, self.per_hour = per_minute, per_hour
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)
        self._spare = client.register_script(_SPARE.replace("SHARE", str(SPARE_SHARE)))

    def wait_ms(self) -> int:
        """Take a slot (0) or say how many milliseconds until one frees."""
        member = uuid.uuid4().hex
        return int(self._acquire(keys=self.keys, args=[self.per_minute, self.per_hour, member]))

    def acquire(self, max_wait: float = 10.0) -> None:
        """Take a slot, sleeping up to ``max_wait`` seconds for one; else raise ``RateLimited``."""
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.wait_ms() / 1000
            if wait <= 0:
                return
            if time.monotonic() + wait > deadline:
                raise RateLimited(wait, "GitHub's content-creation limit is used up")
            time.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every worker's writes for ``seconds`` (GitHub said so with ``Retry-After``)."""
        self._pause(keys=self.keys[2:], args=[max(1, int(seconds * 1000))])

    def spare(self) -> bool:
        """Whether a write that can be left out fits now (takes no slot: its write does)."""
        return bool(self._spare(keys=self.keys, args=[self.per_minute, self.per_hour]))


@dataclass
class MemoryLimiter:
    """The same contract in one process, for unit tests and the local CLI."""

    per_minute: int = 80
    per_hour: int = 500
    taken: list[float] = field(default_factory=list)
    paused_until: float = 0.0

    def acquire(self, max_wait: float = 10.0) -> None:
        now = time.monotonic()
        if self.paused_until > now:
            raise RateLimited(self.paused_until - now, "GitHub asked to wait")
        minute, hour = self._windows(now)
        if len(minute) >= self.per_minute or len(hour) >= self.per_hour:
            oldest = minute[0] + 60 if len(minute) >= self.per_minute else hour[0] + 3600
            raise RateLimited(oldest - now, "GitHub's content-creation limit is used up")
        self.taken.append(now)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def spare(self) -> bool:
        now = time.monotonic()
        if self.paused_until > now:
            return False
        minute, hour = self._windows(now)
        return all(
            (limit - len(used)) * SPARE_SHARE >= limit
            for limit, used in ((self.per_minute, minute), (self.per_hour, hour))
        )

    def _windows(self, now: float) -> tuple[list[float], list[float]]:
        """The slots taken in the last minute and in the last hour, oldest first."""
        return [t for t in self.taken if t > now - 60], [t for t in self.taken if t > now - 3600]
