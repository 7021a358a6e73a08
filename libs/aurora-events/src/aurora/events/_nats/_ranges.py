"""Range reads (the DLQ CLI, replay, inspection) through a short-lived consumer.

JetStream has no ``XRANGE``: reading a span of a stream means an ephemeral
consumer starting at ``start`` (no acks, in memory, deleted afterwards and
expired by the server should the reader die), fetched from in batches until
``end`` or ``count``.
"""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from aurora.events._broker import StreamEntry
from aurora.events._nats._messages import end_sequence, entry
from aurora.events._nats._positions import parse_position

__all__ = ["read_range"]

_RANGE_BATCH = 256


async def read_range(
    js: JetStreamContext,
    name: str,
    *,
    stream: str,
    base: str,
    start: str,
    end: str,
    count: int | None,
) -> list[StreamEntry]:
    """Entries of JetStream stream ``name`` (logical ``stream``, subjects under ``base``)."""
    try:
        state = (await js.stream_info(name)).state
    except nats.js.errors.NotFoundError:
        return []
    last = end_sequence(end, state.last_seq)
    if state.messages == 0 or (count is not None and count <= 0):
        return []
    entries: list[StreamEntry] = []
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        inactive_threshold=30.0,
        mem_storage=True,
        **parse_position(start, after=False).consumer_options(),
    )
    info = await js.add_consumer(name, config)
    try:
        sub = await js.pull_subscribe_bind(consumer=info.name, stream=name)
        await _fetch_range(sub, stream, base, entries, last=last, count=count)
        await sub.unsubscribe()
    finally:
        await js.delete_consumer(name, info.name)
    return entries


async def _fetch_range(
    sub: JetStreamContext.PullSubscription,
    stream: str,
    base: str,
    entries: list[StreamEntry],
    *,
    last: int,
    count: int | None,
) -> None:
    while count is None or len(entries) < count:
        want = _RANGE_BATCH if count is None else min(_RANGE_BATCH, count - len(entries))
        try:
            msgs = await sub.fetch(want, timeout=1.0)
        except TimeoutError:
            return
        for msg in msgs:
            seq = msg.metadata.sequence.stream
            if seq > last or (count is not None and len(entries) >= count):
                return
            entries.append(entry(stream, base, msg))
            if seq == last:
                return
