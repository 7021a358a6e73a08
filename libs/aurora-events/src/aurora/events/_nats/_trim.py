"""Trimming a JetStream stream without ever passing the slowest consumer group.

Streams use limits retention without a count cap (interest retention would drop
the history replay and late groups need), so the broker purges them itself: only
what every durable consumer acknowledged, and only down to ``maxlen``. Range
readers' ephemeral consumers are not groups and do not hold a stream back.
"""

from __future__ import annotations

from nats.js import JetStreamContext

__all__ = ["purge_acknowledged"]


async def purge_acknowledged(js: JetStreamContext, name: str, maxlen: int | None) -> int:
    """Purge stream ``name`` below every group's ack floor, down to ``maxlen``; how many went."""
    state = (await js.stream_info(name)).state
    if maxlen is None or state.messages <= maxlen:
        return 0
    floors = [
        (info.ack_floor.stream_seq if info.ack_floor is not None else 0)
        for info in await js.consumers_info(name)
        if info.config.durable_name  # range readers are not groups
    ]
    keep_from = min([*floors, state.last_seq]) + 1  # never past the slowest group
    keep_from = min(keep_from, state.last_seq - maxlen + 1)
    if keep_from <= state.first_seq:
        return 0
    await js.purge_stream(name, seq=keep_from)
    return keep_from - state.first_seq
