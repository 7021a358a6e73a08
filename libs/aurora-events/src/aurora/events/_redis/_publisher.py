"""Writing to Redis Streams: pipelined ``XADD`` with a length cap, and dead-lettering.

Pipelining is the whole performance story of publishing (one round trip per batch
instead of per event), so a batch goes out as one pipeline, split only into chunks
large enough to amortise the round trip yet small enough not to stall the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis

from aurora.events._broker import Delivery, OutgoingMessage, dead_letter_stream

__all__ = ["dead_letter", "text", "xadd_many"]

PIPELINE_CHUNK = 1000


def text(value: bytes | str) -> str:
    """A reply value as ``str`` whatever the client's ``decode_responses``."""
    return value.decode() if isinstance(value, bytes) else value


async def xadd_many(
    client: Redis,
    messages: Sequence[OutgoingMessage],
    *,
    key: Callable[[str], str],
    maxlen: int | None,
) -> list[str]:
    """Append every message in order, one pipeline per chunk; returns the entry ids.

    ``MAXLEN ~`` lets Redis trim whole macro nodes, which costs almost nothing,
    where an exact cap would make every append pay for trimming.
    """
    ids: list[str] = []
    # The raw command: redis-py's ``xadd`` helper re-validates its options per call.
    cap = ("MAXLEN", "~", maxlen) if maxlen is not None else ()
    keys: dict[str, str] = {}
    for start in range(0, len(messages), PIPELINE_CHUNK):
        pipe = client.pipeline(transaction=False)
        for stream, event_type, body in messages[start : start + PIPELINE_CHUNK]:
            physical = keys.get(stream) or keys.setdefault(stream, key(stream))
            pipe.execute_command(
                "XADD", physical, *cap, "*", "type", event_type, "event", body
            )  # fmt: skip
        ids.extend(
            [mid.decode() if isinstance(mid, bytes) else mid for mid in await pipe.execute()]
        )
    return ids


async def dead_letter(
    client: Redis,
    delivery: Delivery,
    *,
    key: Callable[[str], str],
    group: str,
    error: str,
) -> str:
    """Copy the message to ``<stream>:dlq`` with the error and ack it in one transaction.

    MULTI makes the move atomic: a crash can't leave a message both dead-lettered
    and pending (it would be dead-lettered twice) or acked and not dead-lettered (lost).
    """
    fields = {
        "type": delivery.event_type,
        "event": delivery.body,
        "stream": delivery.stream,
        "original_id": delivery.message_id,
        "group": group,
        "error": error,
        "deliveries": str(delivery.deliveries),
        "failed_at": datetime.now(UTC).isoformat(),
    }
    pipe = client.pipeline(transaction=True)
    pipe.xadd(key(dead_letter_stream(delivery.stream)), fields)  # type: ignore[arg-type]
    pipe.xack(key(delivery.stream), group, delivery.message_id)
    dlq_id, _ = await pipe.execute()
    return text(dlq_id)
