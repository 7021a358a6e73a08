"""The broker protocol: the stream operations the publisher, consumer and relay need.

Both transports (``MemoryBroker`` and ``RedisBroker``) implement it with Redis
Streams semantics (append-only streams, consumer groups, a pending list with
delivery counts, idle-based reclaiming), so the consumer engine, the outbox relay
and the dead-letter tools are written once and behave the same in tests and in
production.

Stream names here are *logical*; a broker may prefix them (``RedisBroker(prefix=)``).

Durability contract (what at-least-once needs from a transport; ``MemoryBroker`` and
``RedisBroker`` follow it, and so must any other):

- **Trimming never passes the slowest group.** An entry is removed only once every
  group of its stream has acknowledged it (Redis: ``XTRIM MINID`` from the groups'
  positions; JetStream: interest retention). A stream without groups keeps its newest
  ``max_length`` entries. The length cap is an alarm (``StreamInfo.over_capacity``),
  never a reason to drop what a group has not processed.
- **A lost group is an error, never recreated quietly.** ``read``, ``claim`` and
  ``release`` raise ``GroupLostError`` when the group (or its stream) vanished, e.g.
  after a restart without persistence; only ``ensure_group`` creates groups.
- **Delayed redelivery.** ``release(..., delay=, min_idle=)`` hands a message back so
  that ``claim(min_idle=min_idle)`` takes it after ``delay`` seconds, without counting
  a delivery (Redis: ``XCLAIM IDLE``; JetStream: ``NAK`` with a delay).
- **Persistence is reported.** ``persistence()`` says whether acknowledged appends
  survive a broker restart, so the relay can refuse a volatile broker in production.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from aurora.events._envelope import Event

__all__ = [
    "DLQ_SUFFIX",
    "Broker",
    "DeadLetter",
    "Delivery",
    "GroupInfo",
    "OutgoingMessage",
    "Persistence",
    "StreamEntry",
    "StreamInfo",
    "dead_letter_stream",
    "encode",
    "stream_for_type",
    "stream_id_time",
    "time_to_stream_id",
]

DLQ_SUFFIX = ":dlq"
"""A stream's dead letters live in the stream named ``<stream>:dlq``."""


def dead_letter_stream(stream: str) -> str:
    """The dead-letter stream of ``stream``."""
    return stream + DLQ_SUFFIX


@functools.lru_cache(maxsize=1024)
def stream_for_type(event_type: str) -> str:
    """The default stream of an event type: its category, without action and version.

    ``aurora.subject.created.v1`` -> ``aurora.subject``: every version and action of
    one aggregate shares a stream, so per-aggregate order holds and an upcast never
    changes where a consumer reads.
    """
    parts = event_type.split(".")
    if len(parts) > 1 and parts[-1][:1] == "v" and parts[-1][1:].isdigit():
        parts.pop()
    if len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def time_to_stream_id(moment: datetime) -> str:
    """The first stream id at or after ``moment`` (stream ids start with epoch millis)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{int(aware.timestamp() * 1000)}-0"


def stream_id_time(message_id: str) -> datetime:
    """When an entry was appended, from its id (the inverse of :func:`time_to_stream_id`)."""
    return datetime.fromtimestamp(int(message_id.partition("-")[0]) / 1000, UTC)


class OutgoingMessage(NamedTuple):
    """An encoded event on its way to ``stream``: what the outbox stores and relays.

    A named tuple (not a dataclass) because one is built per published event.
    """

    stream: str
    event_type: str
    body: bytes


def encode(event: Event, stream: str | None = None) -> OutgoingMessage:
    """Serialize ``event`` once, for its own stream unless ``stream`` is given."""
    event_type = event.type
    return OutgoingMessage(stream or stream_for_type(event_type), event_type, event.to_json())


class Delivery(NamedTuple):
    """One message handed to a consumer; ``deliveries`` counts this delivery too.

    A named tuple (not a dataclass) because one is built per consumed message.
    """

    stream: str
    message_id: str
    event_type: str
    body: bytes
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """A stream entry read by range (replay, dead-letter inspection)."""

    stream: str
    message_id: str
    fields: Mapping[str, str]

    @property
    def event(self) -> Event:
        """The entry's event (parsed on access)."""
        return Event.from_json(self.fields["event"])


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead-lettered message: the original event plus why and where it failed."""

    message_id: str
    stream: str
    event_type: str
    original_id: str
    group: str
    error: str
    deliveries: int
    failed_at: str
    body: str

    @property
    def event(self) -> Event:
        """The original event (parsed on access)."""
        return Event.from_json(self.body)

    @classmethod
    def from_entry(cls, entry: StreamEntry) -> DeadLetter:
        """Read the fields ``Broker.dead_letter`` wrote."""
        f = entry.fields
        return cls(
            message_id=entry.message_id,
            stream=f.get("stream", ""),
            event_type=f.get("type", ""),
            original_id=f.get("original_id", ""),
            group=f.get("group", ""),
            error=f.get("error", ""),
            deliveries=int(f.get("deliveries", "0")),
            failed_at=f.get("failed_at", ""),
            body=f.get("event", ""),
        )


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A consumer group's backlog: ``lag`` not yet delivered, ``pending`` not yet acked.

    ``lag`` is ``None`` only when the transport cannot count it; ``exists`` is false
    for a group the broker does not have (never created, or lost).
    """

    stream: str
    group: str
    pending: int
    lag: int | None
    consumers: int
    last_delivered_id: str
    extra: dict[str, Any] = field(default_factory=dict)
    oldest_pending_id: str | None = None
    exists: bool = True

    @property
    def oldest_pending_age(self) -> float:
        """Seconds since the oldest unacked entry was appended (0 when none is pending)."""
        if self.oldest_pending_id is None:
            return 0.0
        age = datetime.now(UTC) - stream_id_time(self.oldest_pending_id)
        return max(0.0, age.total_seconds())


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """A stream's size against its cap, and its ends.

    ``last_id`` (the newest id ever generated) lets a reader notice the stream going
    backwards; ``first_id`` (the oldest entry kept, ``None`` when empty) bounds what
    a group may still need, since trimming never passes the slowest group.
    """

    stream: str
    length: int
    last_id: str
    max_length: int | None
    exists: bool = True
    first_id: str | None = None

    @property
    def over_capacity(self) -> bool:
        """More entries than the cap: groups are too slow (or offline), nothing was dropped."""
        return self.max_length is not None and self.length > self.max_length


@dataclass(frozen=True, slots=True)
class Persistence:
    """Whether acknowledged appends survive a broker restart, and why not.

    Args:
        durable: Appends are on disk before (or within a second of) the broker's ack.
        required: The broker was configured to demand durability (staging and
            production, unless explicitly accepted): the relay refuses to start.
        problems: What makes it volatile, in words an operator can act on.
        details: The raw facts read (``aof_enabled``, ``maxmemory_policy``, ...).
        incarnation: Changes whenever the broker restarts or fails over (Redis: its
            ``run_id``), so the relay can check what survived; ``""`` if unknown.
    """

    durable: bool
    required: bool = False
    problems: tuple[str, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)
    incarnation: str = ""


@runtime_checkable
class Broker(Protocol):
    """Stream operations shared by every transport (Redis Streams semantics)."""

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Append messages in order, in one round trip where possible; returns their ids."""
        ...

    async def ensure_group(self, stream: str, group: str, *, start_id: str = "0") -> None:
        """Create ``group`` on ``stream`` (and the stream) unless it exists."""
        ...

    async def read(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """New messages for ``consumer``, waiting up to ``block`` seconds for the first."""
        ...

    async def ack(self, stream: str, group: str, message_ids: Sequence[str]) -> int:
        """Acknowledge processed messages in one call; returns how many were pending."""
        ...

    async def claim(
        self, stream: str, group: str, consumer: str, *, min_idle: float, count: int
    ) -> list[Delivery]:
        """Take over messages pending longer than ``min_idle`` seconds (crashed consumers)."""
        ...

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
        """Hand pending messages back without counting a delivery.

        With ``delay=0`` they are claimable at once by any ``claim`` (graceful
        shutdown); otherwise by ``claim(min_idle=min_idle)`` after ``delay`` seconds
        (redelivery backoff; a delay past ``min_idle`` waits ``min_idle``).
        """
        ...

    async def dead_letter(self, delivery: Delivery, *, group: str, error: str) -> str:
        """Move a message to its dead-letter stream and ack it, atomically."""
        ...

    async def range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """Entries between two ids (inclusive): replay and inspection."""
        ...

    async def delete(self, stream: str, message_ids: Sequence[str]) -> int:
        """Remove entries (a replayed dead letter); returns how many existed."""
        ...

    async def set_group_position(self, stream: str, group: str, message_id: str) -> None:
        """Move ``group`` so it re-reads everything after ``message_id`` (replay)."""
        ...

    async def group_info(self, stream: str, group: str) -> GroupInfo:
        """Backlog figures for health checks and metrics (``exists=False`` if lost)."""
        ...

    async def stream_info(self, stream: str) -> StreamInfo:
        """Length against the cap and the newest id (``exists=False`` if missing)."""
        ...

    async def persistence(self) -> Persistence:
        """Whether appends survive a restart, and the broker's incarnation (relay)."""
        ...

    async def ping(self) -> None:
        """Raise ``BrokerUnavailableError`` unless the broker answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
