"""Request quotas on ``limits``, the library of record: moving or sliding windows, several tiers.

A policy is one or more tiers in ``limits``' notation (``"100/minute;1000/hour"``);
a request passes when it fits every tier, and the headers report the tightest.
The counting is ``limits``' (its moving window is exact, its sliding-window
counter is cheap and approximate, its fixed window is one ``INCR``), in memory
for one process or in Redis (or Redis Cluster) for every replica.

Redis is optional: ``pip install 'aurora-app[redis]'``. It is imported only when a
Redis backend is used, and its absence is one clear error.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)

from aurora.app._redis_spans import trace_storage
from aurora.errors import ServiceUnavailableError, require_extra

__all__ = [
    "MemoryRateLimitBackend",
    "RateLimitBackend",
    "RateLimitDecision",
    "RateLimitPolicy",
    "RateLimiterUnavailableError",
    "RedisRateLimitBackend",
    "Strategy",
]

Strategy = Literal["moving-window", "sliding-window", "fixed-window"]
_STRATEGIES: dict[str, type[RateLimiter]] = {
    "moving-window": MovingWindowRateLimiter,
    "sliding-window": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
}


class RateLimiterUnavailableError(ServiceUnavailableError):
    """The quota store cannot be reached; the failure policy decides what happens."""


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """A named set of tiers, e.g. ``RateLimitPolicy.parse("search", "10/second;100/minute")``."""

    name: str
    tiers: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, limits: str) -> RateLimitPolicy:
        """Tiers in ``limits``' notation; ``ValueError`` when the text is not one."""
        tiers = tuple(parse_many(limits))
        if not tiers:
            raise ValueError(f"no rate limit in {limits!r}")
        return cls(name, tiers)

    @classmethod
    def of(cls, name: str, limit: int, window_seconds: int) -> RateLimitPolicy:
        """One tier of ``limit`` requests per ``window_seconds``."""
        return cls.parse(name, f"{limit}/{window_seconds} second")

    def header(self) -> str:
        """The IETF ``RateLimit-Policy`` value: one entry per tier."""
        return ", ".join(
            f'"{self.name}";q={tier.amount};w={tier.get_expiry()}' for tier in self.tiers
        )


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of counting one request against a policy (the tightest tier)."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    """Seconds until the tightest tier has room again."""


class RateLimitBackend(Protocol):
    """Where request counts live. ``hit`` counts one request and judges it."""

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        """Count a request for ``key``; raise ``RateLimiterUnavailableError`` if unable."""
        ...

    async def aclose(self) -> None:
        """Release connections; called on application shutdown."""
        ...


class _LimitsBackend(ABC):
    """A ``limits`` strategy over a storage; each backend says where the counts live.

    The two abstract methods are the whole difference between backends, so mypy
    refuses to build one that leaves either out.
    """

    def __init__(self, strategy: Strategy) -> None:
        if strategy not in _STRATEGIES:
            raise ValueError(f"unknown rate limit strategy {strategy!r}")
        self._strategy = _STRATEGIES[strategy]

    @abstractmethod
    def _limiter(self) -> RateLimiter:
        """The limiter to count with on the running event loop."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release what the backend holds; called on application shutdown."""

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        limiter = self._limiter()
        try:
            return await _judge(limiter, policy, key)
        except (TimeoutError, OSError) as exc:
            raise _unavailable(exc) from exc
        except Exception as exc:
            if _is_storage_error(exc):
                raise _unavailable(exc) from exc
            raise


async def _judge(limiter: RateLimiter, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
    now = time.time()
    tightest: RateLimitDecision | None = None
    for tier in policy.tiers:
        passed = await limiter.hit(tier, policy.name, key)
        stats = await limiter.get_window_stats(tier, policy.name, key)
        decision = RateLimitDecision(
            allowed=passed,
            limit=tier.amount,
            remaining=max(stats.remaining, 0),
            reset_after=max(stats.reset_time - now, 0.0),
        )
        if not passed:
            return decision  # the remaining tiers are not charged for a refused request
        if tightest is None or decision.remaining < tightest.remaining:
            tightest = decision
    assert tightest is not None  # a policy has at least one tier
    return tightest


def _unavailable(exc: BaseException) -> RateLimiterUnavailableError:
    # The cause is chained by the caller (raise ... from exc) for the outage log.
    return RateLimiterUnavailableError("The rate limiter is unavailable", retry_after=1)


def _is_storage_error(exc: Exception) -> bool:
    from limits.errors import StorageError

    if isinstance(exc, StorageError):
        return True
    if importlib.util.find_spec("redis") is not None:
        from redis.exceptions import RedisError

        return isinstance(exc, RedisError)
    return False


async def _close(storage: Storage) -> None:
    bridge = getattr(storage, "bridge", None)
    client = getattr(bridge, "storage", None)
    close = getattr(client, "aclose", None)
    if close is not None:
        await close()


class MemoryRateLimitBackend(_LimitsBackend):
    """Counts in this process's memory: exact for one replica, forgotten on restart.

    One storage serves every event loop (the counts are the process's, and test
    clients may run a loop per request); only its expiry task is the loop's, so a
    new loop gets a new one.
    """

    def __init__(self, *, strategy: Strategy = "moving-window") -> None:
        super().__init__(strategy)
        self._memory = MemoryStorage()
        self._shared = self._strategy(self._memory)
        self._loop: asyncio.AbstractEventLoop | None = None

    def _limiter(self) -> RateLimiter:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._memory.timer = None  # the previous loop's task will never run again
        return self._shared

    async def aclose(self) -> None:
        await self._memory.reset()


class RedisRateLimitBackend(_LimitsBackend):
    """Counts in Redis (``redis://``, ``rediss://``) or Redis Cluster (``redis+cluster://``).

    Args:
        url: Where Redis is; every replica pointing at it shares the counts.
        prefix: Prefix of every key.
        timeout: Connect and command timeout in seconds. Keep it short: every
            request waits on it when Redis is unreachable, and there are no retries.
        strategy: ``moving-window`` (exact), ``sliding-window`` (approximate, cheaper)
            or ``fixed-window``.

    Raises:
        ModuleNotFoundError: The redis client is not installed (``aurora-app[redis]``).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "aurora:ratelimit",
        timeout: float = 0.25,
        strategy: Strategy = "moving-window",
    ) -> None:
        require_extra(
            "redis", distribution="aurora-app", extra="redis", feature="RedisRateLimitBackend"
        )
        super().__init__(strategy)
        self._url = url if url.startswith("async+") else "async+" + url
        self._prefix = prefix.rstrip(":")
        self._timeout = timeout
        self._limiters: dict[asyncio.AbstractEventLoop, tuple[RateLimiter, Storage]] = {}

    def _limiter(self) -> RateLimiter:
        # A Redis connection belongs to the loop that opened it, and test clients may
        # run one loop per client: one storage per loop, the closed loops' dropped.
        loop = asyncio.get_running_loop()
        entry = self._limiters.get(loop)
        if entry is None:
            for stale in [other for other in self._limiters if other.is_closed()]:
                del self._limiters[stale]
            storage = self._storage()
            entry = self._limiters[loop] = (self._strategy(storage), storage)
        return entry[0]

    async def aclose(self) -> None:
        entry = self._limiters.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await _close(entry[1])

    def _storage(self) -> Storage:
        from limits.aio.storage import RedisClusterStorage, RedisStorage
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        kind = RedisClusterStorage if "+cluster" in self._url else RedisStorage
        options: dict[str, Any] = {
            "socket_timeout": self._timeout,
            "socket_connect_timeout": self._timeout,
            # No retries: a request must not wait through backoffs for its quota;
            # the failure policy answers at once instead.
            "retry": Retry(NoBackoff(), 0),
        }
        storage = kind(
            self._url,
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=self._prefix,
            **options,
        )
        return trace_storage(storage)
