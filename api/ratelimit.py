"""Per-client rate limits, counted in Redis so they hold across API instances.

A fixed window per client and bucket: the first request of a window creates a counter that
expires with the window; each request increments it in one Lua call (atomic, one round trip).
Past the limit the answer is 429 with ``Retry-After`` = the seconds left in the window. Redis's
own clock times the window, so API instances with skewed clocks agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

from api.errors import TooManyRequests
from shared import keys

WINDOW_MS: Final = 60_000
MAX_CLIENT_CHARS: Final = 100

_HIT: Final = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after_ms: int


class RateLimiter:
    def __init__(self, redis: Redis, window_ms: int = WINDOW_MS) -> None:
        self.window_ms = window_ms
        self._hit = redis.register_script(_HIT)

    async def hit(self, bucket: str, client: str, limit: int) -> Verdict:
        key = keys.rate_limit(bucket, client[:MAX_CLIENT_CHARS])
        count, ttl = await self._hit(keys=[key], args=[self.window_ms])
        return Verdict(int(count) <= limit, int(count), limit, int(ttl))

    async def check(self, bucket: str, client: str, limit: int) -> None:
        """Count this request; raise 429 with ``Retry-After`` when over ``limit`` per window."""
        verdict = await self.hit(bucket, client, limit)
        if not verdict.allowed:
            seconds = max(1, math.ceil(verdict.retry_after_ms / 1000))
            raise TooManyRequests(
                f"Rate limit reached: {limit} {bucket} requests per {self.window_ms // 1000} s; retry in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )
