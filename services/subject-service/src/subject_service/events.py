"""Subject Service's domain events: a subject was created, updated or deleted.

The types are aurora-events' own (``aurora.subject.created.v1``, ``.updated.v1``,
``.deleted.v1`` on the stream ``aurora.subject``), so any service can consume them
with the shared payload models. Each change stages its event in the outbox table in
the same transaction as the change itself: no event without the change, no change
without its event. A relay running inside the service publishes the outbox to the
broker (in memory in development and test, Redis elsewhere:
``AURORA_EVENTS__BACKEND``) in commit order per subject, woken by each commit
(``aurora.events.install_events``, called by ``app``).
"""

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from aurora.app import Service
from aurora.events import (
    Event,
    EventsRuntime,
    EventType,
    asyncapi_endpoint,
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


def install_asyncapi(service: Service) -> None:
    """Publish what this service sends as an AsyncAPI document at ``/asyncapi.json``."""
    sends = [EventType.SUBJECT_CREATED, EventType.SUBJECT_UPDATED, EventType.SUBJECT_DELETED]
    asyncapi = asyncapi_endpoint(title=SERVICE_NAME, version=service.app.version, sends=sends)
    service.app.add_api_route("/asyncapi.json", asyncapi, include_in_schema=False)


def get_events(request: Request) -> EventsRuntime:
    """The running service's ``EventsRuntime`` (a FastAPI dependency), set by ``app``."""
    runtime: EventsRuntime = request.app.state.events
    return runtime


Events = Annotated[EventsRuntime, Depends(get_events)]
"""Declare ``events: Events`` on a route that changes subjects."""
