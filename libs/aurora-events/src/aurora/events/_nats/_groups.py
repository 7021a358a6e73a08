"""Consumer groups as JetStream durable pull consumers: creating, repositioning, describing.

A group is a durable consumer named after it, with explicit acks, an
``ack_wait`` that is the visibility timeout, and no delivery cap (the consumer
dead-letters at its own max-deliveries; nothing is dropped by the server).
Moving a group means recreating its consumer at the new start, and its figures
come from consumer info (see :func:`describe_group`).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from aurora.events._broker import GroupInfo
from aurora.events._nats._messages import NatsGroupInfo
from aurora.events._nats._positions import Position, stream_name

__all__ = ["create_consumer", "describe_group", "durable_name", "reposition"]


def durable_name(group: str) -> str:
    """The durable consumer of ``group`` (consumer names share stream names' alphabet)."""
    return stream_name("", group)


async def create_consumer(
    js: JetStreamContext, name: str, group: str, start: Position, *, ack_wait: float
) -> None:
    """The durable consumer of ``group`` on stream ``name``, delivering from ``start``."""
    config = ConsumerConfig(
        durable_name=durable_name(group),
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=-1,  # the consumer dead-letters at max_deliveries; nothing is dropped
        max_ack_pending=-1,
        **start.consumer_options(),
    )
    await js.add_consumer(name, config)


async def reposition(
    js: JetStreamContext, name: str, group: str, start: Position, *, ack_wait: float
) -> None:
    """Recreate ``group``'s consumer at ``start`` (JetStream can't move one in place)."""
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_consumer(name, durable_name(group))
    await create_consumer(js, name, group, start, ack_wait=ack_wait)


async def describe_group(js: JetStreamContext, name: str, stream: str, group: str) -> GroupInfo:
    """From consumer info: ``lag`` is ``num_pending``, ``pending`` is ``num_ack_pending``.

    JetStream does not name the members of a pull consumer: ``consumers`` reports
    the pull requests waiting now (``num_waiting``).
    """
    try:
        info = await js.consumer_info(name, durable_name(group))
    except nats.js.errors.NotFoundError:
        return GroupInfo(stream, group, 0, None, 0, "0", {"missing": True}, exists=False)
    delivered = info.delivered.stream_seq if info.delivered is not None else 0
    pending = info.num_ack_pending or 0
    oldest, appended = None, None
    if pending:
        floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
        oldest = str(floor + 1)
        appended = await _appended_at(js, name, floor + 1)
    return NatsGroupInfo(
        stream,
        group,
        pending,
        info.num_pending or 0,
        info.num_waiting or 0,
        str(delivered or 0),
        {"redelivered": info.num_redelivered or 0, "oldest_pending_time": appended},
        oldest_pending_id=oldest,
    )


async def _appended_at(js: JetStreamContext, name: str, seq: int) -> datetime | None:
    with contextlib.suppress(nats.js.errors.NotFoundError):
        return (await js.get_msg(name, seq)).time
    return None
