"""Fixtures: Subject Service built for one test, on SQLite in tmp_path and on PostgreSQL.

Every service here is the production one (``build_service``) with three test-side
collaborators: a database of its own, an in-memory event bus whose published
events the tests read, and a token factory holding the JWT secret the service
verifies with.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora.app import Service
from aurora.db import reset_engines
from aurora.testing.clients import TestClient, open_app_client
from aurora.testing.events import EventBus
from aurora.testing.isolation import postgres_schema
from aurora.testing.tokens import TokenFactory

from subject_service.app import build_service, load_config
from subject_service.routes import WRITE_SCOPE


@pytest.fixture()
def tokens() -> TokenFactory:
    """Issues HS256 tokens the service accepts (it is configured with the same secret)."""
    return TokenFactory.hs256(subject="test-editor")


@pytest.fixture()
def writer(tokens: TokenFactory) -> dict[str, str]:
    """Headers of a caller allowed to change subjects."""
    return tokens.headers(WRITE_SCOPE)


@pytest.fixture()
def bus() -> EventBus:
    """The broker the service's outbox relay publishes to, with assertions."""
    return EventBus()


@pytest.fixture(params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path: Path, tokens: TokenFactory, bus: EventBus
) -> Iterator[Service]:
    """The service as production builds it: on a SQLite file in tmp_path (the default
    database, under its data directory), or in a throw-away PostgreSQL schema."""
    overrides = {
        "service__environment": "test",
        "service__data_dir": tmp_path,
        "security": tokens.security,
    }
    if request.param == "sqlite":
        yield build_service(load_config(**overrides), broker=bus.broker)
    else:
        with postgres_schema() as schema:
            config = load_config(**overrides, database__url=schema.url)
            yield build_service(config, broker=bus.broker)
            reset_engines()  # before the schema is dropped: it waits for their connections
    reset_engines()  # aurora-db keeps one engine per service name for the process


@pytest.fixture()
def client(service: Service) -> Iterator[TestClient]:
    """A client of the started app (its start-up hooks, migrations included, have run)."""
    with open_app_client(service) as client:
        yield client
