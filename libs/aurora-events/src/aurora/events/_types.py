"""The event types Aurora services publish, and the payload schema of each.

Type names follow CloudEvents' reverse-DNS advice plus a version suffix
(``aurora.subject.created.v1``): a consumer can tell which schema it holds without
reading the payload, and an incompatible change becomes a new type
(``...created.v2``) with an upcaster from the old one instead of a silent break.
Payload models forbid unknown fields for the same reason: growth means a new version.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EventType",
    "Payload",
    "SubjectCreated",
    "SubjectDeleted",
    "SubjectUpdated",
    "UserCreated",
    "UserDeleted",
    "UserUpdated",
]


class EventType(StrEnum):
    """The seed's event types; each value is the versioned CloudEvents ``type``."""

    SUBJECT_CREATED = "aurora.subject.created.v1"
    SUBJECT_UPDATED = "aurora.subject.updated.v1"
    SUBJECT_DELETED = "aurora.subject.deleted.v1"
    USER_CREATED = "aurora.user.created.v1"
    USER_UPDATED = "aurora.user.updated.v1"
    USER_DELETED = "aurora.user.deleted.v1"


class Payload(BaseModel):
    """Base of typed payloads: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SubjectCreated(Payload):
    """A subject now exists; ``subject_data`` is its state at creation."""

    subject_id: str = Field(min_length=1)
    subject_data: dict[str, Any] = Field(default_factory=dict)


class SubjectUpdated(Payload):
    """A subject changed; ``subject_data`` holds the new values of ``changed_fields``."""

    subject_id: str = Field(min_length=1)
    subject_data: dict[str, Any] = Field(default_factory=dict)
    changed_fields: list[str] = Field(default_factory=list)


class SubjectDeleted(Payload):
    """A subject is gone."""

    subject_id: str = Field(min_length=1)


class UserCreated(Payload):
    """A user now exists; ``user_data`` is its state at creation (never secrets)."""

    user_id: str = Field(min_length=1)
    user_data: dict[str, Any] = Field(default_factory=dict)


class UserUpdated(Payload):
    """A user changed; ``user_data`` holds the new values of ``changed_fields``."""

    user_id: str = Field(min_length=1)
    user_data: dict[str, Any] = Field(default_factory=dict)
    changed_fields: list[str] = Field(default_factory=list)


class UserDeleted(Payload):
    """A user is gone."""

    user_id: str = Field(min_length=1)
