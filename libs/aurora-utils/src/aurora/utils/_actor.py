"""Who is acting: the current principal, for records that say who changed them.

The app's security layer knows who is calling; the database layer writes
``created_by``/``updated_by``. Neither may import the other, so they meet here,
below both: a context variable the security dependency sets per request and
aurora-db's audit columns read as their default. A context variable, not a
global, so concurrent requests (tasks, threads) each see their own caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar, Token

__all__ = ["acting_as", "current_actor", "set_current_actor"]

_actor: ContextVar[str | None] = ContextVar("aurora.actor", default=None)


def current_actor() -> str | None:
    """The principal acting in this context (a token's subject), or ``None``."""
    return _actor.get()


def set_current_actor(actor: str | None) -> Token[str | None]:
    """Make ``actor`` the current actor for the rest of this context (a request's task).

    Returns the token that :meth:`ContextVar.reset` takes to undo it.
    """
    return _actor.set(actor)


@contextlib.contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Act as ``actor`` inside the block (scripts, jobs, tests), then restore the previous one."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)
