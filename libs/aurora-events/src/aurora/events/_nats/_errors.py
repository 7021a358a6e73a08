"""Which nats-py errors mean "JetStream is unavailable", translated at the broker boundary.

Connection, timeout and no-responders errors all say the same to a caller (try
again later: a 503, the relay backs off), so each becomes ``BrokerUnavailableError``
naming the broker; everything else (a bad request, a missing stream the broker
handles itself) passes through.
"""

from __future__ import annotations

import asyncio

import nats.errors
import nats.js.errors

from aurora.events._errors import BrokerUnavailableError
from aurora.events._translation import Addressed, translating

__all__ = ["UNAVAILABLE", "translated"]

UNAVAILABLE = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoRespondersError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.TimeoutError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    asyncio.TimeoutError,
    OSError,
)


def _translate(broker: Addressed, exc: Exception) -> BaseException | None:
    if not isinstance(exc, UNAVAILABLE):
        return None
    return BrokerUnavailableError(
        f"NATS JetStream at {broker.address} is unavailable: {exc!r}",
        context={"broker": broker.address},
    )


translated = translating(_translate)
