"""The aurora-testing pytest plugin: fixtures wiring the kit's helpers into tests.

Installed as a wheel it loads itself (a ``pytest11`` entry point named
``aurora.testing.plugin``, like the module, so that a suite also listing it
doesn't register it twice); in the monorepo a test directory opts in from its
``conftest.py``::

    pytest_plugins = ["aurora.testing.plugin"]

Every fixture is function-scoped and cleans up after itself. Factories
(``app_client``, ``async_app_client``, ``live_server``, ``make_database``) may
be called several times in one test. This module only wires: the behaviour
lives in the modules it imports, lazily, so that loading the plugin costs a
test run nothing it doesn't use.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import MetaData
    from sqlalchemy.orm import Session
    from starlette.testclient import TestClient

    from aurora.testing.clients import AppTarget
    from aurora.testing.clock import FrozenClock
    from aurora.testing.database import Database
    from aurora.testing.events import EventBus
    from aurora.testing.logs import LogCapture
    from aurora.testing.tokens import TokenFactory
    from aurora.testing.upstream import FaultyUpstream

__all__ = [
    "app_client",
    "async_app_client",
    "clock",
    "database",
    "database_metadata",
    "db_session",
    "events",
    "live_server",
    "logs",
    "make_database",
    "pytest_configure",
    "tokens",
    "upstream",
]


def pytest_configure(config: pytest.Config) -> None:
    """Import Starlette's test client once, without its ``httpx2`` deprecation warning.

    Starlette 1.x asks for the ``httpx2`` fork, which Aurora's lockfile does not
    carry. The warning fires once, when ``starlette.testclient`` is first imported,
    and under ``-W error`` it would fail the collection of whichever test module
    imports ``fastapi.testclient`` first.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        import starlette.testclient  # noqa: F401


@pytest.fixture()
def app_client() -> Iterator[Callable[..., TestClient]]:
    """``app_client(service_or_app, **options)``: a started ``TestClient`` (lifespan run).

    Shutdown hooks run when the test ends; ``options`` go to
    :func:`aurora.testing.clients.open_app_client`.
    """
    from aurora.testing.clients import open_app_client

    with ExitStack() as stack:

        def start(target: AppTarget, **options: Any) -> TestClient:
            return stack.enter_context(open_app_client(target, **options))

        yield start


@pytest_asyncio.fixture()
async def async_app_client() -> AsyncIterator[Callable[..., Awaitable[httpx.AsyncClient]]]:
    """``await async_app_client(service_or_app)``: an ``httpx.AsyncClient`` inside the lifespan."""
    from aurora.testing.clients import open_async_app_client

    async with AsyncExitStack() as stack:

        async def start(target: AppTarget, **options: Any) -> httpx.AsyncClient:
            return await stack.enter_async_context(open_async_app_client(target, **options))

        yield start


@pytest.fixture()
def live_server() -> Iterator[Callable[..., str]]:
    """``live_server(service_or_app)``: serve it with uvicorn on a free port; returns the URL."""
    from aurora.testing.clients import asgi_app
    from aurora.testing.server import run_server

    with ExitStack() as stack:

        def start(target: AppTarget, **uvicorn_options: Any) -> str:
            return stack.enter_context(run_server(asgi_app(target), **uvicorn_options))

        yield start


@pytest.fixture()
def database_metadata() -> MetaData | Iterable[MetaData]:
    """The metadata whose tables ``database`` creates: override it (none by default).

    ``return [Base.metadata, events_metadata]`` in a test module or conftest.
    """
    return ()


@pytest.fixture()
def make_database(
    tmp_path: Path, database_metadata: MetaData | Iterable[MetaData]
) -> Iterator[Callable[..., Database]]:
    """``make_database("postgresql", metadata=...)``: a fresh database, removed after the test.

    ``metadata`` defaults to the ``database_metadata`` fixture. PostgreSQL fails the
    test under ``CI`` and skips it elsewhere when the server is unreachable.
    """
    from aurora.testing.database import open_database

    numbers = itertools.count()
    with ExitStack() as stack:

        def open_one(
            backend: str = "sqlite", *, metadata: MetaData | Iterable[MetaData] | None = None
        ) -> Database:
            tables = database_metadata if metadata is None else metadata
            name = f"test{next(numbers)}"
            return stack.enter_context(
                open_database(backend, directory=tmp_path, metadata=tables, name=name)
            )

        yield open_one


@pytest.fixture()
def database(request: pytest.FixtureRequest, make_database: Callable[..., Database]) -> Database:
    """A database of the test's own with ``database_metadata``'s tables; SQLite by default.

    Parametrize it over both backends with
    ``@pytest.mark.parametrize("database", BACKENDS, indirect=True)``.
    """
    return make_database(getattr(request, "param", "sqlite"))


@pytest.fixture()
def db_session(database: Database) -> Iterator[Session]:
    """A session on ``database`` whose work, commits included, is rolled back afterwards."""
    with database.transaction() as session:
        yield session


@pytest.fixture()
def events() -> EventBus:
    """An in-memory event bus (aurora-events' ``MemoryBroker``) with publish assertions."""
    from aurora.testing.events import EventBus

    return EventBus()


@pytest.fixture()
def logs() -> Iterator[LogCapture]:
    """Everything aurora.logging emits during the test, with assertions on the JSON fields."""
    from aurora.testing.logs import capture_log_lines

    with capture_log_lines() as capture:
        yield capture


@pytest.fixture()
def upstream() -> Iterator[FaultyUpstream]:
    """A live upstream server playing a reply schedule (statuses, delays, refusals)."""
    from aurora.testing.upstream import FaultyUpstream

    with FaultyUpstream() as server:
        yield server


@pytest.fixture()
def tokens(request: pytest.FixtureRequest) -> TokenFactory:
    """A JWT factory; HS256 by default, RS256 with ``parametrize("tokens", ["RS256"], indirect=True)``."""
    from aurora.testing.tokens import TokenFactory

    algorithm = getattr(request, "param", "HS256")
    if algorithm == "HS256":
        return TokenFactory.hs256()
    if algorithm == "RS256":
        return TokenFactory.rs256()
    raise ValueError(f"the tokens fixture supports HS256 and RS256, not {algorithm!r}")


@pytest.fixture()
def clock() -> FrozenClock:
    """A clock that only moves with ``clock.advance(seconds)``, for ``clock=`` arguments."""
    from aurora.testing.clock import FrozenClock

    return FrozenClock()
