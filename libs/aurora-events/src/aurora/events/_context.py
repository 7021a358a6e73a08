"""The event being handled right now, so events created inside a handler link to it.

When a handler reacts to event A by publishing event B, B's ``causation_id`` should
be A's id and B's ``correlation_id`` A's correlation: the consumer sets this context
around each handler call and ``create_event`` reads it.
"""

from __future__ import annotations

from contextvars import Token
from types import TracebackType

from pydantic import BaseModel

from aurora.events._envelope import HANDLED, Event
from aurora.events._tracing import ConsumerSpan
from aurora.logging import bind_correlation_id

__all__ = ["current_event", "handling"]


def current_event() -> Event | None:
    """The event whose handler is running in this context, if any."""
    handled = HANDLED.get()
    return None if handled is None else handled[0]


class handling:  # noqa: N801 - reads like the function-style context manager it replaced
    """Run a block as the handler of ``event``: its correlation id is bound for logging,
    and ``payload`` (already validated) is what ``event.payload_as`` returns.

    A class rather than ``@contextmanager``: it runs once per consumed message, and
    the generator machinery was a measurable share of the consumer's overhead.
    """

    __slots__ = ("_event", "_payload", "_scope", "_span", "_token")

    def __init__(self, event: Event, payload: BaseModel | None = None) -> None:
        self._event = event
        self._payload = payload
        self._scope = bind_correlation_id(event.correlation_id or event.id)
        self._token: Token[tuple[Event, BaseModel | None] | None] | None = None
        self._span = ConsumerSpan(event)

    def __enter__(self) -> Event:
        self._token = HANDLED.set((self._event, self._payload))
        self._scope.__enter__()
        self._span.__enter__()
        return self._event

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._span.__exit__(exc_type, exc, traceback)
        self._scope.__exit__(exc_type, exc, traceback)
        if self._token is not None:
            HANDLED.reset(self._token)
