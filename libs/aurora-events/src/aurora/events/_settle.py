"""Settling a consumed batch: one ``XACK`` per stream, unfinished messages handed back.

The ack of one batch travels while the next batch is read (on another pooled
connection), taking a round trip off the consumer's critical path; it is awaited
before the next settle and whenever the consumer stops or drains, so a returned
``drain()`` or ``stop()`` never leaves acks in flight.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from aurora.events._broker import Broker, Delivery
from aurora.events._dispatch import ConsumerStats, Outcome
from aurora.events._errors import BrokerUnavailableError

__all__ = ["Settler"]

_Ids = dict[str, list[str]]


class Settler:
    """Acks and returns the messages of each batch for one consumer."""

    def __init__(
        self, broker: Broker, *, group: str, consumer: str, stats: ConsumerStats, log: Any
    ) -> None:
        self._broker = broker
        self._group = group
        self._consumer = consumer
        self._stats = stats
        self._log = log
        self._in_flight: asyncio.Task[None] | None = None

    async def settle(
        self, batch: Sequence[Delivery], outcomes: Mapping[int, Outcome], *, wait: bool
    ) -> None:
        """Ack what succeeded, hand back what never ran; ``wait`` for the broker's answer."""
        acks: _Ids = defaultdict(list)
        returns: _Ids = defaultdict(list)
        for index, delivery in enumerate(batch):
            outcome = outcomes.get(index, Outcome.RELEASE)
            if outcome is Outcome.ACK:
                acks[delivery.stream].append(delivery.message_id)
            elif outcome is Outcome.RELEASE:
                returns[delivery.stream].append(delivery.message_id)
        self._stats.released += sum(len(ids) for ids in returns.values())
        await self.flush()
        if wait or returns:
            await self._send(acks, returns)
        elif acks:
            self._in_flight = asyncio.create_task(self._send(acks, {}))

    async def flush(self) -> None:
        """Wait for the acks still travelling."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await asyncio.shield(task)

    async def _send(self, acks: _Ids, returns: _Ids) -> None:
        try:
            for stream, ids in acks.items():
                await self._broker.ack(stream, self._group, ids)
            for stream, ids in returns.items():
                await self._broker.release(stream, self._group, self._consumer, ids)
        except BrokerUnavailableError as exc:  # they stay pending and come back later
            self._log.warning("event_settle_failed", error=str(exc))
