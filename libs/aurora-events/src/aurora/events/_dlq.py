"""Dead-letter operations: list, inspect, replay and purge, on any broker.

Replaying appends the original event, unchanged (same event id), to its original
stream and then deletes the dead letter: consumers see a fresh first delivery, and
an inbox still deduplicates it if it had in fact been processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aurora.errors import NotFoundError
from aurora.events._broker import (
    Broker,
    DeadLetter,
    OutgoingMessage,
    dead_letter_stream,
    time_to_stream_id,
)

__all__ = [
    "get_dead_letter",
    "list_dead_letters",
    "purge_dead_letters",
    "replay_dead_letters",
    "replay_group",
]


async def list_dead_letters(
    broker: Broker, stream: str, *, start: str = "-", count: int | None = 100
) -> list[DeadLetter]:
    """Dead letters of ``stream``, oldest first, from dead-letter id ``start``."""
    entries = await broker.range(dead_letter_stream(stream), start=start, count=count)
    return [DeadLetter.from_entry(entry) for entry in entries]


async def get_dead_letter(broker: Broker, stream: str, message_id: str) -> DeadLetter:
    """One dead letter; raises ``NotFoundError`` when the id is not in ``<stream>:dlq``."""
    entries = await broker.range(
        dead_letter_stream(stream), start=message_id, end=message_id, count=1
    )
    if not entries:
        raise NotFoundError("Dead letter", message_id)
    return DeadLetter.from_entry(entries[0])


async def replay_dead_letters(
    broker: Broker, stream: str, message_ids: Sequence[str] | None = None
) -> dict[str, str]:
    """Republish dead letters (all when ``message_ids`` is None) and remove them.

    Returns ``{dead-letter id: new stream entry id}``. Each dead letter is deleted
    only after its republish succeeded, so a failure midway loses nothing.
    """
    if message_ids is None:
        letters = await list_dead_letters(broker, stream, count=None)
    else:
        letters = [await get_dead_letter(broker, stream, mid) for mid in message_ids]
    if not letters:
        return {}
    new_ids = await broker.publish(
        [
            OutgoingMessage(letter.stream or stream, letter.event_type, letter.body.encode())
            for letter in letters
        ]
    )
    await broker.delete(dead_letter_stream(stream), [letter.message_id for letter in letters])
    return {letter.message_id: new_id for letter, new_id in zip(letters, new_ids, strict=True)}


async def purge_dead_letters(
    broker: Broker, stream: str, message_ids: Sequence[str] | None = None
) -> int:
    """Delete dead letters for good (all when ``message_ids`` is None)."""
    if message_ids is None:
        message_ids = [
            letter.message_id for letter in await list_dead_letters(broker, stream, count=None)
        ]
    return await broker.delete(dead_letter_stream(stream), list(message_ids))


async def replay_group(
    broker: Broker,
    stream: str,
    group: str,
    *,
    after_id: str | None = None,
    since: datetime | None = None,
) -> str:
    """Rewind ``group`` to re-read ``stream`` after an entry id, or from a point in time.

    Returns the position set. Only entries still retained (see ``maxlen``) replay.
    """
    if after_id is not None and since is None:
        position = after_id
    elif since is not None and after_id is None:
        position = _just_before(time_to_stream_id(since))
    else:
        raise ValueError("give exactly one of after_id or since")
    await broker.set_group_position(stream, group, position)
    return position


def _just_before(stream_id: str) -> str:
    # The group re-reads ids strictly greater than its position.
    ms = int(stream_id.split("-")[0])
    return f"{ms - 1}-{2**63 - 1}" if ms > 0 else "0-0"
