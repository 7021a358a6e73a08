"""Subject Service's domain events: a subject was created, updated or deleted.

Each change stages its event in the outbox table, in the same transaction as the
change itself: no event without the change, no change without its event. A relay
running inside the service publishes the outbox to the broker (in memory in
development and test, Redis elsewhere: ``AURORA_EVENTS__BACKEND``), in order per
subject. The payload is the subject as the API returns it.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from aurora.app import Service
from aurora.config import ServiceConfig
from aurora.db import get_async_engine
from aurora.events import (
    Broker,
    EventRegistry,
    EventSpec,
    OutboxRelay,
    add_to_outbox,
    broker_health_check,
    create_broker,
    create_event,
)

from subject_service.schemas import SubjectRead
from subject_service.settings import SERVICE_NAME

Change = Literal["created", "updated", "deleted"]

EVENT_TYPES: dict[Change, str] = {
    "created": "aurora.subject-service.subject.created.v1",
    "updated": "aurora.subject-service.subject.updated.v1",
    "deleted": "aurora.subject-service.subject.deleted.v1",
}
"""Versioned CloudEvents types; they all go to the stream ``aurora.subject-service.subject``."""

EVENTS = EventRegistry(
    EventSpec(event_type, SubjectRead, subject_field="id") for event_type in EVENT_TYPES.values()
)
"""The payload schema of each type: consumers validate against the same models."""


def publish_change(session: AsyncSession, change: Change, item: SubjectRead) -> None:
    """Stage the event of ``change`` in ``session``'s transaction (committed with it)."""
    event = create_event(
        EVENT_TYPES[change], item, registry=EVENTS, source=f"/aurora/{SERVICE_NAME}"
    )
    add_to_outbox(session, event)


@dataclass(frozen=True)
class EventsRuntime:
    """The broker and the outbox relay of a running service."""

    broker: Broker
    relay: OutboxRelay


def install_events(service: Service, config: ServiceConfig) -> EventsRuntime:
    """Run the outbox relay for the service's lifetime and report the broker's health."""
    broker = create_broker(config)
    metrics = service.metrics.registry if service.metrics is not None else None
    relay = OutboxRelay(get_async_engine(SERVICE_NAME), broker, registry=metrics)
    service.on_startup(relay.start)
    # Shutdown hooks run in reverse: the relay finishes its batch, then the broker closes.
    service.on_shutdown(broker.close)
    service.on_shutdown(relay.stop)
    service.add_health_check("events", broker_health_check(broker), critical=False)
    runtime = EventsRuntime(broker, relay)
    service.app.state.events = runtime
    return runtime
