"""``Publisher``: one call to publish, straight to the broker or through the outbox.

``publish(event)`` sends now (fire-and-forget events, tools, the relay itself);
``publish(event, session=session)`` writes to the outbox in that session's
transaction, which is what a service should do whenever the event describes a
database change it is making.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aurora.events._broker import Broker, encode
from aurora.events._envelope import Event
from aurora.events._outbox import AnySession, add_to_outbox

__all__ = ["Publisher"]


class Publisher:
    """Publishes events to ``broker``, or via the outbox when given a session.

    Args:
        broker: Where direct publishes go; may be ``None`` for an outbox-only publisher.
        on_outbox_commit: Called after a transaction holding outbox rows commits;
            pass ``relay.wake`` to relay them at once instead of at the next poll.
    """

    def __init__(
        self,
        broker: Broker | None = None,
        *,
        on_outbox_commit: Callable[[], Any] | None = None,
    ) -> None:
        self._broker = broker
        self._on_commit = on_outbox_commit

    async def publish(
        self, event: Event, *, session: AnySession | None = None, stream: str | None = None
    ) -> str | None:
        """Publish one event; returns its stream entry id, or ``None`` when staged in the outbox."""
        ids = await self.publish_many([event], session=session, stream=stream)
        return ids[0] if ids else None

    async def publish_many(
        self,
        events: Iterable[Event],
        *,
        session: AnySession | None = None,
        stream: str | None = None,
    ) -> list[str]:
        """Publish a batch in one pipelined round trip (or stage it in the outbox).

        Returns the stream entry ids in order; empty when staged in the outbox.
        """
        batch = list(events)
        if session is not None:
            add_to_outbox(session, batch, stream=stream, on_commit=self._on_commit)
            return []
        if self._broker is None:
            raise RuntimeError("this Publisher has no broker: pass session= to use the outbox")
        if not batch:
            return []
        return await self._broker.publish([encode(event, stream) for event in batch])
