"""``RecordedHooks``: a service's hooks without a service, to test a lib's install call.

aurora-db, aurora-http and aurora-events install themselves through
``aurora.utils.ServiceHooks``. This records what they register and runs it the way
aurora-app's ``Service`` does (startup hooks in order, shutdown hooks in reverse, each
one even when an earlier one failed), so a lib's tests need neither an app nor patches::

    hooks = RecordedHooks()
    install_database(hooks, "subject-service", "sqlite+aiosqlite:///:memory:")
    async with hooks.running():
        assert (await hooks.check("database"))["backend"] == "sqlite"
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aurora.utils import HealthCheck, Hook

__all__ = ["RecordedHooks"]

H = TypeVar("H", bound=Hook)


@dataclass
class RecordedHooks:
    """What was installed: hooks by phase, checks by name with their criticality."""

    startup: list[Hook] = field(default_factory=list)
    shutdown: list[Hook] = field(default_factory=list)
    checks: dict[str, HealthCheck] = field(default_factory=dict)
    critical: dict[str, bool] = field(default_factory=dict)

    def on_startup(self, fn: H, /) -> H:
        """Record a startup hook."""
        self.startup.append(fn)
        return fn

    def on_shutdown(self, fn: H, /) -> H:
        """Record a shutdown hook."""
        self.shutdown.append(fn)
        return fn

    def add_health_check(self, name: str, check: HealthCheck, /, *, critical: bool = True) -> None:
        """Record a readiness check (replacing one of the same name, as a service does)."""
        self.checks[name] = check
        self.critical[name] = critical

    async def start(self) -> None:
        """Run the startup hooks in registration order."""
        for hook in self.startup:
            await _call(hook)

    async def stop(self) -> None:
        """Run the shutdown hooks in reverse registration order; raise the first failure."""
        failures: list[BaseException] = []
        for hook in reversed(self.shutdown):
            try:
                await _call(hook)
            except Exception as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RecordedHooks]:
        """Started inside the block, stopped after it."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def check(self, name: str) -> Mapping[str, Any]:
        """Run the check ``name``: its details (``{}`` for none); raises when it fails."""
        return await self.checks[name]() or {}


async def _call(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result
