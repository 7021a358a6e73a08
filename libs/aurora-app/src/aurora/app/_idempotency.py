"""Server-side ``Idempotency-Key`` (IETF httpapi draft): a retried POST does its work once.

aurora-http retries a POST or PATCH only when it carries an ``Idempotency-Key``;
this is the other half. The first response to a key is stored, per caller
(the verified JWT subject, else the client address), for ``ttl`` seconds:

* a retry with the same key and the same request is answered from the store,
  with ``Idempotent-Replayed: true``, and the route does not run again;
* a retry while the first is still being handled is a 409 with ``Retry-After``;
* the same key with a different request (method, path, query or body) is a 422;
* a 5xx (or a request that raised) is not stored: the retry runs afresh.

The store is a small protocol, so the memory and Redis stores here and a
database-backed one elsewhere (aurora-db) are interchangeable. No library of
record implements the draft for ASGI, hence this module.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from aurora.app._redis_spans import trace_redis
from aurora.errors import require_extra

__all__ = [
    "IdempotencyRecord",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "RedisIdempotencyStore",
]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What the store holds for one key: the request's fingerprint and, once done, its response."""

    fingerprint: str
    status: int | None = None
    """``None`` while the first request is still being handled."""
    headers: Sequence[tuple[str, str]] = field(default_factory=tuple)
    body: bytes = b""

    @property
    def done(self) -> bool:
        """Whether the response is known (else the first request is in flight)."""
        return self.status is not None

    def dumps(self) -> bytes:
        """The record as JSON bytes (the Redis and database stores keep it so)."""
        return orjson.dumps(
            {
                "fingerprint": self.fingerprint,
                "status": self.status,
                "headers": [list(pair) for pair in self.headers],
                "body": base64.b64encode(self.body).decode("ascii"),
            }
        )

    @classmethod
    def loads(cls, raw: bytes | str) -> IdempotencyRecord:
        """The record :meth:`dumps` wrote."""
        data = orjson.loads(raw)
        return cls(
            fingerprint=data["fingerprint"],
            status=data["status"],
            headers=tuple((name, value) for name, value in data["headers"]),
            body=base64.b64decode(data["body"]),
        )


class IdempotencyStore(Protocol):
    """Where first responses live. ``begin`` must be atomic across replicas."""

    async def begin(
        self, key: str, record: IdempotencyRecord, ttl: float
    ) -> IdempotencyRecord | None:
        """Reserve ``key`` with the in-flight ``record``; or return the record already there."""
        ...

    async def finish(self, key: str, record: IdempotencyRecord, ttl: float) -> None:
        """Store the completed ``record`` for ``ttl`` seconds."""
        ...

    async def abandon(self, key: str) -> None:
        """Forget ``key`` (the request failed; a retry should run afresh)."""
        ...


class MemoryIdempotencyStore:
    """Records in this process's memory: right for one replica and for tests.

    Args:
        max_keys: Records kept at most; the oldest go first beyond it.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(self, *, max_keys: int = 100_000, clock: Any = time.monotonic) -> None:
        self._records: dict[str, tuple[float, IdempotencyRecord]] = {}
        self._max_keys = max_keys
        self._clock = clock

    async def begin(
        self, key: str, record: IdempotencyRecord, ttl: float
    ) -> IdempotencyRecord | None:
        now = self._clock()
        existing = self._records.get(key)
        if existing is not None and existing[0] > now:
            return existing[1]
        self._put(key, record, now + ttl)
        return None

    async def finish(self, key: str, record: IdempotencyRecord, ttl: float) -> None:
        self._put(key, record, self._clock() + ttl)

    async def abandon(self, key: str) -> None:
        self._records.pop(key, None)

    def _put(self, key: str, record: IdempotencyRecord, expires: float) -> None:
        self._records.pop(key, None)  # re-inserted last: dict order is age order
        self._records[key] = (expires, record)
        while len(self._records) > self._max_keys:
            del self._records[next(iter(self._records))]


class RedisIdempotencyStore:
    """Records in Redis, shared by every replica (``SET NX`` makes ``begin`` atomic).

    Args:
        url: ``redis://host:port/db``.
        prefix: Prefix of every key.
        timeout: Connect and command timeout in seconds.

    Raises:
        ModuleNotFoundError: The redis client is not installed (``aurora-app[redis]``).
    """

    def __init__(
        self, url: str, *, prefix: str = "aurora:idempotency:", timeout: float = 1.0
    ) -> None:
        require_extra(
            "redis", distribution="aurora-app", extra="redis", feature="RedisIdempotencyStore"
        )
        self._url = url
        self._prefix = prefix
        self._timeout = timeout
        self._clients: dict[asyncio.AbstractEventLoop, Any] = {}

    def _client(self) -> Any:
        from redis.asyncio import Redis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = trace_redis(
                Redis.from_url(
                    self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
                )
            )
        return client

    async def begin(
        self, key: str, record: IdempotencyRecord, ttl: float
    ) -> IdempotencyRecord | None:
        client = self._client()
        name = self._prefix + key
        if await client.set(name, record.dumps(), nx=True, px=max(1, int(ttl * 1000))):
            return None
        raw = await client.get(name)
        if raw is None:  # expired in between: take it
            return await self.begin(key, record, ttl)
        return IdempotencyRecord.loads(raw)

    async def finish(self, key: str, record: IdempotencyRecord, ttl: float) -> None:
        await self._client().set(self._prefix + key, record.dumps(), px=max(1, int(ttl * 1000)))

    async def abandon(self, key: str) -> None:
        await self._client().delete(self._prefix + key)

    async def aclose(self) -> None:
        """Close this loop's connection pool."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same request" for one key."""
    digest = hashlib.sha256()
    for part in (method.encode("latin-1"), path.encode("utf-8"), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
