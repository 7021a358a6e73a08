"""Settling a consumed batch: one ``XACK`` per stream, unfinished messages handed back.

The ack of one batch travels while the next batch is read (on another pooled
connection), taking a round trip off the consumer's critical path; it is awaited
before the next settle and whenever the consumer stops or drains, so a returned
``drain()`` or ``stop()`` never leaves acks in flight.

A message whose handler failed is handed back with a delay (the redelivery backoff)
rather than left to the visibility timeout; ``retry_due`` tells the consumer when
to look for it again.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aurora.events._broker import Broker, Delivery
from aurora.events._dispatch import ConsumerStats, Outcome
from aurora.events._errors import BrokerUnavailableError, GroupLostError

__all__ = ["Settler"]

_Ids = dict[str, list[str]]


class Settler:
    """Acks and returns the messages of each batch for one consumer."""

    def __init__(
        self,
        broker: Broker,
        *,
        group: str,
        consumer: str,
        stats: ConsumerStats,
        log: Any,
        redelivery_delay: Callable[[Delivery], float] = lambda _: 0.0,
        visibility_timeout: float = 30.0,
    ) -> None:
        self._broker = broker
        self._group = group
        self._consumer = consumer
        self._stats = stats
        self._log = log
        self._delay = redelivery_delay
        self._visibility = visibility_timeout
        self._in_flight: asyncio.Task[None] | None = None
        self.retry_due = float("inf")
        """``time.monotonic()`` when the soonest message handed back for retry is due."""

    async def settle(
        self, batch: Sequence[Delivery], outcomes: Mapping[int, Outcome], *, wait: bool
    ) -> None:
        """Ack what succeeded, hand back what never ran; ``wait`` for the broker's answer."""
        acks: _Ids = defaultdict(list)
        returns: _Ids = defaultdict(list)
        retries: list[Delivery] = []
        for index, delivery in enumerate(batch):
            outcome = outcomes.get(index, Outcome.RELEASE)
            if outcome is Outcome.ACK:
                acks[delivery.stream].append(delivery.message_id)
            elif outcome is Outcome.RELEASE:
                returns[delivery.stream].append(delivery.message_id)
            elif outcome is Outcome.RETRY:
                retries.append(delivery)
        self._stats.released += sum(len(ids) for ids in returns.values())
        await self.flush()
        if wait or returns or retries:
            await self._send(acks, returns, retries)
        elif acks:
            self._in_flight = asyncio.create_task(self._send(acks, {}, []))

    async def flush(self) -> None:
        """Wait for the acks still travelling."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await asyncio.shield(task)

    async def _send(self, acks: _Ids, returns: _Ids, retries: Sequence[Delivery]) -> None:
        try:
            for stream, ids in acks.items():
                await self._broker.ack(stream, self._group, ids)
            for stream, ids in returns.items():
                await self._broker.release(stream, self._group, self._consumer, ids)
            for delivery in retries:
                await self._retry_later(delivery)
        except (BrokerUnavailableError, GroupLostError) as exc:  # pending: they come back
            self._log.warning("event_settle_failed", error=str(exc))

    async def _retry_later(self, delivery: Delivery) -> None:
        delay = min(self._delay(delivery), self._visibility)
        if delay < self._visibility:  # else it comes back after the visibility timeout anyway
            await self._broker.release(
                delivery.stream,
                self._group,
                self._consumer,
                [delivery.message_id],
                delay=max(delay, 1e-3),
                min_idle=self._visibility,
            )
        self.retry_due = min(self.retry_due, time.monotonic() + delay)
