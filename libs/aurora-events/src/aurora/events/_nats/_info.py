"""Reading a JetStream stream's state and the server's durability, as the protocol reports them.

Kept apart from the broker class (as ``_redis._info`` is for Redis) so the replies
of ``STREAM.INFO`` and the server's INFO are parsed in one place.
"""

from __future__ import annotations

from typing import Any

import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from aurora.events._broker import Persistence, StreamInfo

__all__ = ["persistence", "stream_info"]


async def stream_info(
    js: JetStreamContext, name: str, stream: str, maxlen: int | None
) -> StreamInfo:
    """Messages held against ``maxlen``, and the first and last sequences."""
    try:
        state = (await js.stream_info(name)).state
    except nats.js.errors.NotFoundError:
        return StreamInfo(stream, 0, "0", maxlen, exists=False)
    first = str(state.first_seq) if state.messages else None
    return StreamInfo(stream, state.messages, str(state.last_seq), maxlen, first_id=first)


async def persistence(
    js: JetStreamContext, client: Client | None, *, replicas: int, required: bool
) -> Persistence:
    """File storage is durable across restarts; the incarnation is the server's id.

    nats-server writes each message to its block file before the PubAck (a killed
    process loses nothing) and fsyncs on ``sync_interval`` (2 minutes by default):
    a machine crash can lose the last moments unless ``sync: always`` is set.
    """
    account = await js.account_info()
    # nats-py keeps the INFO the server sent; its server_id changes on every start.
    info: dict[str, Any] = dict(client._server_info) if client is not None else {}
    problems = () if replicas >= 1 and account.limits is not None else ("no JetStream",)
    return Persistence(
        durable=not problems,
        required=required,
        problems=problems,
        details={
            "storage": "file",
            "replicas": str(replicas),
            "server_version": str(info.get("version", "")),
        },
        incarnation=str(info.get("server_id", "")),
    )
