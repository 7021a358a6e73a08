"""Creating events: the generic ``create_event`` and the seed's per-type helpers.

Every event is validated against its registered payload model at creation, so a
malformed event fails in the request that made it, not in a consumer hours later.
Tracing fields default from context: the correlation id bound in aurora-logging
(or the handled event's), and the causation id of the event being handled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from aurora.events._context import current_event
from aurora.events._envelope import Event, default_source
from aurora.events._registry import EventRegistry, default_registry
from aurora.events._types import EventType
from aurora.logging import get_correlation_id

__all__ = [
    "create_event",
    "create_subject_created_event",
    "create_subject_deleted_event",
    "create_subject_updated_event",
    "create_user_created_event",
    "create_user_deleted_event",
    "create_user_updated_event",
]


def create_event(
    event_type: EventType | str,
    data: Mapping[str, Any] | BaseModel,
    *,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    source: str | None = None,
    id: str | None = None,  # the CloudEvents attribute's name
    time: datetime | None = None,
    registry: EventRegistry | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Event:
    """Build a validated event of ``event_type`` carrying ``data``.

    Raises:
        UnknownEventTypeError: ``event_type`` is not in the registry.
        InvalidEventError: ``data`` does not match the type's payload model.
    """
    reg = registry if registry is not None else default_registry()
    spec = reg.spec(str(event_type))
    payload = reg.validate_data(spec.type, data)
    if subject is None and spec.subject_field is not None:
        value = getattr(payload, spec.subject_field, None)
        subject = None if value is None else str(value)
    parent = current_event()
    fields: dict[str, Any] = {
        "type": spec.type,
        "source": source or default_source(),
        "subject": subject,
        "data": payload.model_dump(mode="json"),
        "correlation_id": correlation_id or _ambient_correlation(parent),
        "causation_id": causation_id or (parent.id if parent is not None else None),
        **dict(extensions or {}),
    }
    if id is not None:
        fields["id"] = id
    if time is not None:
        fields["time"] = time
    return Event.model_validate(fields)


def _ambient_correlation(parent: Event | None) -> str | None:
    bound = get_correlation_id()
    if bound is not None:
        return bound
    return parent.correlation_id if parent is not None else None


def create_subject_created_event(
    subject_id: str,
    subject_data: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
    **options: Any,
) -> Event:
    """``aurora.subject.created.v1``: the seed's helper (``options`` go to ``create_event``)."""
    data = {"subject_id": str(subject_id), "subject_data": dict(subject_data or {})}
    return create_event(EventType.SUBJECT_CREATED, data, correlation_id=correlation_id, **options)


def create_subject_updated_event(
    subject_id: str,
    subject_data: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
    *,
    changed_fields: list[str] | None = None,
    **options: Any,
) -> Event:
    """``aurora.subject.updated.v1``; ``changed_fields`` defaults to ``subject_data``'s keys."""
    values = dict(subject_data or {})
    data = {
        "subject_id": str(subject_id),
        "subject_data": values,
        "changed_fields": list(changed_fields if changed_fields is not None else values),
    }
    return create_event(EventType.SUBJECT_UPDATED, data, correlation_id=correlation_id, **options)


def create_subject_deleted_event(
    subject_id: str, correlation_id: str | None = None, **options: Any
) -> Event:
    """``aurora.subject.deleted.v1``."""
    data = {"subject_id": str(subject_id)}
    return create_event(EventType.SUBJECT_DELETED, data, correlation_id=correlation_id, **options)


def create_user_created_event(
    user_id: str,
    user_data: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
    **options: Any,
) -> Event:
    """``aurora.user.created.v1``; keep secrets (password hashes, tokens) out of ``user_data``."""
    data = {"user_id": str(user_id), "user_data": dict(user_data or {})}
    return create_event(EventType.USER_CREATED, data, correlation_id=correlation_id, **options)


def create_user_updated_event(
    user_id: str,
    user_data: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
    *,
    changed_fields: list[str] | None = None,
    **options: Any,
) -> Event:
    """``aurora.user.updated.v1``; ``changed_fields`` defaults to ``user_data``'s keys."""
    values = dict(user_data or {})
    data = {
        "user_id": str(user_id),
        "user_data": values,
        "changed_fields": list(changed_fields if changed_fields is not None else values),
    }
    return create_event(EventType.USER_UPDATED, data, correlation_id=correlation_id, **options)


def create_user_deleted_event(
    user_id: str, correlation_id: str | None = None, **options: Any
) -> Event:
    """``aurora.user.deleted.v1``."""
    data = {"user_id": str(user_id)}
    return create_event(EventType.USER_DELETED, data, correlation_id=correlation_id, **options)
