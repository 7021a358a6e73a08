"""``RedisBroker``: the production transport, on Redis Streams via ``redis.asyncio``.

Every Redis connection or timeout error is translated at this boundary into
``BrokerUnavailableError`` (a 503), so callers such as the outbox relay handle one
error type whatever the client library raises. A ``NOGROUP`` reply (the group or
its stream vanished, e.g. a restart without persistence) becomes ``GroupLostError``:
the group is never recreated behind the consumer's back.

On a Redis Cluster (a ``RedisCluster`` client) stream keys carry a hash tag,
``<prefix>{<stream>}`` and ``<prefix>{<stream>}:dlq``, so a stream and its dead-letter
stream share a slot (dead-lettering stays one MULTI), and a read over several
streams is one ``XREADGROUP`` per stream, since one command can't span slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis, RedisCluster
from redis.exceptions import ClusterError, RedisClusterException, ResponseError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from aurora.events._broker import (
    DLQ_SUFFIX,
    Delivery,
    GroupInfo,
    OutgoingMessage,
    Persistence,
    StreamEntry,
    StreamInfo,
)
from aurora.events._errors import BrokerUnavailableError, GroupLostError
from aurora.events._redis import _consumer, _info, _publisher
from aurora.events._redis._publisher import text
from aurora.events._redis._spans import trace_client
from aurora.events._redis._trim import Trimmer
from aurora.events._translation import Addressed, translating
from aurora.events._waiting import read_each

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.events._settings import EventsSettings

__all__ = ["RedisBroker"]

DEFAULT_MAXLEN = 1_000_000
_UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterError,  # cluster down, a master down, slots moving
    RedisClusterException,
    TryAgainError,
    OSError,
)


def _translate(broker: Addressed, exc: Exception) -> BaseException | None:
    if isinstance(exc, _UNAVAILABLE):
        return BrokerUnavailableError(
            f"Redis at {broker.address} is unavailable: {exc}", context={"broker": broker.address}
        )
    if isinstance(exc, ResponseError) and _is_nogroup(exc):
        return GroupLostError(
            f"Redis at {broker.address} lost a consumer group: {exc}",
            context={"broker": broker.address},
        )
    return None


_translated = translating(_translate)


class RedisBroker:
    """A ``Broker`` on Redis Streams.

    Args:
        client: A ``redis.asyncio.Redis`` or ``RedisCluster``; bytes replies are expected
            but not required.
        prefix: Prepended to every stream key, so several apps (or tests) share a Redis.
        maxlen: The length a stream should stay under. Streams are trimmed only up to
            what every group acknowledged (``XTRIM MINID ~``, see ``_trim``); above
            the cap the broker warns and ``stream_info`` reports ``over_capacity``.
            ``None``: no cap (streams with groups are still trimmed).
        owns_client: Close the client in :meth:`close` (true when built ``from_url``).
        hash_tags: Put stream names in ``{}`` (default: on a cluster client only, so keys
            on a single Redis stay what they were).
        require_durable: ``persistence()`` reports durability as required, so the
            relay refuses a Redis without AOF (``from_config``: staging/production).
        trim_interval: Seconds between trims of one stream.
    """

    def __init__(
        self,
        client: Redis | RedisCluster,
        *,
        prefix: str = "",
        maxlen: int | None = DEFAULT_MAXLEN,
        owns_client: bool = False,
        hash_tags: bool | None = None,
        require_durable: bool = False,
        trim_interval: float = 1.0,
    ) -> None:
        # Redis and RedisCluster share the commands used here; each one is a span.
        self._client: Any = trace_client(client)
        self._prefix = prefix
        self._maxlen = maxlen
        self._owns_client = owns_client
        self._cluster = isinstance(client, RedisCluster)
        self._hash_tags = self._cluster if hash_tags is None else hash_tags
        self._require_durable = require_durable
        self._trimmer = Trimmer(maxlen=maxlen, interval=trim_interval)
        self._cursors: dict[tuple[str, str], str] = {}
        if isinstance(client, RedisCluster):
            self.address = ",".join(f"{node.host}:{node.port}" for node in client.startup_nodes)
        else:
            kwargs = client.connection_pool.connection_kwargs
            self.address = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "",
        maxlen: int | None = DEFAULT_MAXLEN,
        cluster: bool = False,
        require_durable: bool = False,
        trim_interval: float = 1.0,
        **options: Any,
    ) -> RedisBroker:
        """Build a broker with its own client; ``options`` go to ``Redis.from_url``.

        A Redis Cluster client is used when ``cluster`` is true or the URL says
        ``?cluster=true`` (any node's address will do: the client discovers the rest).
        """
        options.setdefault("socket_connect_timeout", 5)
        options["decode_responses"] = False
        url, cluster = _cluster_flag(url, cluster)
        client: Redis | RedisCluster = (
            RedisCluster.from_url(url, **options) if cluster else Redis.from_url(url, **options)
        )
        broker = cls(
            client,
            prefix=prefix,
            maxlen=maxlen,
            owns_client=True,
            require_durable=require_durable,
            trim_interval=trim_interval,
        )
        parts = urlsplit(url)
        broker.address = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
        return broker

    @classmethod
    def from_config(
        cls, config: ServiceConfig, *, settings: EventsSettings | None = None
    ) -> RedisBroker:
        """Build from a service's config: its ``redis.url`` and the events settings."""
        from aurora.events._settings import EventsSettings

        opts = settings or config.section(EventsSettings)
        redis = config.redis
        required = config.service.environment in ("staging", "production")
        return cls.from_url(
            redis.url,
            prefix=opts.stream_prefix,
            maxlen=opts.maxlen,
            cluster=opts.redis_cluster,
            require_durable=required and not opts.accept_volatile_broker,
            socket_connect_timeout=redis.connect_timeout,
            # A blocking XREADGROUP must not look like a dead socket.
            socket_timeout=max(redis.socket_timeout, opts.block + 1.0),
        )

    @property
    def client(self) -> Any:
        """The underlying ``Redis`` or ``RedisCluster`` (raw commands, benchmarks' baselines)."""
        return self._client

    def key(self, stream: str) -> str:
        """The Redis key of a logical stream name (hash-tagged on a cluster)."""
        if not self._hash_tags:
            return self._prefix + stream
        if stream.endswith(DLQ_SUFFIX):
            return f"{self._prefix}{{{stream[: -len(DLQ_SUFFIX)]}}}{DLQ_SUFFIX}"
        return f"{self._prefix}{{{stream}}}"

    @_translated
    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Pipelined ``XADD``, then trim what every group acknowledged; returns the ids."""
        ids = await _publisher.xadd_many(self._client, messages, key=self.key, maxlen=None)
        for physical in {self.key(message.stream) for message in messages}:
            if self._trimmer.due(physical):
                await self._trimmer.trim(self._client, physical)
        return ids

    @_translated
    async def ensure_group(self, stream: str, group: str, *, start_id: str = "0") -> None:
        """``XGROUP CREATE ... MKSTREAM``, tolerating an existing group."""
        try:
            await self._client.xgroup_create(self.key(stream), group, id=start_id, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    @_translated
    async def read(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """``XREADGROUP`` for new entries; ``GroupLostError`` if Redis lost the group."""
        if self._cluster and len(streams) > 1:
            return await self._read_each(streams, group, consumer, count=count, block=block)
        physical = {self.key(stream): stream for stream in streams}
        return await _consumer.read_group(
            self._client, physical, group, consumer, count=count, block=block
        )

    async def _read_each(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """One read per stream (streams live in different slots): at once, then waiting."""

        async def read_one(stream: str, wanted: int, wait: float) -> list[Delivery]:
            return await self.read([stream], group, consumer, count=wanted, block=wait)

        return await read_each(streams, read_one, count=count, block=block)

    @_translated
    async def ack(self, stream: str, group: str, message_ids: Sequence[str]) -> int:
        """One ``XACK`` for the whole batch."""
        if not message_ids:
            return 0
        return int(await self._client.xack(self.key(stream), group, *message_ids))

    @_translated
    async def claim(
        self, stream: str, group: str, consumer: str, *, min_idle: float, count: int
    ) -> list[Delivery]:
        """``XAUTOCLAIM`` from where the previous scan of this group stopped."""
        cursor_key = (stream, group)
        deliveries, cursor = await _consumer.autoclaim(
            self._client,
            self.key(stream),
            stream,
            group,
            consumer,
            min_idle=min_idle,
            count=count,
            cursor=self._cursors.get(cursor_key, "0-0"),
        )
        self._cursors[cursor_key] = cursor
        return deliveries

    @_translated
    async def release(
        self,
        stream: str,
        group: str,
        consumer: str,
        message_ids: Sequence[str],
        *,
        delay: float = 0.0,
        min_idle: float = 0.0,
    ) -> None:
        """Return pending entries for reclaim after ``delay`` (see ``_consumer.release``)."""
        await _consumer.release(
            self._client,
            self.key(stream),
            group,
            consumer,
            message_ids,
            idle=None if delay <= 0 else max(0.0, min_idle - delay),
        )

    @_translated
    async def dead_letter(self, delivery: Delivery, *, group: str, error: str) -> str:
        """``MULTI; XADD <stream>:dlq; XACK; EXEC``."""
        return await _publisher.dead_letter(
            self._client, delivery, key=self.key, group=group, error=error
        )

    @_translated
    async def range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """``XRANGE``, fields decoded to text."""
        rows: Any = await self._client.xrange(self.key(stream), start, end, count=count)
        return [
            StreamEntry(stream, text(mid), {text(k): text(v) for k, v in (fields or {}).items()})
            for mid, fields in rows or ()
        ]

    @_translated
    async def delete(self, stream: str, message_ids: Sequence[str]) -> int:
        """``XDEL``."""
        if not message_ids:
            return 0
        return int(await self._client.xdel(self.key(stream), *message_ids))

    @_translated
    async def set_group_position(self, stream: str, group: str, message_id: str) -> None:
        """``XGROUP SETID``: the group re-reads everything after ``message_id``."""
        await self._client.xgroup_setid(self.key(stream), group, message_id)

    @_translated
    async def group_info(self, stream: str, group: str) -> GroupInfo:
        """``XINFO GROUPS`` and ``XPENDING``; a missing stream or group has ``exists=False``."""
        return await _info.group_info(self._client, self.key(stream), stream, group)

    @_translated
    async def stream_info(self, stream: str) -> StreamInfo:
        """``XINFO STREAM``: length against ``maxlen``, last generated id."""
        return await _info.stream_info(self._client, self.key(stream), stream, self._maxlen)

    @_translated
    async def persistence(self) -> Persistence:
        """``INFO persistence`` and ``INFO memory``: AOF on, no eviction."""
        return await _info.persistence(self._client, required=self._require_durable)

    @_translated
    async def trim(self, stream: str) -> int:
        """Trim ``stream`` now as far as its groups allow (publishing does it every second)."""
        return await self._trimmer.trim(self._client, self.key(stream))

    @_translated
    async def ping(self) -> None:
        """``PING``."""
        await self._client.ping()

    async def close(self) -> None:
        """Close the client if this broker created it."""
        if self._owns_client:
            await self._client.aclose()


def _cluster_flag(url: str, cluster: bool) -> tuple[str, bool]:
    """Strip ``cluster=true`` from the URL's query (no client accepts it) and honour it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    flags = [value for key, value in query if key == "cluster"]
    if not flags:
        return url, cluster
    kept = urlencode([(key, value) for key, value in query if key != "cluster"])
    wanted = cluster or flags[-1].lower() in ("1", "true", "yes", "on")
    return urlunsplit(parts._replace(query=kept)), wanted


def _is_nogroup(exc: ResponseError) -> bool:
    return str(exc).startswith("NOGROUP")
