"""Waiting on several streams at once when one blocking read can't cover them all.

A Redis Cluster can't ``XREADGROUP`` across slots and JetStream pulls one consumer
at a time, so a read over several streams waits on one read per stream and
returns as soon as any of them has messages; the others are cancelled. A read
cancelled after the server handed it messages loses nothing: JetStream keeps them
in the subscription for the next fetch, and Redis leaves them pending until they
are reclaimed after the visibility timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aurora.events._broker import Delivery

__all__ = ["first_batch", "read_each"]

ReadOne = Callable[[str, int, float], Awaitable[list[Delivery]]]
"""Reads up to ``count`` deliveries of one stream, waiting up to ``block`` seconds."""


async def read_each(
    streams: Sequence[str], read: ReadOne, *, count: int, block: float
) -> list[Delivery]:
    """One read per stream: first each without waiting, then waiting on all at once."""
    found: list[Delivery] = []
    for stream in streams:
        found += await read(stream, count - len(found), 0.0)
        if len(found) >= count:
            return found
    if found or block <= 0:
        return found
    return await first_batch([read(stream, count, block) for stream in streams])


async def first_batch(reads: Sequence[Awaitable[list[Delivery]]]) -> list[Delivery]:
    """The deliveries of whichever reads finish first (all that finished together)."""
    tasks = [asyncio.ensure_future(read) for read in reads]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finished = [task for task in tasks if not task.cancelled()]
    found = [d for task in finished if task.exception() is None for d in task.result()]
    errors = [task.exception() for task in finished if task.exception() is not None]
    if not found and errors:
        raise errors[0]  # type: ignore[misc]
    return found
