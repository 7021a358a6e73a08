"""aurora-events plugged into an aurora-app service: lifespan hooks and health checks.

A real uvicorn server: a request writes a subject and its event through the outbox,
the relay and the consumer started by the app's lifespan carry it, and ``/health``
reports the broker, the consumer group and the outbox.
"""

import time
from pathlib import Path

import httpx
from sqlalchemy import String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.app import create_service
from aurora.config import ServiceConfig
from aurora.events import (
    Consumer,
    Event,
    EventType,
    MemoryBroker,
    OutboxRelay,
    Publisher,
    create_subject_created_event,
    events_metadata,
)
from aurora.testing.server import run_server


class Base(DeclarativeBase):
    pass


class Subject(Base):
    __tablename__ = "subjects"
    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


def build_service(database: Path):  # type: ignore[no-untyped-def]
    config = ServiceConfig.composed().model_validate(
        {
            "service": {
                "name": "subject-service",
                "environment": "test",
                "data_dir": str(database.parent),
            }
        }
    )
    service = create_service("subject-service", config, configure_logging=False)
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    broker = MemoryBroker()
    relay = OutboxRelay(engine, broker, poll_interval=5.0)
    publisher = Publisher(broker, on_outbox_commit=relay.wake)
    consumer = Consumer(broker, group="search", block=0.05)
    indexed: list[str] = []

    @consumer.handler(EventType.SUBJECT_CREATED)
    async def index(event: Event) -> None:
        indexed.append(event.subject or "")

    @service.on_startup
    async def create_tables() -> None:
        async with engine.begin() as connection:
            await connection.run_sync(events_metadata.create_all)
            await connection.run_sync(Base.metadata.create_all)

    service.on_startup(relay.start)
    service.on_startup(consumer.start)
    service.on_shutdown(engine.dispose)
    service.on_shutdown(relay.stop)
    service.on_shutdown(consumer.stop)
    service.add_health_check("events", consumer.health_check(max_lag=100))
    service.add_health_check("outbox", relay.health_check(max_age=60))

    @service.app.post("/subjects/{subject_id}", status_code=201)
    async def create(subject_id: str) -> dict[str, str]:
        async with sessions() as session, session.begin():
            session.add(Subject(id=subject_id, name="Math"))
            await publisher.publish(create_subject_created_event(subject_id), session=session)
        return {"id": subject_id}

    @service.app.get("/indexed")
    async def listing() -> list[str]:
        return indexed

    return service


def wait_for(client: httpx.Client, expected: list[str]) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = client.get("/indexed").json()
        if found == expected:
            return list(found)
        time.sleep(0.02)
    return list(client.get("/indexed").json())


def test_a_service_relays_consumes_and_reports_health(tmp_path: Path) -> None:
    service = build_service(tmp_path / "subjects.db")
    with run_server(service.app) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.post("/subjects/123").status_code == 201
        assert wait_for(client, ["123"]) == ["123"]  # relayed on commit, not at the next poll
        health = client.get("/health")
        assert health.status_code == 200, health.text
        checks = health.json()["checks"]
        (events,) = checks["events"]
        assert events["status"] == "pass"
        figures = events["details"]["groups"]["aurora.subject/search"]
        assert (figures["lag"], figures["pending"], figures["consumers"]) == (0, 0, 1)
        assert figures["oldest_pending_age_seconds"] == 0 and figures["stream_length"] == 1
        (outbox,) = checks["outbox"]
        assert outbox["status"] == "pass" and outbox["details"]["pending"] == 0
