"""What callers see of a circuit: its states and the error an open one raises.

Kept apart from the state machine (``_breaker.py``) because these are the
vocabulary other code handles (aurora-http catches ``CircuitOpenError``,
listeners receive ``CircuitState``) without caring how transitions happen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from aurora.errors import ServiceUnavailableError

__all__ = ["CircuitOpenError", "CircuitState", "StateListener"]


class CircuitState(StrEnum):
    """Where a breaker stands; a ``str`` so it logs and serialises as itself."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


StateListener = Callable[[str, CircuitState, CircuitState], object]
"""Called as ``listener(breaker_name, old_state, new_state)`` after each transition."""


class CircuitOpenError(ServiceUnavailableError):
    """A call was refused without being attempted because the circuit is open.

    A 503 so that, left unhandled, it tells the client to come back after
    ``retry_after`` seconds (the rest of the open period, when known).
    """

    code = "circuit_open"

    def __init__(
        self,
        detail: str | None = None,
        *,
        breaker_name: str | None = None,
        retry_after: float | None = None,
        context: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        merged = dict(context or {})
        if breaker_name is not None:
            merged["breaker"] = breaker_name
            detail = detail or f"Circuit breaker '{breaker_name}' is open"
        super().__init__(detail, retry_after=retry_after, context=merged, code=code)

    @property
    def breaker_name(self) -> str | None:
        """The name of the breaker that refused the call."""
        value = self.context.get("breaker")
        return None if value is None else str(value)
