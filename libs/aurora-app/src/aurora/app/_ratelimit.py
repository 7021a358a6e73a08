"""Fixed-window request quotas, kept in memory or in Redis.

A fixed window (``limit`` requests per ``window`` seconds, windows aligned to the
epoch) is the one algorithm that is a single atomic ``INCR`` in Redis, so every
replica of a service shares one exact count with one round trip. The in-memory
backend implements the same arithmetic for single-process services and tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aurora.errors import ServiceUnavailableError, require_extra

if TYPE_CHECKING:  # redis is optional: the aurora-app[redis] extra
    from redis.asyncio import Redis

__all__ = [
    "MemoryRateLimitBackend",
    "RateLimitBackend",
    "RateLimitDecision",
    "RateLimiterUnavailableError",
    "RedisRateLimitBackend",
]


class RateLimiterUnavailableError(ServiceUnavailableError):
    """The quota store cannot be reached; the failure policy decides what happens."""


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of counting one request against a quota."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    """Seconds until the current window ends and the quota is full again."""


class RateLimitBackend(Protocol):
    """Where request counts live. ``hit`` counts one request and judges it."""

    async def hit(self, key: str, limit: int, window: int) -> RateLimitDecision:
        """Count a request for ``key``; raise ``RateLimiterUnavailableError`` if unable."""
        ...

    async def aclose(self) -> None:
        """Release connections; called on application shutdown."""
        ...


def _decide(count: int, limit: int, window: int, now: float) -> RateLimitDecision:
    reset_after = window - (now % window)
    return RateLimitDecision(
        allowed=count <= limit,
        limit=limit,
        remaining=max(limit - count, 0),
        reset_after=reset_after,
    )


class MemoryRateLimitBackend:
    """Counts in a dict: exact for one process, forgotten on restart.

    Args:
        clock: Wall-clock seconds; injectable so tests can cross window borders.
        max_keys: Entries kept before stale windows are swept, bounding memory
            under a flood of distinct clients.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window: int) -> RateLimitDecision:
        now = self._clock()
        index = int(now // window)
        current = self._windows.get(key)
        count = current[1] + 1 if current is not None and current[0] == index else 1
        self._windows[key] = (index, count)
        if len(self._windows) > self._max_keys:
            self._sweep(index)
        return _decide(count, limit, window, now)

    def _sweep(self, index: int) -> None:
        stale = [key for key, (seen, _) in self._windows.items() if seen != index]
        for key in stale:
            del self._windows[key]
        if len(self._windows) > self._max_keys:  # all current: forget the oldest half
            for key in list(self._windows)[: len(self._windows) // 2]:
                del self._windows[key]

    async def aclose(self) -> None:
        self._windows.clear()


class RedisRateLimitBackend:
    """Counts in Redis with ``INCR`` + ``EXPIRE``, shared by every replica.

    The client is created lazily, once per event loop: an asyncio Redis connection
    belongs to the loop that opened it, and test clients may run one loop per request.

    Args:
        url: ``redis://host:port/db``.
        prefix: Key prefix; keys are ``{prefix}{client key}:{window index}``.
        timeout: Connect and command timeout in seconds. Keep it short: every
            request waits on it when Redis is unreachable.
        clock: Wall-clock seconds, shared by all replicas through NTP.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "aurora:ratelimit:",
        timeout: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        require_extra(
            "redis", distribution="aurora-app", extra="redis", feature="RedisRateLimitBackend"
        )
        self._url = url
        self._prefix = prefix
        self._timeout = timeout
        self._clock = clock
        self._clients: dict[asyncio.AbstractEventLoop, Redis] = {}

    def _client(self) -> Redis:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for stale in [other for other in self._clients if other.is_closed()]:
                del self._clients[stale]
            client = Redis.from_url(
                self._url,
                socket_connect_timeout=self._timeout,
                socket_timeout=self._timeout,
                # No retries: a request must not wait through backoffs for its quota;
                # the failure policy answers immediately instead.
                retry=Retry(NoBackoff(), 0),
            )
            self._clients[loop] = client
        return client

    async def hit(self, key: str, limit: int, window: int) -> RateLimitDecision:
        from redis.exceptions import RedisError

        now = self._clock()
        redis_key = f"{self._prefix}{key}:{int(now // window)}"
        try:
            async with self._client().pipeline(transaction=True) as pipe:
                pipe.incr(redis_key)
                pipe.expire(redis_key, window + 1)
                results: list[Any] = await pipe.execute()
        except (TimeoutError, RedisError, OSError) as exc:
            raise RateLimiterUnavailableError(
                "The rate limiter is unavailable", retry_after=1
            ) from exc
        return _decide(int(results[0]), limit, window, now)

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()
