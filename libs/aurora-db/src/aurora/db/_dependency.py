"""FastAPI dependencies that commit *before* the response is sent.

A ``yield`` dependency's exit code runs after the response has gone out by
default (FastAPI's "request" scope), so a commit that fails there (a unique or
deferred constraint, a lost connection) is logged while the client already got
its 200 and the write is lost (fastapi#11143). Here the session lives in a
dependency with ``scope="function"``: it commits when the endpoint returns, and a
failed commit becomes the error response. Users still write the plain form::

    @app.post("/subjects")
    def create(db: Annotated[Session, Depends(get_db_dependency("subject-service"))]): ...

Sessions are write sessions (on SQLite they begin ``IMMEDIATE``); routes that only
read may use ``get_db_dependency(name, write=False)``.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at
# runtime, and the inner functions' names are not module globals.

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.db._fastapi import require_fastapi
from aurora.db._registry import EngineRegistry
from aurora.db._session import get_async_db_session, get_db_session

__all__ = ["get_async_db_dependency", "get_db_dependency"]


def get_db_dependency(
    service_name: str, *, registry: EngineRegistry | None = None, write: bool = True
) -> Callable[..., Awaitable[Session]]:
    """A dependency giving each request a :class:`Session` committed before the response.

    The same callable is returned for the same service (default registry), so
    ``app.dependency_overrides[get_db_dependency("subject-service")]`` works.
    ``write=False``: sessions that only read (on SQLite, begun deferred).
    """
    if registry is None:
        return _cached_sync_dependency(service_name, write)
    return _sync_dependency(service_name, registry, write)


def get_async_db_dependency(
    service_name: str, *, registry: EngineRegistry | None = None, write: bool = True
) -> Callable[..., Awaitable[AsyncSession]]:
    """The :class:`AsyncSession` twin of :func:`get_db_dependency`."""
    if registry is None:
        return _cached_async_dependency(service_name, write)
    return _async_dependency(service_name, registry, write)


def _sync_dependency(
    service_name: str, registry: EngineRegistry | None, write: bool
) -> Callable[..., Awaitable[Session]]:
    # Imported here: FastAPI is the optional aurora-db[fastapi] extra.
    require_fastapi("get_db_dependency")
    from fastapi import Depends

    def session_scope() -> Iterator[Session]:
        with get_db_session(service_name, registry=registry, write=write) as session:
            yield session

    # A plain (non-generator) outer dependency may depend on a function-scoped one,
    # which is what lets callers use it with a bare ``Depends(...)``.
    async def db_session(
        session: Annotated[Session, Depends(session_scope, scope="function")],
    ) -> Session:
        return session

    return db_session


def _async_dependency(
    service_name: str, registry: EngineRegistry | None, write: bool
) -> Callable[..., Awaitable[AsyncSession]]:
    require_fastapi("get_async_db_dependency")
    from fastapi import Depends

    async def session_scope() -> AsyncIterator[AsyncSession]:
        async with get_async_db_session(service_name, registry=registry, write=write) as session:
            yield session

    async def db_session(
        session: Annotated[AsyncSession, Depends(session_scope, scope="function")],
    ) -> AsyncSession:
        return session

    return db_session


@functools.cache
def _cached_sync_dependency(service_name: str, write: bool) -> Callable[..., Awaitable[Session]]:
    return _sync_dependency(service_name, None, write)


@functools.cache
def _cached_async_dependency(
    service_name: str, write: bool
) -> Callable[..., Awaitable[AsyncSession]]:
    return _async_dependency(service_name, None, write)
