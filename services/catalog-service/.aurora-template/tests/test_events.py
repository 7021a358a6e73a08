"""Changes announce themselves: the outbox row commits with the change, the relay publishes it."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aurora.db import (
    configure_database,
    dispose_engines_async,
    get_async_db_session,
    get_async_engine,
    reset_engines,
)
from aurora.db.migrations import upgrade
from aurora.events import MemoryBroker, OutboxRelay, stream_for_type

from catalog_service.database import MIGRATIONS_DIR
from catalog_service.events import EVENT_TYPES, publish_change
from catalog_service.models import CatalogEntry
from catalog_service.repository import CatalogEntryRepository
from catalog_service.schemas import CatalogEntryRead
from catalog_service.settings import SERVICE_NAME


@pytest.fixture()
async def migrated_database(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated SQLite database that aurora-db serves as this service's."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    upgrade(SERVICE_NAME, MIGRATIONS_DIR, url=url)
    configure_database(SERVICE_NAME, url)
    yield url
    await dispose_engines_async()  # async engines close on their own event loop
    reset_engines()


@pytest.mark.usefixtures("migrated_database")
async def test_a_committed_change_is_relayed_to_the_broker() -> None:
    broker = MemoryBroker()
    relay = OutboxRelay(get_async_engine(SERVICE_NAME), broker)
    async with get_async_db_session(SERVICE_NAME) as session:
        item = await CatalogEntryRepository(session).add(CatalogEntry(name="announced"))
        publish_change(session, "created", CatalogEntryRead.model_validate(item))

    assert await relay.relay_once() == 1
    [entry] = await broker.range(stream_for_type(EVENT_TYPES["created"]))
    assert entry.event.type == EVENT_TYPES["created"]
    assert entry.event.subject == str(item.id)
    assert entry.event.data["name"] == "announced"
    await broker.close()


@pytest.mark.usefixtures("migrated_database")
async def test_a_rolled_back_change_announces_nothing() -> None:
    broker = MemoryBroker()
    relay = OutboxRelay(get_async_engine(SERVICE_NAME), broker)

    async def change_then_fail() -> None:
        async with get_async_db_session(SERVICE_NAME) as session:
            item = await CatalogEntryRepository(session).add(CatalogEntry(name="never"))
            publish_change(session, "created", CatalogEntryRead.model_validate(item))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await change_then_fail()

    assert await relay.relay_once() == 0
    await broker.close()
