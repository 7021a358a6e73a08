"""Subject Service's domain events: a subject was created, updated or deleted.

The types are aurora-events' own (``aurora.subject.created.v1``, ``.updated.v1``,
``.deleted.v1`` on the stream ``aurora.subject``), so any service can consume them
with the shared payload models. Each change stages its event in the outbox table in
the same transaction as the change itself: no event without the change, no change
without its event. A relay running inside the service publishes the outbox to the
broker (in memory in development and test, Redis elsewhere:
``AURORA_EVENTS__BACKEND``) in commit order per subject, woken by each commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.app import Service
from aurora.config import ServiceConfig
from aurora.db import get_async_engine
from aurora.events import (
    Broker,
    Event,
    EventsSettings,
    EventType,
    OutboxRelay,
    add_to_outbox,
    asyncapi_endpoint,
    broker_health_check,
    create_broker,
    create_subject_created_event,
    create_subject_deleted_event,
    create_subject_updated_event,
)

from subject_service.schemas import SubjectRead
from subject_service.settings import SERVICE_NAME

SOURCE = f"/aurora/{SERVICE_NAME}"
"""The CloudEvents ``source`` of every event this service emits."""


def _subject_data(subject: SubjectRead) -> dict[str, Any]:
    return subject.model_dump(mode="json")


def subject_created(subject: SubjectRead) -> Event:
    """``aurora.subject.created.v1``: the new subject as the API returns it."""
    return create_subject_created_event(str(subject.id), _subject_data(subject), source=SOURCE)


def subject_updated(subject: SubjectRead, changed_fields: Sequence[str]) -> Event:
    """``aurora.subject.updated.v1``: the whole subject after the change, and what changed.

    Carrying every field (not only the changed ones) lets a consumer that missed
    an update still converge, and ``version`` lets it drop a stale one.
    """
    return create_subject_updated_event(
        str(subject.id),
        _subject_data(subject),
        changed_fields=list(changed_fields),
        source=SOURCE,
    )


def subject_deleted(subject_id: UUID) -> Event:
    """``aurora.subject.deleted.v1``."""
    return create_subject_deleted_event(str(subject_id), source=SOURCE)


@dataclass(frozen=True)
class EventsRuntime:
    """The broker and the outbox relay of a running service."""

    broker: Broker
    relay: OutboxRelay

    def stage(self, session: AsyncSession, event: Event) -> None:
        """Put ``event`` in ``session``'s transaction; the relay wakes once it commits."""
        add_to_outbox(session, event, on_commit=self.relay.wake)


def install_events(
    service: Service,
    config: ServiceConfig,
    *,
    broker: Broker | None = None,
    settings: EventsSettings | None = None,
) -> EventsRuntime:
    """Run the outbox relay for the service's lifetime and report the broker's health.

    Args:
        broker: Where events go; by default the one ``AURORA_EVENTS__*`` and the
            config choose (``create_broker``). Tests pass an in-memory one to inspect.
        settings: aurora-events' settings; the config's ``events`` section when omitted.
    """
    settings = settings if settings is not None else config.section(EventsSettings)
    broker = broker if broker is not None else create_broker(config, settings=settings)
    metrics = service.metrics.registry if service.metrics is not None else None
    relay = OutboxRelay(
        get_async_engine(SERVICE_NAME),
        broker,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval,
        registry=metrics,
    )
    service.on_startup(relay.start)
    # Shutdown hooks run in reverse: the relay finishes its batch, then the broker closes.
    service.on_shutdown(broker.close)
    service.on_shutdown(relay.stop)
    service.add_health_check("events", broker_health_check(broker), critical=False)
    service.add_health_check("outbox", relay.health_check(max_age=60), critical=False)
    sends = [EventType.SUBJECT_CREATED, EventType.SUBJECT_UPDATED, EventType.SUBJECT_DELETED]
    asyncapi = asyncapi_endpoint(title=SERVICE_NAME, version=service.app.version, sends=sends)
    service.app.add_api_route("/asyncapi.json", asyncapi, include_in_schema=False)
    runtime = EventsRuntime(broker, relay)
    service.app.state.events = runtime
    return runtime


def get_events(request: Request) -> EventsRuntime:
    """The running service's :class:`EventsRuntime` (a FastAPI dependency)."""
    runtime: EventsRuntime = request.app.state.events
    return runtime


Events = Annotated[EventsRuntime, Depends(get_events)]
"""Declare ``events: Events`` on a route that changes subjects."""
