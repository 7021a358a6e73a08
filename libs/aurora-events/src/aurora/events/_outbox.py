"""Writing events to the outbox inside the caller's transaction.

The whole point: the event row commits or rolls back with the business write it
describes, so "saved but never announced" and "announced but never saved" cannot
happen. ``session.add`` is synchronous on both ``Session`` and ``AsyncSession``,
which lets one function serve sync and async services alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.events._broker import encode
from aurora.events._envelope import Event
from aurora.events._tables import OutboxRecord
from aurora.events._tracing import with_trace_context

__all__ = ["add_to_outbox", "aggregate_key"]

AnySession = Session | AsyncSession


def aggregate_key(event: Event, stream: str) -> str:
    """The ordering key of ``event``: events with the same key are relayed in order.

    The CloudEvents ``subject`` names the aggregate (``subject_id`` for the seed's
    types); events without one are ordered with every other subject-less event of
    their stream, which is safe, if less parallel.
    """
    return f"{stream}:{event.subject or ''}"


def add_to_outbox(
    session: AnySession,
    events: Event | Iterable[Event],
    *,
    stream: str | None = None,
    aggregate: str | None = None,
    on_commit: Callable[[], Any] | None = None,
) -> list[OutboxRecord]:
    """Stage ``events`` in ``session``'s transaction; the relay publishes them after commit.

    Args:
        session: A SQLAlchemy ``Session`` or ``AsyncSession`` (aurora-db's sessions).
        events: One event or several; their order is kept per aggregate.
        stream: Target stream; by default each event's type category.
        aggregate: Override the ordering key (see :func:`aggregate_key`).
        on_commit: Called once after the transaction commits (wakes a local relay).
    """
    batch = [events] if isinstance(events, Event) else list(events)
    records = []
    for item in batch:
        item = with_trace_context(item, stream)  # the staging request's trace, carried along
        message = encode(item, stream)
        record = OutboxRecord(
            event_id=item.id,
            stream=message.stream,
            aggregate=aggregate or aggregate_key(item, message.stream),
            event_type=item.type,
            payload=message.body.decode(),
        )
        records.append(record)
    session.add_all(records)
    if on_commit is not None and records:
        _call_after_commit(session, on_commit)
    return records


def _call_after_commit(session: AnySession, callback: Callable[[], Any]) -> None:
    target = session.sync_session if isinstance(session, AsyncSession) else session

    def after_commit(_: Session) -> None:
        callback()

    sa_event.listen(target, "after_commit", after_commit, once=True)
