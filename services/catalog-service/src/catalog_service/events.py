"""Subject events in: the consumer that keeps the catalog's projection current.

Catalog Service is a member of the consumer group ``AURORA_CATALOG_SERVICE__CONSUMER_GROUP``
on subject-service's stream ``aurora.subject``: every replica shares the group, so
each event is handled once per catalog, at least once. The inbox (``aurora_inbox``,
named after the group) turns that into effectively once. The broker is Redis
Streams in staging and production and in memory in development and test
(``AURORA_EVENTS__BACKEND``), where nothing else can publish to it, so the catalog
then only fills from events published in-process (tests do exactly that).
"""

from dataclasses import dataclass

from aurora.app import Service
from aurora.config import ServiceConfig
from aurora.db import get_async_engine
from aurora.events import (
    Broker,
    Consumer,
    EventsSettings,
    EventType,
    Inbox,
    asyncapi_endpoint,
    create_broker,
)

from catalog_service.projection import on_subject_created, on_subject_deleted, on_subject_updated
from catalog_service.settings import SERVICE_NAME


@dataclass(frozen=True)
class EventsRuntime:
    """The broker, the consumer and its inbox in a running service."""

    broker: Broker
    consumer: Consumer
    inbox: Inbox


def install_events(
    service: Service,
    config: ServiceConfig,
    *,
    group: str,
    broker: Broker | None = None,
    settings: EventsSettings | None = None,
) -> EventsRuntime:
    """Consume subject events for the service's lifetime, through the inbox.

    Args:
        group: The consumer group, shared by every replica, and the inbox's name.
        broker: Where events come from; chosen by ``AURORA_EVENTS__*`` when omitted.
        settings: aurora-events' settings; the config's ``events`` section when omitted.
    """
    settings = settings if settings is not None else config.section(EventsSettings)
    broker = broker if broker is not None else create_broker(config, settings=settings)
    inbox = Inbox(group, sessions=get_async_engine(SERVICE_NAME))
    consumer = Consumer.from_settings(broker, settings, group=group)
    consumer.subscribe(EventType.SUBJECT_CREATED, inbox.handler(on_subject_created))
    consumer.subscribe(EventType.SUBJECT_UPDATED, inbox.handler(on_subject_updated))
    consumer.subscribe(EventType.SUBJECT_DELETED, inbox.handler(on_subject_deleted))
    # Registered after the database's hooks: migrations (the inbox table) run first.
    service.on_startup(consumer.start)
    # Shutdown hooks run in reverse: the consumer stops, then the broker closes.
    service.on_shutdown(broker.close)
    service.on_shutdown(consumer.stop)
    service.add_health_check("events", consumer.health_check(), critical=False)
    asyncapi = asyncapi_endpoint(
        title=SERVICE_NAME, version=service.app.version, consumers=[consumer]
    )
    service.app.add_api_route("/asyncapi.json", asyncapi, include_in_schema=False)
    runtime = EventsRuntime(broker, consumer, inbox)
    service.app.state.events = runtime
    return runtime
