"""An in-process broker with Redis Streams semantics: the embedded default and the test fake.

It keeps real consumer-group state (last delivered id, a pending list with delivery
counts and idle times) so retries, reclaiming and dead-lettering behave exactly as
on Redis; tests that pass here exercise the same consumer code paths. The
``published`` log and ``assert_published`` are what service tests assert on.

Like every transport it trims only what every group acknowledged (see ``_broker``):
``maxlen`` is exact for a stream without groups and an alarm for one with groups.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aurora.events._broker import (
    DeadLetter,
    Delivery,
    GroupInfo,
    OutgoingMessage,
    Persistence,
    StreamEntry,
    StreamInfo,
    dead_letter_stream,
)
from aurora.events._envelope import Event
from aurora.events._errors import GroupLostError

__all__ = ["MemoryBroker"]

_StreamId = tuple[int, int]


def _parse_id(value: str) -> _StreamId:
    if value in ("-", "0"):
        return (0, 0)
    if value in ("+", "$"):
        return (2**63, 2**63)
    ms, _, seq = value.partition("-")
    return (int(ms), int(seq or 0))


def _format_id(value: _StreamId) -> str:
    return f"{value[0]}-{value[1]}"


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    count: int


@dataclass(slots=True)
class _Group:
    last_id: _StreamId
    pending: dict[str, _Pending] = field(default_factory=dict)
    consumers: set[str] = field(default_factory=set)
    cursor: _StreamId = (0, 0)


@dataclass(slots=True)
class _Stream:
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    order: list[_StreamId] = field(default_factory=list)  # sorted; may name deleted ids
    last_id: _StreamId = (0, 0)
    groups: dict[str, _Group] = field(default_factory=dict)


class MemoryBroker:
    """A ``Broker`` held in memory: no server, same semantics, plus assertion helpers.

    Args:
        maxlen: Keep at most this many entries per stream (like ``XADD MAXLEN``).
        clock: Monotonic clock for idle times; tests pass a fake to reclaim instantly.
    """

    def __init__(
        self, *, maxlen: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._streams: dict[str, _Stream] = {}
        self._maxlen = maxlen
        self._clock = clock
        self._log: list[OutgoingMessage] = []
        # Futures, not an asyncio.Event: a broker may outlive the loop it was first
        # used on (one loop per test), and an Event binds to its first loop.
        self._waiters: set[asyncio.Future[None]] = set()
        self._incarnation = 1

    # -- Broker protocol ------------------------------------------------------------

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Append messages; wakes blocked readers."""
        ids = []
        for message in messages:
            fields = {"type": message.event_type, "event": message.body.decode()}
            ids.append(self._append(message.stream, fields))
            self._log.append(message)
        self._notify()
        return ids

    async def ensure_group(self, stream: str, group: str, *, start_id: str = "0") -> None:
        """Create the group unless it exists; ``$`` starts after the current last entry."""
        state = self._stream(stream)
        if group not in state.groups:
            start = state.last_id if start_id == "$" else _parse_id(start_id)
            state.groups[group] = _Group(last_id=start)

    async def read(
        self, streams: Sequence[str], group: str, consumer: str, *, count: int, block: float
    ) -> list[Delivery]:
        """Deliver new entries, waiting up to ``block`` seconds when there are none."""
        deadline = time.monotonic() + block
        while True:
            found = self._take_new(streams, group, consumer, count)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return []
            finally:
                self._waiters.discard(waiter)

    async def ack(self, stream: str, group: str, message_ids: Sequence[str]) -> int:
        """Drop ids from the group's pending list."""
        pending = self._group(stream, group).pending
        return sum(pending.pop(mid, None) is not None for mid in message_ids)

    async def claim(
        self, stream: str, group: str, consumer: str, *, min_idle: float, count: int
    ) -> list[Delivery]:
        """Take over entries idle for ``min_idle`` seconds, like ``XAUTOCLAIM``."""
        state, grp = self._stream(stream), self._group(stream, group)
        now = self._clock()
        claimed: list[Delivery] = []
        for mid in sorted(grp.pending, key=_parse_id):
            if len(claimed) >= count:
                break
            entry = state.entries.get(mid)
            if entry is None:  # trimmed or deleted: nothing left to deliver
                del grp.pending[mid]
                continue
            slot = grp.pending[mid]
            if now - slot.delivered_at < min_idle:
                continue
            slot.consumer, slot.delivered_at, slot.count = consumer, now, slot.count + 1
            grp.consumers.add(consumer)
            claimed.append(_delivery(stream, mid, entry, slot.count))
        return claimed

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
        """Backdate pending entries so ``claim(min_idle=)`` takes them after ``delay``."""
        pending = self._group(stream, group).pending
        delivered_at = float("-inf") if delay <= 0 else self._clock() - max(0.0, min_idle - delay)
        for mid in message_ids:
            slot = pending.get(mid)
            if slot is not None and slot.consumer == consumer:
                slot.delivered_at = delivered_at

    async def dead_letter(self, delivery: Delivery, *, group: str, error: str) -> str:
        """Copy the message to ``<stream>:dlq`` with the error, and ack it."""
        fields = {
            "type": delivery.event_type,
            "event": delivery.body.decode(),
            "stream": delivery.stream,
            "original_id": delivery.message_id,
            "group": group,
            "error": error,
            "deliveries": str(delivery.deliveries),
            "failed_at": datetime.now(UTC).isoformat(),
        }
        dlq_id = self._append(dead_letter_stream(delivery.stream), fields)
        await self.ack(delivery.stream, group, [delivery.message_id])
        return dlq_id

    async def range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """Entries with ``start <= id <= end``, oldest first."""
        low, high = _parse_id(start), _parse_id(end)
        found = []
        for mid, entry in self._stream(stream).entries.items():
            if low <= _parse_id(mid) <= high:
                found.append(StreamEntry(stream, mid, dict(entry)))
                if count is not None and len(found) >= count:
                    break
        return found

    async def delete(self, stream: str, message_ids: Sequence[str]) -> int:
        """Remove entries; pending references are dropped at the next claim."""
        entries = self._stream(stream).entries
        return sum(entries.pop(mid, None) is not None for mid in message_ids)

    async def set_group_position(self, stream: str, group: str, message_id: str) -> None:
        """Re-deliver everything after ``message_id`` to the group."""
        self._group(stream, group).last_id = _parse_id(message_id)
        self._notify()

    async def group_info(self, stream: str, group: str) -> GroupInfo:
        """Pending and not-yet-delivered counts."""
        state = self._stream(stream)
        grp = state.groups.get(group)
        if grp is None:
            return GroupInfo(stream, group, 0, None, 0, "0-0", exists=False)
        lag = sum(_parse_id(mid) > grp.last_id for mid in state.entries)
        oldest = min(grp.pending, key=_parse_id) if grp.pending else None
        return GroupInfo(
            stream,
            group,
            len(grp.pending),
            lag,
            len(grp.consumers),
            _format_id(grp.last_id),
            oldest_pending_id=oldest,
        )

    async def stream_info(self, stream: str) -> StreamInfo:
        """Entries held, against ``maxlen``."""
        state = self._streams.get(stream)
        if state is None:
            return StreamInfo(stream, 0, "0-0", self._maxlen, exists=False)
        first = next(iter(state.entries), None)  # dicts keep insertion (= id) order
        length, last = len(state.entries), _format_id(state.last_id)
        return StreamInfo(stream, length, last, self._maxlen, first_id=first)

    async def persistence(self) -> Persistence:
        """Never durable: the events live in this process only."""
        return Persistence(
            durable=False,
            problems=("in-memory broker: a restart loses events",),
            incarnation=str(self._incarnation),
        )

    def lose_everything(self) -> None:
        """Forget streams and groups as a broker restarted without persistence would.

        The ``published`` log stays, so a test can count what the restart lost.
        """
        self._streams.clear()
        self._incarnation += 1

    async def ping(self) -> None:
        """Always reachable."""

    async def close(self) -> None:
        """Nothing to release; the data stays for assertions."""

    # -- assertion helpers (aurora-testing builds on these) ---------------------------

    @property
    def published(self) -> list[Event]:
        """Every event published through this broker, in order (dead letters excluded)."""
        return [Event.from_json(message.body) for message in self._log]

    @property
    def published_types(self) -> list[str]:
        """The type of every published event, in order."""
        return [message.event_type for message in self._log]

    def published_to(self, stream: str) -> list[Event]:
        """Events published to one stream, in order."""
        return [Event.from_json(m.body) for m in self._log if m.stream == stream]

    def assert_published(
        self, event_type: str, *, count: int | None = None, **data: Any
    ) -> list[Event]:
        """Assert events of ``event_type`` (whose ``data`` contains ``data``) were published.

        Returns the matching events so a test can look further.
        """
        matches = [
            event
            for event in self.published
            if event.type == str(event_type) and _contains(event.data, data)
        ]
        expected = "at least one" if count is None else str(count)
        if (count is None and not matches) or (count is not None and len(matches) != count):
            raise AssertionError(
                f"expected {expected} {event_type!s} event(s) matching {data!r}, "
                f"found {len(matches)}; published types: {self.published_types}"
            )
        return matches

    def dead_letters(self, stream: str) -> list[DeadLetter]:
        """The dead letters of ``stream``, oldest first."""
        state = self._streams.get(dead_letter_stream(stream))
        if state is None:
            return []
        return [
            DeadLetter.from_entry(StreamEntry(stream, mid, entry))
            for mid, entry in state.entries.items()
        ]

    def clear(self) -> None:
        """Forget every stream, group and published event."""
        self._streams.clear()
        self._log.clear()

    # -- internals ------------------------------------------------------------------

    def _stream(self, name: str) -> _Stream:
        state = self._streams.get(name)
        if state is None:
            state = self._streams[name] = _Stream()
        return state

    def _group(self, stream: str, group: str) -> _Group:
        grp = self._stream(stream).groups.get(group)
        if grp is None:
            raise GroupLostError(
                f"No consumer group {group!r} on stream {stream!r}",
                context={"stream": stream, "group": group},
            )
        return grp

    def _append(self, stream: str, fields: dict[str, str]) -> str:
        state = self._stream(stream)
        now_ms = int(time.time() * 1000)
        last_ms, last_seq = state.last_id
        state.last_id = (now_ms, 0) if now_ms > last_ms else (last_ms, last_seq + 1)
        mid = _format_id(state.last_id)
        state.entries[mid] = fields
        state.order.append(state.last_id)
        if self._maxlen is not None and len(state.order) > self._maxlen:
            self._trim(state, self._maxlen)
        return mid

    def _trim(self, state: _Stream, maxlen: int) -> None:
        """Drop the oldest entries beyond ``maxlen``, never one a group still needs."""
        excess = len(state.order) - maxlen
        if state.groups:
            floor = min(_acked_floor(grp) for grp in state.groups.values())
            excess = min(excess, bisect.bisect_left(state.order, floor))
        if excess <= 0:
            return
        for old in state.order[:excess]:
            state.entries.pop(_format_id(old), None)
        del state.order[:excess]

    def _take_new(
        self, streams: Sequence[str], group: str, consumer: str, count: int
    ) -> list[Delivery]:
        found: list[Delivery] = []
        now = self._clock()
        for stream in streams:
            state, grp = self._stream(stream), self._group(stream, group)
            grp.consumers.add(consumer)
            start = bisect.bisect_right(state.order, grp.last_id)
            for parsed in state.order[start:]:
                if len(found) >= count:
                    return found
                grp.last_id = parsed
                mid = _format_id(parsed)
                entry = state.entries.get(mid)
                if entry is not None:
                    grp.pending[mid] = _Pending(consumer, now, 1)
                    found.append(_delivery(stream, mid, entry, 1))
        return found

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)


def _acked_floor(group: _Group) -> _StreamId:
    """The smallest id ``group`` may still need: its oldest pending, else its next entry."""
    if group.pending:
        return min(_parse_id(mid) for mid in group.pending)
    return (group.last_id[0], group.last_id[1] + 1)


def _delivery(stream: str, mid: str, entry: Mapping[str, str], count: int) -> Delivery:
    return Delivery(stream, mid, entry["type"], entry["event"].encode(), count)


def _contains(data: object, expected: Mapping[str, Any]) -> bool:
    if not expected:
        return True
    if not isinstance(data, Mapping):
        return False
    return all(key in data and data[key] == value for key, value in expected.items())
