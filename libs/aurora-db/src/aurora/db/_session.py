"""Units of work: a session that commits when the block succeeds and rolls back when it fails.

    with get_db_session("subject-service") as db:
        SubjectRepository(db).add(Subject(name="Math"))
    # committed here; any exception inside rolled everything back and propagated

On SQLite a session's transaction starts with ``BEGIN IMMEDIATE`` (it holds the
write lock from the start, so reading then writing can't fail because another
connection committed in between); pass ``write=False`` for sessions that only read.

Database errors leaving the block, the commit's included, arrive as
:mod:`aurora.db` errors (a duplicate key is a 409 :class:`UniqueViolationError`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.db._errors import translate_errors
from aurora.db._registry import EngineRegistry, get_registry
from aurora.logging import get_logger

__all__ = ["get_async_db_session", "get_db_session"]


@contextmanager
def get_db_session(
    service_name: str, *, registry: EngineRegistry | None = None, write: bool = True
) -> Iterator[Session]:
    """A session of ``service_name`` that commits on success and rolls back on any exception.

    ``write=False``: the session only reads, so on SQLite it doesn't wait for the
    write lock (writing through it may then fail with "database is locked").
    """
    session = (registry or get_registry()).sessionmaker(service_name, write=write)()
    try:
        with translate_errors():
            try:
                yield session
                session.commit()
            except BaseException:
                _rollback(session)
                raise
    finally:
        session.close()


@asynccontextmanager
async def get_async_db_session(
    service_name: str, *, registry: EngineRegistry | None = None, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """The asyncio twin of :func:`get_db_session`."""
    session = (registry or get_registry()).async_sessionmaker(service_name, write=write)()
    try:
        with translate_errors():
            try:
                yield session
                await session.commit()
            except BaseException:
                await _rollback_async(session)
                raise
    finally:
        await session.close()


def _rollback(session: Session) -> None:
    # A failed rollback (the connection died) must not hide the error that caused it.
    try:
        session.rollback()
    except Exception:
        get_logger("aurora.db").warning("rollback_failed", exc_info=True)


async def _rollback_async(session: AsyncSession) -> None:
    try:
        await session.rollback()
    except Exception:
        get_logger("aurora.db").warning("rollback_failed", exc_info=True)
