"""SQLite: a transaction that reads, then writes after another connection committed.

In WAL mode a deferred transaction's first read pins a snapshot; if another
connection commits before the transaction writes, the write fails at once with
"database is locked" (SQLITE_BUSY_SNAPSHOT), which no busy timeout retries. A
request that loads a row and then updates it while the outbox relay commits hits
exactly that. Sessions begin ``IMMEDIATE`` by default, so they hold the write lock
from the start and the other writer waits instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from db_models import Subject
from db_registry import SERVICE, make_registry
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from aurora.db import (
    Base,
    DatabaseUnavailableError,
    EngineRegistry,
    build_engine,
    database_target,
    get_async_db_session,
    get_db_session,
    read_only,
)

# Long enough that a writer queued behind the lock is visibly still waiting.
_QUEUED = 0.3


@pytest.fixture()
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = build_engine(database_target(url))
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture()
def other(url: str) -> Iterator[Engine]:
    """A second engine on the same file: another process's connection, in effect."""
    engine = build_engine(database_target(url))
    yield engine
    engine.dispose()


def _commit_elsewhere(engine: Engine, name: str) -> threading.Thread:
    def write() -> None:
        with Session(engine) as session, session.begin():
            session.add(Subject(name=name))

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def _names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(Subject.name)))


def _read_then_write(registry: EngineRegistry, other: Engine) -> threading.Thread:
    with get_db_session(SERVICE, registry=registry) as db:
        db.scalars(select(Subject)).all()
        thread = _commit_elsewhere(other, "Physics")
        thread.join(_QUEUED)
        db.add(Subject(name="Math"))
    return thread


def test_reads_then_writes_while_another_connection_commits(url: str, other: Engine) -> None:
    registry = make_registry(url)
    try:
        thread = _read_then_write(registry, other)
        thread.join()
    finally:
        registry.dispose()
    assert _names(other) == ["Math", "Physics"]


def _read_commit_elsewhere_then_write(registry: EngineRegistry, other: Engine) -> None:
    with get_db_session(SERVICE, registry=registry) as db:
        db.scalars(select(Subject)).all()
        _commit_elsewhere(other, "Physics").join()
        db.add(Subject(name="Math"))
        db.flush()


def test_deferred_begin_reproduces_the_lock_error(url: str, other: Engine) -> None:
    """Without the fix (``sqlite_begin="deferred"``) the same unit of work fails with 503."""
    registry = make_registry(url, sqlite_begin="deferred")
    try:
        with pytest.raises(DatabaseUnavailableError) as caught:
            _read_commit_elsewhere_then_write(registry, other)
    finally:
        registry.dispose()
    assert caught.value.status == 503
    assert _names(other) == ["Physics"]


async def _async_read_then_write(registry: EngineRegistry, other: Engine, *, wait: bool) -> None:
    async with get_async_db_session(SERVICE, registry=registry) as db:
        (await db.scalars(select(Subject))).all()
        thread = _commit_elsewhere(other, "Physics")
        thread.join(None if wait else _QUEUED)
        db.add(Subject(name="Math"))
        await db.flush()
    thread.join()


async def test_async_reads_then_writes_while_another_connection_commits(
    url: str, other: Engine
) -> None:
    registry = make_registry(url)
    try:
        await _async_read_then_write(registry, other, wait=False)
    finally:
        await registry.dispose_async()
    assert _names(other) == ["Math", "Physics"]


async def test_async_deferred_begin_reproduces_the_lock_error(url: str, other: Engine) -> None:
    registry = make_registry(url, sqlite_begin="deferred")
    try:
        with pytest.raises(DatabaseUnavailableError):
            await _async_read_then_write(registry, other, wait=True)
    finally:
        await registry.dispose_async()
    assert _names(other) == ["Physics"]


def test_the_other_writer_waits_for_the_lock(url: str, other: Engine) -> None:
    """The second writer queues behind the first transaction rather than racing it."""
    registry = make_registry(url)
    try:
        with get_db_session(SERVICE, registry=registry) as db:
            db.scalars(select(Subject)).all()
            thread = _commit_elsewhere(other, "Physics")
            thread.join(_QUEUED)
            assert thread.is_alive()
            db.add(Subject(name="Math"))
        thread.join()
    finally:
        registry.dispose()
    assert _names(other) == ["Math", "Physics"]


def test_read_only_sessions_do_not_take_the_write_lock(url: str, other: Engine) -> None:
    registry = make_registry(url)
    try:
        with get_db_session(SERVICE, registry=registry, write=False) as db:
            db.scalars(select(Subject)).all()
            thread = _commit_elsewhere(other, "Physics")
            thread.join()  # not blocked: the reader holds no lock
        with read_only(registry.engine(SERVICE)).connect() as connection:
            assert connection.get_execution_options()["aurora_sqlite_begin"] == "deferred"
    finally:
        registry.dispose()
    assert _names(other) == ["Physics"]
