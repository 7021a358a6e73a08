"""A service test written only with aurora-testing fixtures: create → event → query.

The service below is a real, if tiny, Aurora service: ``create_service`` with JWT
scopes, aurora-db's async repository and commit-before-response dependency, and
aurora-events' transactional outbox relayed in the lifespan. The tests drive it
through the kit's fixtures against real SQLite and PostgreSQL, patching nothing.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations at runtime.

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends
from pydantic import BaseModel, Field
from sqlalchemy import MetaData, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from aurora.app import Principal, Service, create_service, require_scopes
from aurora.config import ServiceConfig
from aurora.db import (
    NAMING_CONVENTION,
    AsyncBaseRepository,
    Base,
    EngineRegistry,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    get_async_db_dependency,
)
from aurora.events import (
    Broker,
    EventType,
    OutboxRelay,
    Publisher,
    create_subject_created_event,
    events_metadata,
)
from aurora.logging import get_logger
from aurora.testing import (
    BACKENDS,
    Database,
    EventBus,
    LogCapture,
    TokenFactory,
    assert_openapi_contract,
    assert_problem_response,
)
from aurora.testing.clients import TestClient

SERVICE = "subject-service"


class Model(Base):
    """Tables of this module only, on metadata of their own (aurora.db's naming convention)."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Subject(UUIDPrimaryKeyMixin, TimestampMixin, Model):
    __tablename__ = "flow_subjects"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class SubjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class SubjectOut(BaseModel):
    id: uuid.UUID
    name: str


def build_service(database_url: str, broker: Broker, security: dict[str, Any]) -> Service:
    """The service's own wiring: the test only chooses the database, broker and keys."""
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": SERVICE, "environment": "test"}, "security": security}
    )
    service = create_service(SERVICE, config, configure_logging=False)
    registry = EngineRegistry()
    registry.configure(SERVICE, database_url)
    relay = OutboxRelay(registry.async_sessionmaker(SERVICE), broker, poll_interval=5.0)
    publisher = Publisher(on_outbox_commit=relay.wake)
    service.on_startup(relay.start)
    service.on_shutdown(registry.dispose_async)
    service.on_shutdown(relay.stop)
    db_session = Annotated[
        AsyncSession, Depends(get_async_db_dependency(SERVICE, registry=registry))
    ]
    writer = Annotated[Principal, Depends(require_scopes("subjects:write"))]
    log = get_logger(SERVICE)

    @service.app.post("/subjects", status_code=201)
    async def create_subject(body: SubjectIn, db: db_session, _: writer) -> SubjectOut:
        subject = await AsyncBaseRepository(db, Subject).add(Subject(name=body.name))
        event = create_subject_created_event(str(subject.id), {"name": subject.name})
        await publisher.publish(event, session=db)  # commits with the row, or not at all
        log.info("subject_created", subject_id=str(subject.id))
        return SubjectOut(id=subject.id, name=subject.name)

    @service.app.get("/subjects/{subject_id}")
    async def get_subject(subject_id: uuid.UUID, db: db_session) -> SubjectOut:
        subject = await AsyncBaseRepository(db, Subject).get(subject_id)
        return SubjectOut(id=subject.id, name=subject.name)

    return service


@pytest.fixture()
def database_metadata() -> list[MetaData]:
    return [Model.metadata, events_metadata]


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_create_publish_and_query_with_the_sync_client(
    database: Database,
    events: EventBus,
    tokens: TokenFactory,
    app_client: Callable[..., TestClient],
    logs: LogCapture,
) -> None:
    client = app_client(build_service(database.url, events.broker, tokens.security))

    created = client.post(
        "/subjects", json={"name": "Math"}, headers=tokens.headers("subjects:write")
    )

    assert created.status_code == 201, created.text
    subject_id = created.json()["id"]
    (event,) = events.wait_for_published(EventType.SUBJECT_CREATED, subject_id=subject_id)
    assert event.data == {"subject_id": subject_id, "subject_data": {"name": "Math"}}
    assert event.correlation_id == created.headers["x-request-id"]
    assert client.get(f"/subjects/{subject_id}").json() == {"id": subject_id, "name": "Math"}
    assert database.count("flow_subjects", name="Math") == 1
    logs.assert_logged(
        "subject_created", subject_id=subject_id, correlation_id=event.correlation_id
    )


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
async def test_create_publish_and_query_with_the_async_client(
    database: Database,
    events: EventBus,
    tokens: TokenFactory,
    async_app_client: Callable[..., Awaitable[httpx.AsyncClient]],
) -> None:
    client = await async_app_client(build_service(database.url, events.broker, tokens.security))

    created = await client.post(
        "/subjects", json={"name": "Art"}, headers=tokens.headers("subjects:write")
    )

    assert created.status_code == 201, created.text
    subject_id = created.json()["id"]
    await events.wait_for_published_async(EventType.SUBJECT_CREATED, count=1, subject_id=subject_id)
    fetched = await client.get(f"/subjects/{subject_id}")
    assert fetched.json() == {"id": subject_id, "name": "Art"}


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
async def test_rejected_writes_publish_nothing(
    database: Database,
    events: EventBus,
    tokens: TokenFactory,
    async_app_client: Callable[..., Awaitable[httpx.AsyncClient]],
) -> None:
    client = await async_app_client(build_service(database.url, events.broker, tokens.security))
    writer = tokens.headers("subjects:write")
    assert (await client.post("/subjects", json={"name": "Art"}, headers=writer)).status_code == 201
    await events.wait_for_published_async(EventType.SUBJECT_CREATED, count=1)

    duplicate = await client.post("/subjects", json={"name": "Art"}, headers=writer)
    forbidden = await client.post(
        "/subjects", json={"name": "Music"}, headers=tokens.headers("subjects:read")
    )
    missing = await client.get(f"/subjects/{uuid.uuid4()}")

    assert_problem_response(duplicate, status=409, code="unique_violation")
    assert_problem_response(forbidden, status=403)
    assert_problem_response(missing, status=404, code="not_found")
    assert database.count("flow_subjects") == 1
    assert database.count("aurora_outbox", published_at=None) == 0  # published rows are kept
    events.assert_published(EventType.SUBJECT_CREATED, count=1)


def test_the_service_keeps_its_openapi_contract(
    database: Database, events: EventBus, tokens: TokenFactory
) -> None:
    service = build_service(database.url, events.broker, tokens.security)

    report = assert_openapi_contract(
        service, max_examples=5, headers=tokens.headers("subjects:write")
    )

    assert {"GET /subjects/{subject_id}", "POST /subjects", "GET /health/ready"} <= set(
        report.operations
    )
    assert report.statuses["POST /subjects"][201] > 0
    assert events.published_types  # the created subjects' events went out
