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

    __slots__ = ("_tokens", "value")

    def __init__(self, value: str | None = None) -> None:
        self.value: str = value or new_correlation_id()
        self._tokens: list[Token[str | None]] = []

    def __enter__(self) -> str:
        self._tokens.append(correlation_id_var.set(self.value))
        return self.value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        correlation_id_var.reset(self._tokens.pop())

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
