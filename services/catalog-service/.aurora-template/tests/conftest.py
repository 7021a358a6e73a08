"""Fixtures: Catalog Service built for one test, on SQLite in tmp_path and on PostgreSQL."""

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora.app import Service
from aurora.db import reset_engines
from aurora.testing.databases import postgres_schema

from catalog_service.app import build_service, load_config

with warnings.catch_warnings():
    # Starlette 1.x asks for the `httpx2` fork, which the lockfile doesn't carry; the
    # warning fires once, at import, and would fail collection under `-W error`.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The service as production builds it: on a SQLite file in tmp_path (the default
    database, under its data directory), or in a throw-away PostgreSQL schema."""
    overrides = {"service__environment": "test", "service__data_dir": tmp_path}
    if request.param == "sqlite":
        yield build_service(load_config(**overrides))
    else:
        with postgres_schema() as schema:
            yield build_service(load_config(**overrides, database__url=schema.url))
            reset_engines()  # before the schema is dropped: it waits for their connections
    reset_engines()  # aurora-db keeps one engine per service name for the process


@pytest.fixture()
def client(service: Service) -> Iterator[TestClient]:
    """A client of the started app (its start-up hooks, migrations included, have run)."""
    with TestClient(service.app) as client:
        yield client
