"""Fixtures: Catalog Service built for one test, on SQLite in tmp_path and on PostgreSQL.

The service is the production one (``build_service``); what stands around it is
real too: subject-service is played by a scriptable uvicorn server on a loopback
port (``FaultyUpstream``: it can answer anything, refuse connections and come back
on the same port), and subject events come through an in-memory broker the tests
publish to. The client runs the app on the test's own event loop, lifespan
included, so the consumer, the broker and the test share one loop.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from aurora.app import Service
from aurora.db import reset_engines
from aurora.testing.events import EventBus
from aurora.testing.isolation import postgres_schema
from aurora.testing.upstream import FaultyUpstream

from catalog_service.app import build_service, load_config
from catalog_service.settings import Settings
from catalog_support import CatalogWaiter


@pytest.fixture(autouse=True)
def _quick_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consumer reads wait 50 ms for news instead of 1 s: stopping waits for the read."""
    monkeypatch.setenv("AURORA_EVENTS__BLOCK", "0.05")


@pytest.fixture()
def upstream() -> Iterator[FaultyUpstream]:
    """subject-service's stand-in, listening on a free port."""
    with FaultyUpstream() as server:
        yield server


@pytest.fixture()
def bus() -> EventBus:
    """The broker the catalog consumes subject events from."""
    return EventBus()


@pytest.fixture()
def settings() -> Settings:
    """The catalog's own settings; tests of the breaker override this fixture."""
    return Settings()


@pytest.fixture(params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    upstream: FaultyUpstream,
    bus: EventBus,
    settings: Settings,
) -> Iterator[Service]:
    """The service as production builds it: on a SQLite file in tmp_path (the default
    database, under its data directory), or in a throw-away PostgreSQL schema."""
    overrides = {
        "service__environment": "test",
        "service__data_dir": tmp_path,
        "services__subject_service__url": upstream.url,
    }
    if request.param == "sqlite":
        yield build_service(load_config(**overrides), settings, broker=bus.broker)
    else:
        with postgres_schema() as schema:
            config = load_config(**overrides, database__url=schema.url)
            yield build_service(config, settings, broker=bus.broker)
            reset_engines()  # before the schema is dropped: it waits for their connections
    reset_engines()  # aurora-db keeps one engine per service name for the process


@pytest.fixture()
async def client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the started app (start-up hooks, migrations and consumer included)."""
    async with (
        LifespanManager(service.app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://catalog"
        ) as client,
    ):
        yield client


@pytest.fixture()
def wait_for_catalog(client: httpx.AsyncClient) -> CatalogWaiter:
    """Polls ``GET /api/v1/catalog`` until its items satisfy a predicate (at most 5 s).

    The consumer applies events in the background; waiting on the API is what a
    caller of the catalog would do, and never sleeps longer than needed.
    """

    async def wait(done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + 5.0
        while True:
            response = await client.get("/api/v1/catalog")
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            if done(items):
                return items
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"the catalog never got there; it holds {items}")
            await asyncio.sleep(0.01)

    return wait
