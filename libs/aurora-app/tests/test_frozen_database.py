"""A frozen database (SIGSTOP: connections open, nothing answers) must not hang the service."""

# No `from __future__ import annotations`: FastAPI reads the route's local annotation.

import time
from collections.abc import Callable, Iterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends
from private_postgres import PrivatePostgres, private_postgres
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.app import Service, server_options
from aurora.db import EngineRegistry, database_health_check, get_async_db_dependency
from aurora.testing.server import LiveServer

MakeService = Callable[..., Service]
DEADLINE = 1.0
CHECK_TIMEOUT = 0.8


@pytest.fixture()
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture()
def service(make_service: MakeService, postgres: PrivatePostgres) -> Iterator[Service]:
    registry = EngineRegistry()
    registry.configure("frozen-db", postgres.url, pool_timeout=5, connect_timeout=2)
    service = make_service(request_deadline=DEADLINE, health_cache_ttl=0)
    service.add_health_check(
        "database", database_health_check("frozen-db", registry=registry), timeout=CHECK_TIMEOUT
    )
    session_type = Annotated[
        AsyncSession, Depends(get_async_db_dependency("frozen-db", registry=registry))
    ]

    @service.app.get("/now")
    async def now(session: session_type) -> dict[str, str]:  # type: ignore[valid-type]
        return {"now": str((await session.execute(text("SELECT now()"))).scalar_one())}

    yield service
    registry.dispose()


def warm_up(client: httpx.Client) -> None:
    """Get one 200: on a loaded machine the very first connect can outlast the deadline."""
    for _ in range(20):
        if client.get("/now").status_code == 200:
            return
    raise AssertionError("the service never answered /now with 200 before the freeze")


def test_a_frozen_database_costs_a_request_its_deadline_not_more(
    service: Service, postgres: PrivatePostgres
) -> None:
    options = server_options(service.settings)
    options["log_level"] = "error"
    with (
        LiveServer(service.app, **options) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        warm_up(client)  # a pooled connection now exists
        postgres.freeze()
        started = time.monotonic()
        response = client.get("/now")
        request_seconds = time.monotonic() - started
        started = time.monotonic()
        ready = client.get("/health/ready")
        ready_seconds = time.monotonic() - started
        postgres.thaw()
    assert response.status_code in (503, 504)
    assert response.headers["content-type"] == "application/problem+json"
    assert request_seconds < DEADLINE + 1.0
    assert ready.status_code == 503
    assert ready_seconds < CHECK_TIMEOUT + 1.0
