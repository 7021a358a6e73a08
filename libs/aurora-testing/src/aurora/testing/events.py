"""An in-memory event bus for service tests, with assertions on what was published.

Built on aurora-events' :class:`~aurora.events.MemoryBroker`, which has the
same consumer-group semantics as Redis Streams, so the service under test runs
its real publisher, outbox relay and consumers; only the transport is local::

    bus = EventBus()
    service = build_service(broker=bus.broker)       # the service's own wiring
    ...                                              # drive it through a client
    bus.assert_published(EventType.SUBJECT_CREATED, subject_id="123")

When the outbox relay runs in the service's lifespan, publication happens a
moment after the commit: :meth:`EventBus.wait_for_published` (or its ``_async``
twin) waits for it instead of sleeping a guessed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aurora.events import Consumer, Event, MemoryBroker, OutboxRelay, Publisher

__all__ = ["EventBus"]

_POLL_INTERVAL = 0.005


class EventBus:
    """A :class:`~aurora.events.MemoryBroker` plus the assertions service tests need.

    Args:
        clock: Monotonic clock of the broker's idle times; pass a
            :class:`~aurora.testing.clock.FrozenClock` to make reclaims instant.
    """

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self.broker = MemoryBroker(clock=clock) if clock is not None else MemoryBroker()
        self.publisher = Publisher(self.broker)
        """A publisher on this bus (direct, or through the outbox with ``session=``)."""

    @property
    def published(self) -> list[Event]:
        """Every event published so far, in order."""
        return self.broker.published

    @property
    def published_types(self) -> list[str]:
        """The type of every event published so far, in order."""
        return self.broker.published_types

    def assert_published(
        self, event_type: str, *, count: int | None = None, **data: Any
    ) -> list[Event]:
        """Assert events of ``event_type`` whose data contains ``data`` were published.

        Args:
            event_type: An ``EventType`` member or a type name.
            count: Exactly this many must match; at least one when ``None``.
            **data: Payload fields the events must have (``subject_id="123"``).

        Returns:
            The matching events, oldest first.
        """
        __tracebackhide__ = True
        return self.broker.assert_published(event_type, count=count, **data)

    def assert_not_published(self, event_type: str, **data: Any) -> None:
        """Assert no event of ``event_type`` whose data contains ``data`` was published."""
        __tracebackhide__ = True
        self.broker.assert_published(event_type, count=0, **data)

    def wait_for_published(
        self, event_type: str, *, count: int | None = None, timeout: float = 5.0, **data: Any
    ) -> list[Event]:
        """:meth:`assert_published`, retried until it holds or ``timeout`` seconds passed.

        For sync tests whose service relays in the background (a ``TestClient``
        portal thread, a live server).
        """
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while (found := self._attempt(deadline, event_type, count, data)) is None:
            time.sleep(_POLL_INTERVAL)
        return found

    async def wait_for_published_async(
        self, event_type: str, *, count: int | None = None, timeout: float = 5.0, **data: Any
    ) -> list[Event]:
        """The asyncio twin of :meth:`wait_for_published`: the relay runs while this waits."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while (found := self._attempt(deadline, event_type, count, data)) is None:
            await asyncio.sleep(_POLL_INTERVAL)
        return found

    def _attempt(
        self, deadline: float, event_type: str, count: int | None, data: dict[str, Any]
    ) -> list[Event] | None:
        """The matches, ``None`` to try again, or the assertion error once time is up."""
        __tracebackhide__ = True
        try:
            return self.assert_published(event_type, count=count, **data)
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            return None

    async def relay_outbox(
        self, sessions: AsyncEngine | async_sessionmaker[AsyncSession], **relay_options: Any
    ) -> int:
        """Publish every committed outbox row of that database to this bus, now.

        For tests that stage events with ``Publisher.publish(event, session=...)``
        without running an :class:`~aurora.events.OutboxRelay` loop.
        Returns how many events were relayed.
        """
        relay = OutboxRelay(sessions, self.broker, **relay_options)
        total = 0
        while relayed := await relay.relay_once():
            total += relayed
        return total

    def consumer(self, group: str, **options: Any) -> Consumer:
        """A :class:`~aurora.events.Consumer` of ``group`` on this bus; ``drain()`` it in tests."""
        options.setdefault("block", 0.0)
        return Consumer(self.broker, group=group, **options)

    def clear(self) -> None:
        """Forget every stream, group and published event."""
        self.broker.clear()

    def __repr__(self) -> str:
        return f"EventBus(published={self.published_types!r})"
