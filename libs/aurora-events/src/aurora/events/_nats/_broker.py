"""``NatsBroker``: the ``Broker`` protocol on NATS JetStream, via nats-py.

How Redis Streams semantics map onto JetStream:

- a logical stream is a JetStream stream with file storage and limits retention
  (every group reads everything retained, as on Redis); messages go to
  ``<prefix><stream>.<event type>``, so the type needs no header;
- a consumer group is a durable pull consumer with explicit acks; its
  ``ack_wait`` is the visibility timeout: JetStream itself redelivers what a dead
  member never acked, so ``claim`` is a fetch and ``min_idle`` is not consulted;
- ``release`` is a nak (redelivered at once), a dead letter is published to the
  ``<stream>:dlq`` stream (deduplicated by ``Nats-Msg-Id``) and then terminated;
- message ids are stream sequences; a group position is a start sequence or time;
- streams keep every message (limits retention without a count cap) and are purged,
  at most once per ``trim_interval``, only below what every consumer acknowledged
  and only past ``maxlen``: trimming never passes the slowest group (interest
  retention would drop history that replay and late groups need);
- a consumer JetStream no longer has raises ``GroupLostError`` (checked when a
  fetch comes back empty), and a stream it lost is recreated only by a publish.

A publish counts only once JetStream has answered with its PubAck: ``publish``
returns only then, so the outbox relay deletes rows only for stored events.
Every connection, timeout or no-responders error is translated at this boundary
into ``BrokerUnavailableError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn, ParamSpec, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from aurora.events._broker import (
    Delivery,
    GroupInfo,
    OutgoingMessage,
    Persistence,
    StreamEntry,
    StreamInfo,
    dead_letter_stream,
)
from aurora.events._errors import BrokerUnavailableError, GroupLostError
from aurora.events._nats._messages import (
    NatsGroupInfo,
    end_sequence,
    entry,
    header_value,
    sequence_and_count,
)
from aurora.events._nats._positions import (
    Position,
    event_type_of,
    parse_position,
    stream_name,
    subject_base,
)
from aurora.events._waiting import first_batch
from aurora.logging import get_logger

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.events._settings import EventsSettings

__all__ = ["NatsBroker"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
DEFAULT_MAXLEN = 1_000_000
_UNAVAILABLE = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoRespondersError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.TimeoutError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    asyncio.TimeoutError,
    OSError,
)
_RANGE_BATCH = 256
_NO_WAIT_FLOOR = 0.05
_DUPLICATE_WINDOW = 120.0


def _translated(
    fn: Callable[Concatenate[NatsBroker, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[NatsBroker, _P], Coroutine[Any, Any, _R]]:
    @functools.wraps(fn)
    async def wrapper(self: NatsBroker, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await fn(self, *args, **kwargs)
        except _UNAVAILABLE as exc:
            raise BrokerUnavailableError(
                f"NATS JetStream at {self.address} is unavailable: {exc!r}",
                context={"broker": self.address},
            ) from exc

    return wrapper


class NatsBroker:
    """A ``Broker`` on NATS JetStream.

    Args:
        url: NATS server URL(s), comma-separated (``nats://127.0.0.1:4222``).
        prefix: Prepended to every subject and stream name, so apps (or tests) share a server.
        maxlen: The length a stream should stay under: acknowledged messages past it are
            purged (see the module docstring); ``None`` keeps everything.
        ack_wait: Seconds an unacked message waits before JetStream redelivers it.
        publish_timeout: Seconds to wait for the PubAcks of one ``publish`` call.
        replicas: Stream replicas (3 on a JetStream cluster for fault tolerance).
        trim_interval: Seconds between trims of one stream (see the module docstring).
        require_durable: ``persistence()`` reports durability as required (the relay
            then refuses a server without JetStream); ``from_config`` in staging/production.
        client: An already connected client to use instead of connecting to ``url``.
    """

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        *,
        prefix: str = "",
        maxlen: int | None = DEFAULT_MAXLEN,
        ack_wait: float = 30.0,
        publish_timeout: float = 10.0,
        replicas: int = 1,
        trim_interval: float = 1.0,
        require_durable: bool = False,
        client: Client | None = None,
    ) -> None:
        self.address = url
        self.ack_wait = ack_wait
        self._prefix = prefix
        self._maxlen = maxlen
        self._publish_timeout = publish_timeout
        self._replicas = replicas
        self._client = client
        self._owns_client = client is None
        self._js: JetStreamContext | None = None if client is None else client.jetstream()
        self._connecting = asyncio.Lock()
        self._streams: set[str] = set()
        self._subs: dict[tuple[str, str], JetStreamContext.PullSubscription] = {}
        self._inflight: dict[tuple[str, str], dict[str, Msg]] = {}
        self._trim_interval = trim_interval
        self._require_durable = require_durable
        self._trimmed_at: dict[str, float] = {}
        self._log = get_logger("aurora.events.nats")

    @classmethod
    def from_settings(
        cls, settings: EventsSettings, *, require_durable: bool = False
    ) -> NatsBroker:
        """Build from the events settings (``nats_url``, prefix, maxlen, visibility timeout)."""
        return cls(
            settings.nats_url,
            prefix=settings.stream_prefix,
            maxlen=settings.maxlen,
            ack_wait=settings.visibility_timeout,
            replicas=settings.nats_replicas,
            require_durable=require_durable,
        )

    @classmethod
    def from_config(
        cls, config: ServiceConfig, *, settings: EventsSettings | None = None
    ) -> NatsBroker:
        """Build for a service: durability is required in staging and production."""
        from aurora.events._settings import EventsSettings

        opts = settings or config.section(EventsSettings)
        required = config.service.environment in ("staging", "production")
        return cls.from_settings(opts, require_durable=required and not opts.accept_volatile_broker)

    # -- connection -------------------------------------------------------------------

    async def jetstream(self) -> JetStreamContext:
        """The JetStream context, connecting on first use (constructors can't await)."""
        if self._js is not None:
            return self._js
        async with self._connecting:
            if self._js is None:
                self._client = await nats.connect(
                    servers=self.address.split(","),
                    name="aurora-events",
                    connect_timeout=2,
                    reconnect_time_wait=0.2,
                    max_reconnect_attempts=-1,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnect,
                )
                self._js = self._client.jetstream()
        return self._js

    async def _on_error(self, exc: Exception) -> None:
        self._log.warning("nats_error", error=repr(exc), broker=self.address)

    async def _on_disconnect(self) -> None:
        if self._client is not None and not self._client.is_closed:
            self._log.warning("nats_disconnected", broker=self.address)

    @property
    def client(self) -> Client | None:
        """The underlying nats-py client once connected (benchmarks' raw baselines)."""
        return self._client

    # -- names --------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """What every subject and stream name of this broker starts with."""
        return self._prefix

    def stream_name(self, stream: str) -> str:
        """The JetStream stream name of a logical stream."""
        return stream_name(self._prefix, stream)

    def subject(self, stream: str, event_type: str) -> str:
        """The subject a message of ``event_type`` is published to."""
        return f"{subject_base(self._prefix, stream)}.{event_type}"

    async def _ensure_stream(self, js: JetStreamContext, stream: str) -> str:
        name = self.stream_name(stream)
        if stream in self._streams:
            return name
        try:
            await js.stream_info(name)
        except nats.js.errors.NotFoundError:
            config = StreamConfig(
                name=name,
                subjects=[subject_base(self._prefix, stream) + ".>"],
                storage=StorageType.FILE,
                num_replicas=self._replicas,
                duplicate_window=_DUPLICATE_WINDOW,
            )
            await js.add_stream(config)
        self._streams.add(stream)
        return name

    # -- publishing ---------------------------------------------------------------------

    @_translated
    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Publish pipelined, then wait for every PubAck; returns the stream sequences.

        Raises ``BrokerUnavailableError`` unless every message was acknowledged
        within ``publish_timeout``: then none of them may count as published.
        """
        js = await self.jetstream()
        streams = {message.stream for message in messages}
        for stream in streams:
            await self._ensure_stream(js, stream)
        try:
            acks = await self._publish_all(js, messages)
        except nats.js.errors.NoStreamResponseError:  # the server lost a stream we knew
            self._streams.difference_update(streams)
            for stream in streams:
                await self._ensure_stream(js, stream)
            acks = await self._publish_all(js, messages)
        for stream in streams:
            await self._trim_when_due(js, stream)
        return [str(ack.seq) for ack in acks]

    async def _publish_all(
        self, js: JetStreamContext, messages: Sequence[OutgoingMessage]
    ) -> list[Any]:
        futures = [
            await js.publish_async(self.subject(stream, event_type), body)
            for stream, event_type, body in messages
        ]
        return list(await asyncio.wait_for(asyncio.gather(*futures), self._publish_timeout))

    async def _trim_when_due(self, js: JetStreamContext, stream: str) -> None:
        now = time.monotonic()
        if self._maxlen is None or now - self._trimmed_at.get(stream, 0.0) < self._trim_interval:
            return
        self._trimmed_at[stream] = now
        await self._trim(js, stream)

    @_translated
    async def trim(self, stream: str) -> int:
        """Purge what every consumer acknowledged, down to ``maxlen``; returns how many went."""
        return await self._trim(await self.jetstream(), stream)

    async def _trim(self, js: JetStreamContext, stream: str) -> int:
        name = self.stream_name(stream)
        state = (await js.stream_info(name)).state
        if self._maxlen is None or state.messages <= self._maxlen:
            return 0
        floors = [
            (info.ack_floor.stream_seq if info.ack_floor is not None else 0)
            for info in await js.consumers_info(name)
            if info.config.durable_name  # range readers are not groups
        ]
        keep_from = min([*floors, state.last_seq]) + 1  # never past the slowest group
        keep_from = min(keep_from, state.last_seq - self._maxlen + 1)
        if keep_from <= state.first_seq:
            return 0
        await js.purge_stream(name, seq=keep_from)
        return keep_from - state.first_seq

    @_translated
    async def dead_letter(self, delivery: Delivery, *, group: str, error: str) -> str:
        """Publish to ``<stream>:dlq`` (PubAck, deduplicated per message and group), then term.

        A crash between the two leaves the message pending; its redelivery is
        dead-lettered again and JetStream drops the duplicate by its ``Nats-Msg-Id``.
        """
        js = await self.jetstream()
        dlq = dead_letter_stream(delivery.stream)
        await self._ensure_stream(js, dlq)
        headers = {
            "Nats-Msg-Id": f"{delivery.stream}/{group}/{delivery.message_id}",
            "stream": delivery.stream,
            "original_id": delivery.message_id,
            "group": group,
            "error": header_value(error),
            "deliveries": str(delivery.deliveries),
            "failed_at": datetime.now(UTC).isoformat(),
        }
        ack = await js.publish(
            self.subject(dlq, delivery.event_type), delivery.body, headers=headers
        )
        msg = self._inflight.get((delivery.stream, group), {}).pop(delivery.message_id, None)
        if msg is not None:
            await msg.term()
        return str(ack.seq)

    # -- groups ---------------------------------------------------------------------------

    def _durable(self, group: str) -> str:
        return stream_name("", group)

    @_translated
    async def ensure_group(self, stream: str, group: str, *, start_id: str = "0") -> None:
        """A durable pull consumer named after ``group`` (and the stream) unless they exist."""
        js = await self.jetstream()
        name = await self._ensure_stream(js, stream)
        try:
            await js.consumer_info(name, self._durable(group))
        except nats.js.errors.NotFoundError:
            await self._create_consumer(js, name, group, parse_position(start_id, after=True))

    async def _create_consumer(
        self, js: JetStreamContext, name: str, group: str, start: Position
    ) -> None:
        config = ConsumerConfig(
            durable_name=self._durable(group),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,  # the consumer dead-letters at max_deliveries; nothing is dropped
            max_ack_pending=-1,
            **start.consumer_options(),
        )
        await js.add_consumer(name, config)

    async def _subscription(self, stream: str, group: str) -> JetStreamContext.PullSubscription:
        key = (stream, group)
        sub = self._subs.get(key)
        if sub is None:
            js = await self.jetstream()
            name = await self._ensure_stream(js, stream)
            sub = await js.pull_subscribe_bind(durable=self._durable(group), stream=name)
            self._subs[key] = sub
        return sub

    async def _drop_subscription(self, stream: str, group: str) -> None:
        sub = self._subs.pop((stream, group), None)
        self._inflight.pop((stream, group), None)
        if sub is not None:
            await sub.unsubscribe()

    # -- consuming -------------------------------------------------------------------------

    @_translated
    async def read(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """Fetch from each stream's durable consumer; waits up to ``block`` when all are empty.

        JetStream hands out redeliveries (messages past ``ack_wait``) here as well.
        """
        found: list[Delivery] = []
        for stream in streams:
            found += await self._fetch(stream, group, count - len(found), wait=0.0)
            if len(found) >= count:
                return found
        if found or block <= 0:
            return found
        return await first_batch([self._fetch(s, group, count, wait=block) for s in streams])

    async def _fetch(self, stream: str, group: str, count: int, *, wait: float) -> list[Delivery]:
        if count <= 0:
            return []
        sub = await self._subscription(stream, group)
        try:
            # fetch() first asks without waiting, so messages come back at once; the
            # floor only bounds how long "nothing there" takes to hear.
            msgs = await sub.fetch(count, timeout=max(wait, _NO_WAIT_FLOOR))
        except TimeoutError:  # nats-py raises its own subclass, or this one
            await self._check_group(stream, group)  # nothing came: is the consumer gone?
            return []
        except nats.js.errors.NotFoundError as exc:
            await self._lost(stream, group, exc)
        return self._deliveries(stream, group, msgs)

    async def _check_group(self, stream: str, group: str) -> None:
        js = await self.jetstream()
        try:
            await js.consumer_info(self.stream_name(stream), self._durable(group))
        except nats.js.errors.NotFoundError as exc:
            await self._lost(stream, group, exc)

    async def _lost(self, stream: str, group: str, exc: Exception) -> NoReturn:
        """Never recreated here: ``ensure_group`` decides where a new group starts."""
        await self._drop_subscription(stream, group)
        self._streams.discard(stream)
        raise GroupLostError(
            f"NATS JetStream at {self.address} lost consumer {group!r} of {stream!r}",
            context={"broker": self.address, "stream": stream, "group": group},
        ) from exc

    def _deliveries(self, stream: str, group: str, msgs: Sequence[Msg]) -> list[Delivery]:
        inflight = self._inflight.setdefault((stream, group), {})
        base = subject_base(self._prefix, stream)
        found: list[Delivery] = []
        for msg in msgs:
            message_id, deliveries = sequence_and_count(msg)
            inflight[message_id] = msg
            found.append(
                Delivery(stream, message_id, event_type_of(msg.subject, base), msg.data, deliveries)
            )
        return found

    @_translated
    async def ack(self, stream: str, group: str, message_ids: Sequence[str]) -> int:
        """Ack each message this broker delivered, then one flush for the whole batch."""
        inflight = self._inflight.get((stream, group), {})
        acked = 0
        for message_id in message_ids:
            msg = inflight.pop(message_id, None)
            if msg is not None:
                await msg.ack()
                acked += 1
        if acked and self._client is not None:
            await self._client.flush()
        return acked

    @_translated
    async def claim(
        self, stream: str, group: str, consumer: str, *, min_idle: float, count: int
    ) -> list[Delivery]:
        """What JetStream redelivers now: messages unacked past ``ack_wait``, or naked.

        ``min_idle`` is not consulted: the consumer's ``ack_wait`` decides (see the
        module docstring). New messages fetched here are returned too.
        """
        return await self._fetch(stream, group, count, wait=0.0)

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
        """Nak (with ``delay``): JetStream redelivers then; the redelivery counts, the nak not.

        ``min_idle`` is not needed: the server holds the message for ``delay`` itself.
        """
        inflight = self._inflight.get((stream, group), {})
        for message_id in message_ids:
            msg = inflight.pop(message_id, None)
            if msg is not None:
                await msg.nak(delay=delay if delay > 0 else None)
        if self._client is not None:
            await self._client.flush()

    @_translated
    async def set_group_position(self, stream: str, group: str, message_id: str) -> None:
        """Recreate the group's consumer to deliver everything after ``message_id``."""
        js = await self.jetstream()
        name = await self._ensure_stream(js, stream)
        await self._drop_subscription(stream, group)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_consumer(name, self._durable(group))
        await self._create_consumer(js, name, group, parse_position(message_id, after=True))

    @_translated
    async def group_info(self, stream: str, group: str) -> GroupInfo:
        """From consumer info: ``lag`` is ``num_pending``, ``pending`` is ``num_ack_pending``.

        JetStream does not name the members of a pull consumer: ``consumers`` reports
        the pull requests waiting now (``num_waiting``).
        """
        js = await self.jetstream()
        name = self.stream_name(stream)
        try:
            info = await js.consumer_info(name, self._durable(group))
        except nats.js.errors.NotFoundError:
            return GroupInfo(stream, group, 0, None, 0, "0", {"missing": True}, exists=False)
        delivered = info.delivered.stream_seq if info.delivered is not None else 0
        pending = info.num_ack_pending or 0
        oldest, appended = None, None
        if pending:
            floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
            oldest = str(floor + 1)
            appended = await self._appended_at(js, name, floor + 1)
        return NatsGroupInfo(
            stream,
            group,
            pending,
            info.num_pending or 0,
            info.num_waiting or 0,
            str(delivered or 0),
            {"redelivered": info.num_redelivered or 0, "oldest_pending_time": appended},
            oldest_pending_id=oldest,
        )

    async def _appended_at(self, js: JetStreamContext, name: str, seq: int) -> datetime | None:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            return (await js.get_msg(name, seq)).time
        return None

    @_translated
    async def stream_info(self, stream: str) -> StreamInfo:
        """Messages held against ``maxlen``, and the first and last sequences."""
        js = await self.jetstream()
        try:
            state = (await js.stream_info(self.stream_name(stream))).state
        except nats.js.errors.NotFoundError:
            return StreamInfo(stream, 0, "0", self._maxlen, exists=False)
        first = str(state.first_seq) if state.messages else None
        return StreamInfo(stream, state.messages, str(state.last_seq), self._maxlen, first_id=first)

    @_translated
    async def persistence(self) -> Persistence:
        """File storage is durable across restarts; the incarnation is the server's id.

        nats-server writes each message to its block file before the PubAck (a killed
        process loses nothing) and fsyncs on ``sync_interval`` (2 minutes by default):
        a machine crash can lose the last moments unless ``sync: always`` is set.
        """
        js = await self.jetstream()
        account = await js.account_info()
        client = self._client
        # nats-py keeps the INFO the server sent; its server_id changes on every start.
        info: dict[str, Any] = dict(client._server_info) if client is not None else {}
        problems = () if self._replicas >= 1 and account.limits is not None else ("no JetStream",)
        return Persistence(
            durable=not problems,
            required=self._require_durable,
            problems=problems,
            details={
                "storage": "file",
                "replicas": str(self._replicas),
                "server_version": str(info.get("version", "")),
            },
            incarnation=str(info.get("server_id", "")),
        )

    # -- inspection -------------------------------------------------------------------------

    @_translated
    async def range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """Entries from ``start`` to ``end`` (sequences or times), through an ephemeral consumer."""
        js = await self.jetstream()
        name = self.stream_name(stream)
        try:
            state = (await js.stream_info(name)).state
        except nats.js.errors.NotFoundError:
            return []
        last = end_sequence(end, state.last_seq)
        if state.messages == 0 or (count is not None and count <= 0):
            return []
        entries: list[StreamEntry] = []
        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,
            mem_storage=True,
            **parse_position(start, after=False).consumer_options(),
        )
        info = await js.add_consumer(name, config)
        try:
            sub = await js.pull_subscribe_bind(consumer=info.name, stream=name)
            await self._read_range(sub, stream, entries, last=last, count=count)
            await sub.unsubscribe()
        finally:
            await js.delete_consumer(name, info.name)
        return entries

    async def _read_range(
        self,
        sub: JetStreamContext.PullSubscription,
        stream: str,
        entries: list[StreamEntry],
        *,
        last: int,
        count: int | None,
    ) -> None:
        base = subject_base(self._prefix, stream)
        while count is None or len(entries) < count:
            want = _RANGE_BATCH if count is None else min(_RANGE_BATCH, count - len(entries))
            try:
                msgs = await sub.fetch(want, timeout=1.0)
            except TimeoutError:
                return
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                if seq > last or (count is not None and len(entries) >= count):
                    return
                entries.append(entry(stream, base, msg))
                if seq == last:
                    return

    @_translated
    async def delete(self, stream: str, message_ids: Sequence[str]) -> int:
        """Delete messages by sequence; returns how many existed."""
        js = await self.jetstream()
        name = self.stream_name(stream)
        deleted = 0
        for message_id in message_ids:
            try:
                deleted += bool(await js.delete_msg(name, int(message_id)))
            except (nats.js.errors.NotFoundError, nats.js.errors.BadRequestError):
                continue
        return deleted

    @_translated
    async def ping(self) -> None:
        """JetStream account info: the server answers and JetStream is enabled."""
        js = await self.jetstream()
        await js.account_info()

    async def close(self) -> None:
        """Close the connection if this broker opened it."""
        self._subs.clear()
        self._inflight.clear()
        if self._owns_client and self._client is not None:
            client, self._client, self._js = self._client, None, None
            await client.close()

    async def delete_streams(self) -> None:
        """Delete every stream under this broker's prefix (tests, benchmarks)."""
        if not self._prefix:
            raise ValueError("refusing to delete the streams of an unprefixed broker")
        js = await self.jetstream()
        wanted = stream_name(self._prefix, "")
        for info in await js.streams_info():
            if info.config.name and info.config.name.startswith(wanted):
                await js.delete_stream(info.config.name)
        self._streams.clear()
        self._subs.clear()
