"""Correlation ids: one id per unit of work, carried implicitly through the call stack.

The id lives in a :class:`contextvars.ContextVar` because that is the one carrier
that follows asyncio: every task starts with a copy of its creator's context, and
``asyncio.to_thread`` / ``contextvars.copy_context().run`` carry it into worker
threads. aurora-app's middleware binds it per request, aurora-http forwards it as
a header, aurora-events stamps it on messages, and every log line picks it up.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from types import TracebackType

__all__ = [
    "CorrelationScope",
    "bind_correlation_id",
    "correlation_id_var",
    "get_correlation_id",
    "new_correlation_id",
]

correlation_id_var: ContextVar[str | None] = ContextVar("aurora_correlation_id", default=None)
"""The carrier itself, for hot paths that set and reset it directly (a request's middleware:
``token = correlation_id_var.set(cid)`` ... ``correlation_id_var.reset(token)``); elsewhere
:func:`bind_correlation_id` is the safer way, since it always restores the previous id."""


def get_correlation_id() -> str | None:
    """The id bound in the current context, or ``None`` outside any unit of work."""
    return correlation_id_var.get()


def new_correlation_id() -> str:
    """A fresh random id (UUID4 text); it is not bound, see :func:`bind_correlation_id`."""
    return str(uuid.uuid4())


class CorrelationScope:
    """Binds an id for the duration of a ``with`` or ``async with`` block.

    On exit the previous id (or none) is restored, so nested scopes and
    sequential requests handled by one worker never leak ids into each other.
    Entering it again while open is allowed; each exit undoes the matching enter.
    """

    # One token in a slot serves the usual single enter (a request binds once per
    # request); a list is made only when the scope is entered again while open.
    __slots__ = ("_token", "_tokens", "value")

    def __init__(self, value: str | None = None) -> None:
        self.value: str = value or new_correlation_id()
        self._token: Token[str | None] | None = None
        self._tokens: list[Token[str | None]] | None = None

    def __enter__(self) -> str:
        token = correlation_id_var.set(self.value)
        if self._token is None:
            self._token = token
        elif self._tokens is None:
            self._tokens = [token]
        else:
            self._tokens.append(token)
        return self.value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._tokens:  # the innermost enter is undone first
            correlation_id_var.reset(self._tokens.pop())
            return
        token, self._token = self._token, None
        if token is None:
            raise IndexError("CorrelationScope exited more often than entered")
        correlation_id_var.reset(token)

    async def __aenter__(self) -> str:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)

    def __repr__(self) -> str:
        return f"CorrelationScope({self.value!r})"


def bind_correlation_id(value: str | None = None) -> CorrelationScope:
    """Bind ``value`` (or a new id when it is ``None`` or empty) as the current correlation id.

    Use it as ``with bind_correlation_id(header_value) as cid:`` in sync code and
    either ``with`` or ``async with`` in coroutines; tasks and ``to_thread`` calls
    started inside the block inherit the id, even after the block has exited.
    """
    return CorrelationScope(value)
