"""Fixtures running every database test on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from db_registry import SERVICE, make_registry
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.db import (
    AsyncBaseRepository,
    Base,
    BaseRepository,
    EngineRegistry,
    build_engine,
    database_target,
    reset_engines,
)
from aurora.testing.isolation import postgres_schema


@pytest.fixture(autouse=True)
def _fresh_default_registry() -> Iterator[None]:
    """Tests that touch the module-level registry start and end with a clean one."""
    reset_engines()
    yield
    reset_engines()


def _database(backend: str, directory: Path) -> contextlib.AbstractContextManager[str]:
    if backend == "sqlite":
        return contextlib.nullcontext(f"sqlite:///{directory / 'data' / 'test.db'}")
    return _schema_url()


@contextlib.contextmanager
def _schema_url() -> Iterator[str]:
    with postgres_schema(prefix="aurora_db") as schema:
        yield schema.url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One database per test module and backend, with the test tables, emptied per test.

    Creating a schema and its tables for every test would dominate the suite's time.
    """
    with _database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = build_engine(database_target(url))
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()


@pytest.fixture()
def db_url(module_database: Engine) -> str:
    """An empty database with the test tables: a SQLite file or a PostgreSQL schema of its own."""
    with module_database.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return module_database.url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it at all (for migrations)."""
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def backend(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


@pytest.fixture()
def registry(db_url: str) -> Iterator[EngineRegistry]:
    """A registry with SERVICE configured on ``db_url``."""
    registry = make_registry(db_url)
    yield registry
    registry.dispose()


@pytest.fixture()
async def async_registry(registry: EngineRegistry) -> AsyncIterator[EngineRegistry]:
    """The same registry, whose async engines are closed on this test's event loop."""
    yield registry
    await registry.dispose_async()


class Repo:
    """Calls a sync or an async repository the same way, so one test covers both."""

    def __init__(self, repository: BaseRepository[Any] | AsyncBaseRepository[Any]) -> None:
        self.repository = repository
        self.session: Session | AsyncSession = repository.session

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.repository, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return call

    async def commit(self) -> None:
        await _maybe_await(self.session.commit())

    async def rollback(self) -> None:
        await _maybe_await(self.session.rollback())

    async def close(self) -> None:
        """End the session (on SQLite, so another one may write)."""
        await _maybe_await(self.session.close())

    async def refresh(self, instance: Any) -> None:
        await _maybe_await(self.session.refresh(instance))


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(params=["sync", "async"])
async def repo_factory(
    request: pytest.FixtureRequest, async_registry: EngineRegistry
) -> AsyncIterator[Any]:
    """Builds a :class:`Repo` for a model, over a sync or an async session."""
    flavor = request.param
    sessions: list[Session | AsyncSession] = []

    def factory(model: type[Any]) -> Repo:
        if flavor == "sync":
            session = async_registry.sessionmaker(SERVICE)()
            sessions.append(session)
            return Repo(BaseRepository(session, model))
        async_session = async_registry.async_sessionmaker(SERVICE)()
        sessions.append(async_session)
        return Repo(AsyncBaseRepository(async_session, model))

    yield factory
    for session in sessions:
        await _maybe_await(session.close())
