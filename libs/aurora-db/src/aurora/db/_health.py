"""The database's readiness: ``hooks.add_health_check("database", database_health_check(name))``.

A check is an ``aurora.utils.HealthCheck``, an ``async`` callable that returns details
when healthy and raises when not, which is all aurora-app needs to know about databases.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from aurora.db._engine import read_only
from aurora.db._errors import DatabaseUnavailableError, translate_exception
from aurora.db._registry import EngineRegistry, get_registry
from aurora.utils import HealthCheck

__all__ = ["HealthCheck", "database_check", "database_health_check"]


def database_health_check(
    service_name: str | None = None,
    *,
    engine: Engine | AsyncEngine | None = None,
    registry: EngineRegistry | None = None,
    timeout: float = 2.0,
) -> HealthCheck:
    """A check that runs ``SELECT 1`` within ``timeout`` seconds.

    Args:
        service_name: Check this service's async engine (resolved at check time, so
            building the check connects to nothing).
        engine: Check this engine instead; a sync one runs in a worker thread.

    The check raises :class:`DatabaseUnavailableError` when the database doesn't
    answer in time or fails, and otherwise returns ``{"backend", "latency_ms"}``.
    """
    if (service_name is None) == (engine is None):
        raise TypeError("pass exactly one of service_name or engine")

    async def check() -> dict[str, Any]:
        target = (
            engine
            if engine is not None
            else (registry or get_registry()).async_engine(str(service_name))
        )
        started = time.perf_counter()
        try:
            with anyio.fail_after(timeout):
                await _select_one(target)
        except TimeoutError as exc:
            raise DatabaseUnavailableError(f"database did not answer within {timeout:g}s") from exc
        except sa_exc.SQLAlchemyError as exc:
            raise translate_exception(exc) from exc
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return {"backend": target.dialect.name, "latency_ms": latency_ms}

    return check


database_check = database_health_check
"""Deprecated alias of :func:`database_health_check`."""


async def _select_one(engine: Engine | AsyncEngine) -> None:
    # Read-only: on SQLite the check must not queue for the write lock.
    if isinstance(engine, AsyncEngine):
        async with read_only(engine).connect() as connection:
            await connection.execute(text("SELECT 1"))
        return
    await anyio.to_thread.run_sync(_select_one_sync, engine, abandon_on_cancel=True)


def _select_one_sync(engine: Engine) -> None:
    with read_only(engine).connect() as connection:
        connection.execute(text("SELECT 1"))
