"""Subject events in: the consumer that keeps the catalog's projection current.

Catalog Service is a member of the consumer group ``AURORA_CATALOG_SERVICE__CONSUMER_GROUP``
on subject-service's stream ``aurora.subject``: every replica shares the group, so
each event is handled once per catalog, at least once. The inbox (``aurora_inbox``,
named after the group) turns that into effectively once. The broker is Redis
Streams in staging and production and in memory in development and test
(``AURORA_EVENTS__BACKEND``), where nothing else can publish to it, so the catalog
then only fills from events published in-process (tests do exactly that). The consumer
itself is aurora-events' (``install_events``, called by ``app``), started after the
migrations (the inbox table) and stopped before the broker closes.
"""

from dataclasses import dataclass

from aurora.app import Service
from aurora.db import get_async_engine
from aurora.events import Consumer, EventsRuntime, EventType, Inbox, asyncapi_endpoint

from catalog_service.projection import on_subject_created, on_subject_deleted, on_subject_updated
from catalog_service.settings import SERVICE_NAME


@dataclass(frozen=True)
class Projection:
    """The consumer that keeps the catalog current, and its inbox."""

    consumer: Consumer
    inbox: Inbox


def install_projection(service: Service, events: EventsRuntime, *, group: str) -> Projection:
    """Apply subject events to the catalog through the inbox, on ``group``'s consumer.

    Args:
        events: What ``aurora.events.install_events`` made, with a consumer for ``group``.
        group: The consumer group, shared by every replica, and the inbox's name.
    """
    inbox = Inbox(group, sessions=get_async_engine(SERVICE_NAME))
    consumer = events.consumers[group]
    consumer.subscribe(EventType.SUBJECT_CREATED, inbox.handler(on_subject_created))
    consumer.subscribe(EventType.SUBJECT_UPDATED, inbox.handler(on_subject_updated))
    consumer.subscribe(EventType.SUBJECT_DELETED, inbox.handler(on_subject_deleted))
    asyncapi = asyncapi_endpoint(
        title=SERVICE_NAME, version=service.app.version, consumers=[consumer]
    )
    service.app.add_api_route("/asyncapi.json", asyncapi, include_in_schema=False)
    projection = Projection(consumer, inbox)
    service.app.state.projection = projection
    return projection
