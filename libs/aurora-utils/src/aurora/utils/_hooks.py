"""How a lib plugs into a running service without importing the app that runs it.

aurora-db, aurora-http and aurora-events each offer one ``install_*`` call that opens
their resources when the service starts, closes them when it stops and reports their
readiness. They take any object with the three methods of :class:`ServiceHooks`;
aurora-app's ``Service`` is one, a test's recorder is another. Both types live here,
below every lib that uses them, so the layering needs no lib to know another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

__all__ = ["HealthCheck", "Hook", "ServiceHooks"]

HealthCheck = Callable[[], Awaitable[Mapping[str, Any] | None]]
"""A readiness check: returns details (or ``None``) when healthy, raises when not."""

Hook = Callable[[], Awaitable[Any] | Any]
"""A startup or shutdown hook: any callable, sync or async."""

H = TypeVar("H", bound=Hook)


class ServiceHooks(Protocol):
    """The lifecycle and readiness hooks a service offers to the libs it installs.

    Startup hooks run in registration order; shutdown hooks in reverse, so what a lib
    opened last closes first (a consumer stops before the broker it reads closes).
    """

    def on_startup(self, fn: H, /) -> H:
        """Run ``fn`` when the service starts."""
        ...

    def on_shutdown(self, fn: H, /) -> H:
        """Run ``fn`` when the service stops."""
        ...

    def add_health_check(self, name: str, check: HealthCheck, /, *, critical: bool = True) -> None:
        """Report ``check`` under ``name``; a failing critical check makes the service unready."""
        ...
