"""Translating a transport's errors at the broker boundary, written once for every broker.

Each broker method that talks to the server is decorated with the broker's own
``translate`` function, which maps a client library's exception to Aurora's
(``BrokerUnavailableError``, ``GroupLostError``) or returns ``None`` to let it
through unchanged; the translation is raised ``from`` the original, as the house
style asks (advanced-alchemy's ``wrap_sqlalchemy_exception``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

__all__ = ["Addressed", "translating"]

_S = TypeVar("_S")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class Addressed(Protocol):
    """A broker, as its error messages name it."""

    address: str


Method = Callable[Concatenate[_S, _P], Coroutine[Any, Any, _R]]


def translating(
    translate: Callable[[Any, Exception], BaseException | None],
) -> Callable[[Method[_S, _P, _R]], Method[_S, _P, _R]]:
    """A decorator raising ``translate(self, exc)`` for what it translates.

    ``translate`` gets the broker (for its address) and the exception.
    """

    def decorate(fn: Method[_S, _P, _R]) -> Method[_S, _P, _R]:
        @functools.wraps(fn)
        async def wrapper(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return await fn(self, *args, **kwargs)
            except Exception as exc:
                translated = translate(self, exc)
                if translated is None:
                    raise
                raise translated from exc

        return wrapper

    return decorate
