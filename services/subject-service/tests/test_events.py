"""Changes announce themselves: the outbox row commits with the change, the relay publishes it.

The service runs its real outbox relay (started by its lifespan) against an
in-memory broker; the tests wait for what it publishes instead of sleeping.
"""

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import (
    configure_database,
    dispose_engines_async,
    get_async_db_session,
    get_async_engine,
    get_engine,
    reset_engines,
)
from aurora.db.migrations import upgrade
from aurora.events import EventsRuntime, EventType, OutboxRecord, add_to_outbox, stream_for_type
from aurora.testing.events import EventBus

from subject_service.database import MIGRATIONS_DIR
from subject_service.events import SOURCE, subject_created
from subject_service.models import Subject
from subject_service.repository import SubjectRepository
from subject_service.schemas import SubjectRead
from subject_service.settings import SERVICE_NAME

URL = "/api/v1/subjects"


def create(client: TestClient, writer: dict[str, str], **headers: str) -> dict[str, Any]:
    body = {"code": "ART-1", "name": "Art"}
    response = client.post(URL, json=body, headers={**writer, **headers})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def outbox_size() -> int:
    """Rows not yet published (published ones are kept for recovery, marked)."""
    waiting = (
        select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    )
    with get_engine(SERVICE_NAME).connect() as connection:
        return int(connection.scalar(waiting) or 0)


def wait_until_relayed(timeout: float = 5.0) -> None:
    """Wait for the relay to publish every outbox row."""
    deadline = time.monotonic() + timeout
    while (pending := outbox_size()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pending == 0, f"{pending} events still in the outbox"


def test_creating_publishes_subject_created_with_the_subject_and_correlation_id(
    client: TestClient, writer: dict[str, str], bus: EventBus
) -> None:
    created = create(client, writer, **{"X-Request-ID": "create-1"})

    [event] = bus.wait_for_published(EventType.SUBJECT_CREATED, subject_id=created["id"])
    assert event.data["subject_data"] == created
    assert event.subject == created["id"]
    assert event.correlation_id == "create-1"
    assert event.source == SOURCE


def test_an_update_names_the_fields_that_changed(
    client: TestClient, writer: dict[str, str], bus: EventBus
) -> None:
    created = create(client, writer)

    patch = {"name": "Fine Art", "code": "ART-1"}  # the code is sent unchanged
    updated = client.patch(f"{URL}/{created['id']}", json=patch, headers=writer).json()

    [event] = bus.wait_for_published(EventType.SUBJECT_UPDATED, subject_id=created["id"])
    assert event.data["changed_fields"] == ["name"]
    assert event.data["subject_data"] == updated


def test_an_update_that_changes_nothing_announces_nothing(
    client: TestClient, writer: dict[str, str], bus: EventBus
) -> None:
    created = create(client, writer)
    bus.wait_for_published(EventType.SUBJECT_CREATED)
    wait_until_relayed()

    response = client.patch(f"{URL}/{created['id']}", json={"name": "Art"}, headers=writer)

    assert response.json()["version"] == created["version"]
    assert outbox_size() == 0
    bus.assert_not_published(EventType.SUBJECT_UPDATED)


def test_one_subjects_events_arrive_in_commit_order(
    client: TestClient, writer: dict[str, str], bus: EventBus
) -> None:
    created = create(client, writer)
    client.patch(f"{URL}/{created['id']}", json={"name": "Art II"}, headers=writer)
    client.delete(f"{URL}/{created['id']}", headers=writer)

    bus.wait_for_published(EventType.SUBJECT_DELETED, subject_id=created["id"])
    wait_until_relayed()  # relayed rows are deleted
    assert bus.published_types == [
        EventType.SUBJECT_CREATED,
        EventType.SUBJECT_UPDATED,
        EventType.SUBJECT_DELETED,
    ]
    assert {stream_for_type(t) for t in bus.published_types} == {"aurora.subject"}


def test_a_refused_change_announces_nothing(
    client: TestClient, writer: dict[str, str], bus: EventBus
) -> None:
    created = create(client, writer)
    bus.wait_for_published(EventType.SUBJECT_CREATED)
    wait_until_relayed()
    url = f"{URL}/{created['id']}"

    stale = client.patch(url, json={"name": "lost", "version": 7}, headers=writer)
    duplicate = client.post(URL, json={"code": "ART-1", "name": "Again"}, headers=writer)

    assert (stale.status_code, duplicate.status_code) == (409, 409)
    assert outbox_size() == 0
    assert bus.published_types == [EventType.SUBJECT_CREATED]


def test_the_relay_is_part_of_the_running_service(client: TestClient, bus: EventBus) -> None:
    runtime = client.app.state.events  # type: ignore[attr-defined]

    assert isinstance(runtime, EventsRuntime)
    assert runtime.broker is bus.broker
    assert client.get("/health").json()["checks"]["outbox"][0]["status"] == "pass"


@pytest.fixture()
async def migrated_database(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated SQLite database that aurora-db serves as this service's."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    upgrade(SERVICE_NAME, MIGRATIONS_DIR, url=url)
    configure_database(SERVICE_NAME, url)
    yield url
    await dispose_engines_async()  # async engines close on their own event loop
    reset_engines()


async def stage_created(session: AsyncSession, code: str) -> Subject:
    item = await SubjectRepository(session).add(Subject(code=code, name=code.title()))
    add_to_outbox(session, subject_created(SubjectRead.model_validate(item)))
    return item


@pytest.mark.usefixtures("migrated_database")
async def test_a_committed_change_is_relayed_once() -> None:
    bus = EventBus()
    async with get_async_db_session(SERVICE_NAME) as session:
        item = await stage_created(session, "KEPT")

    assert await bus.relay_outbox(get_async_engine(SERVICE_NAME)) == 1
    assert await bus.relay_outbox(get_async_engine(SERVICE_NAME)) == 0
    bus.assert_published(EventType.SUBJECT_CREATED, count=1, subject_id=str(item.id))


@pytest.mark.usefixtures("migrated_database")
async def test_a_rolled_back_change_leaves_nothing_to_relay() -> None:
    bus = EventBus()

    async def change_then_fail() -> None:
        async with get_async_db_session(SERVICE_NAME) as session:
            await stage_created(session, "NEVER")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await change_then_fail()

    assert await bus.relay_outbox(get_async_engine(SERVICE_NAME)) == 0
    assert bus.published == []
