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
into ``BrokerUnavailableError`` (``_errors``). The class holds the connection,
the subscriptions and the messages in flight, and maps each protocol method onto
them; the rest lives by concern beside it: group operations (``_groups``), range
reads (``_ranges``), trimming (``_trim``), stream and server state (``_info``),
message parsing (``_messages``), positions (``_positions``), and the span around
each publish, fetch, settlement and management call (``_spans``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import nats
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig

from aurora.events._broker import (
    Delivery,
    GroupInfo,
    OutgoingMessage,
    Persistence,
    StreamEntry,
    StreamInfo,
    dead_letter_stream,
)
from aurora.events._errors import GroupLostError
from aurora.events._nats import _info
from aurora.events._nats._errors import translated
from aurora.events._nats._groups import create_consumer, describe_group, durable_name, reposition
from aurora.events._nats._messages import header_value, sequence_and_count
from aurora.events._nats._positions import event_type_of, parse_position, stream_name, subject_base
from aurora.events._nats._ranges import read_range
from aurora.events._nats._spans import operation_span, trace_management
from aurora.events._nats._trim import purge_acknowledged
from aurora.events._waiting import read_each
from aurora.logging import get_logger

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.events._settings import EventsSettings

__all__ = ["NatsBroker"]

DEFAULT_MAXLEN = 1_000_000
_NO_WAIT_FLOOR = 0.05
_DUPLICATE_WINDOW = 120.0


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
                self._js = trace_management(self._client.jetstream())
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

    @translated
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
        streams = {self.stream_name(message.stream) for message in messages}
        with operation_span("publish", ",".join(sorted(streams)), count=len(messages)):
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

    @translated
    async def trim(self, stream: str) -> int:
        """Purge what every consumer acknowledged, down to ``maxlen``; returns how many went."""
        return await self._trim(await self.jetstream(), stream)

    async def _trim(self, js: JetStreamContext, stream: str) -> int:
        return await purge_acknowledged(js, self.stream_name(stream), self._maxlen)

    @translated
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
        with operation_span("publish", self.stream_name(dlq), count=1):
            ack = await js.publish(
                self.subject(dlq, delivery.event_type), delivery.body, headers=headers
            )
        msg = self._inflight.get((delivery.stream, group), {}).pop(delivery.message_id, None)
        if msg is not None:
            with operation_span("term", self.stream_name(delivery.stream), count=1, group=group):
                await msg.term()
        return str(ack.seq)

    # -- groups ---------------------------------------------------------------------------

    @translated
    async def ensure_group(self, stream: str, group: str, *, start_id: str = "0") -> None:
        """A durable pull consumer named after ``group`` (and the stream) unless they exist."""
        js = await self.jetstream()
        name = await self._ensure_stream(js, stream)
        try:
            await js.consumer_info(name, durable_name(group))
        except nats.js.errors.NotFoundError:
            start = parse_position(start_id, after=True)
            await create_consumer(js, name, group, start, ack_wait=self.ack_wait)

    async def _subscription(self, stream: str, group: str) -> JetStreamContext.PullSubscription:
        key = (stream, group)
        sub = self._subs.get(key)
        if sub is None:
            js = await self.jetstream()
            name = await self._ensure_stream(js, stream)
            sub = await js.pull_subscribe_bind(durable=durable_name(group), stream=name)
            self._subs[key] = sub
        return sub

    async def _drop_subscription(self, stream: str, group: str) -> None:
        sub = self._subs.pop((stream, group), None)
        self._inflight.pop((stream, group), None)
        if sub is not None:
            await sub.unsubscribe()

    # -- consuming -------------------------------------------------------------------------

    @translated
    async def read(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """Fetch from each stream's durable consumer; waits up to ``block`` when all are empty.

        JetStream hands out redeliveries (messages past ``ack_wait``) here as well.
        """

        async def fetch(stream: str, wanted: int, wait: float) -> list[Delivery]:
            return await self._fetch(stream, group, wanted, wait=wait)

        return await read_each(streams, fetch, count=count, block=block)

    async def _fetch(self, stream: str, group: str, count: int, *, wait: float) -> list[Delivery]:
        if count <= 0:
            return []
        sub = await self._subscription(stream, group)
        try:
            with operation_span("fetch", self.stream_name(stream), group=group) as span:
                # fetch() first asks without waiting, so messages come back at once; the
                # floor only bounds how long "nothing there" takes to hear.
                msgs = await sub.fetch(count, timeout=max(wait, _NO_WAIT_FLOOR))
                span.set_attribute("messaging.batch.message_count", len(msgs))
        except TimeoutError:  # nats-py raises its own subclass, or this one
            await self._check_group(stream, group)  # nothing came: is the consumer gone?
            return []
        except nats.js.errors.NotFoundError as exc:
            await self._lost(stream, group, exc)
        return self._deliveries(stream, group, msgs)

    async def _check_group(self, stream: str, group: str) -> None:
        js = await self.jetstream()
        try:
            await js.consumer_info(self.stream_name(stream), durable_name(group))
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

    @translated
    async def ack(self, stream: str, group: str, message_ids: Sequence[str]) -> int:
        """Ack each message this broker delivered, then one flush for the whole batch."""
        inflight = self._inflight.get((stream, group), {})
        acked = 0
        with operation_span("ack", self.stream_name(stream), group=group) as span:
            for message_id in message_ids:
                msg = inflight.pop(message_id, None)
                if msg is not None:
                    await msg.ack()
                    acked += 1
            if acked and self._client is not None:
                await self._client.flush()
            span.set_attribute("messaging.batch.message_count", acked)
        return acked

    @translated
    async def claim(
        self, stream: str, group: str, consumer: str, *, min_idle: float, count: int
    ) -> list[Delivery]:
        """What JetStream redelivers now: messages unacked past ``ack_wait``, or naked.

        ``min_idle`` is not consulted: the consumer's ``ack_wait`` decides (see the
        module docstring). New messages fetched here are returned too.
        """
        return await self._fetch(stream, group, count, wait=0.0)

    @translated
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
        with operation_span("nak", self.stream_name(stream), count=len(message_ids), group=group):
            for message_id in message_ids:
                msg = inflight.pop(message_id, None)
                if msg is not None:
                    await msg.nak(delay=delay if delay > 0 else None)
            if self._client is not None:
                await self._client.flush()

    @translated
    async def set_group_position(self, stream: str, group: str, message_id: str) -> None:
        """Recreate the group's consumer to deliver everything after ``message_id``."""
        js = await self.jetstream()
        name = await self._ensure_stream(js, stream)
        await self._drop_subscription(stream, group)
        start = parse_position(message_id, after=True)
        await reposition(js, name, group, start, ack_wait=self.ack_wait)

    @translated
    async def group_info(self, stream: str, group: str) -> GroupInfo:
        """Consumer info as ``GroupInfo`` (see ``_groups.describe_group``)."""
        js = await self.jetstream()
        return await describe_group(js, self.stream_name(stream), stream, group)

    @translated
    async def stream_info(self, stream: str) -> StreamInfo:
        """Messages held against ``maxlen``, and the first and last sequences."""
        js = await self.jetstream()
        return await _info.stream_info(js, self.stream_name(stream), stream, self._maxlen)

    @translated
    async def persistence(self) -> Persistence:
        """File storage, durable across restarts (see ``_info.persistence``)."""
        js = await self.jetstream()
        return await _info.persistence(
            js, self._client, replicas=self._replicas, required=self._require_durable
        )

    # -- inspection -------------------------------------------------------------------------

    @translated
    async def range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """Entries from ``start`` to ``end`` (sequences or times), through an ephemeral consumer."""
        js = await self.jetstream()
        base = subject_base(self._prefix, stream)
        name = self.stream_name(stream)
        return await read_range(
            js, name, stream=stream, base=base, start=start, end=end, count=count
        )

    @translated
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

    @translated
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
