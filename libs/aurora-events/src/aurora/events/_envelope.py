"""The event envelope: a CloudEvents 1.0 event with Aurora's tracing extensions.

One model serves three shapes so nothing is lost between them:

* Python attributes use snake_case (``event.correlation_id``);
* CloudEvents structured mode (``application/cloudevents+json``) uses the spec's
  attribute names, and extension names must be lowercase alphanumerics, so the
  two extensions travel as ``correlationid`` and ``causationid``;
* the wire format on every transport *is* structured mode, so a stream entry can
  be read by any CloudEvents SDK.
"""

from __future__ import annotations

import builtins
import os
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from aurora.events._errors import InvalidEventError

__all__ = [
    "CLOUDEVENTS_CONTENT_TYPE",
    "HANDLED",
    "Event",
    "default_source",
    "invalid_event_from",
]

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
"""Media type of one event in CloudEvents structured mode (JSON format)."""

_M = TypeVar("_M", bound=BaseModel)
_ExtensionName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,20}$")]


def default_source() -> str:
    """The ``source`` of events created without one: ``/aurora/<service>``.

    Read at call time from ``AURORA_SERVICE__NAME`` (the variable aurora-config uses
    for the service name) so that creating an event never needs a config object.
    """
    name = os.environ.get("AURORA_SERVICE__NAME")
    return f"/aurora/{name}" if name else "/aurora"


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


def invalid_event_from(exc: pydantic.ValidationError, detail: str) -> InvalidEventError:
    """Translate pydantic's error into Aurora's, keeping every field problem."""
    details = [
        {"loc": [str(part) for part in err["loc"]], "detail": err["msg"], "code": err["type"]}
        for err in exc.errors(include_url=False)
    ]
    return InvalidEventError(detail, details=details)


class Event(BaseModel):
    """A domain event: what happened (``type``), to what (``subject``), with ``data``.

    Immutable so that a published event can't be changed behind the outbox's back.
    Unknown CloudEvents extension attributes are kept (``model_extra``) so an event
    relayed through Aurora loses nothing.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    id: str = Field(default_factory=_new_id, min_length=1)
    source: str = Field(default_factory=default_source, min_length=1)
    type: str = Field(min_length=1)
    specversion: Literal["1.0"] = "1.0"
    # RFC 3339 requires an offset: a naive datetime is refused, not guessed at.
    time: AwareDatetime = Field(default_factory=_now)
    subject: str | None = None
    datacontenttype: str | None = "application/json"
    dataschema: str | None = None
    data: Any = None
    correlation_id: str | None = Field(default=None, alias="correlationid")
    causation_id: str | None = Field(default=None, alias="causationid")

    # Extension attribute names are checked by pydantic-core (no Python validator runs
    # per event): lowercase alphanumerics, which also refuses binary ``data_base64``.
    __pydantic_extra__: dict[_ExtensionName, Any] = Field(init=False)

    # -- wire formats -------------------------------------------------------------

    def to_cloudevent(self) -> dict[str, Any]:
        """The event as a CloudEvents structured-mode JSON object (absent attributes omitted)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        """The event as ``application/cloudevents+json`` bytes: the wire format."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_none=True)

    @classmethod
    def from_cloudevent(cls, value: Mapping[str, Any]) -> Event:
        """Parse a structured-mode JSON object; raises ``InvalidEventError`` when malformed."""
        try:
            return cls.model_validate(value)
        except pydantic.ValidationError as exc:
            raise invalid_event_from(exc, "Malformed CloudEvent") from exc

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        """Parse ``application/cloudevents+json``; raises ``InvalidEventError`` when malformed."""
        try:
            # The validator itself: model_validate_json adds checks this hot path
            # (one call per consumed message) doesn't need.
            event: Event = cls.__pydantic_validator__.validate_json(raw)
        except pydantic.ValidationError as exc:
            raise invalid_event_from(exc, "Malformed CloudEvent") from exc
        return event

    # -- typed access ---------------------------------------------------------------

    def payload_as(self, model: builtins.type[_M]) -> _M:
        """``data`` validated as ``model``; raises ``InvalidEventError`` when it doesn't fit.

        Inside a handler this is free: the consumer validated the payload before the
        call and left it in the handling context (a private attribute would cost more,
        as pydantic initialises private state for every parsed event).
        """
        handled = HANDLED.get()
        if handled is not None and handled[0] is self and isinstance(handled[1], model):
            return handled[1]
        try:
            return model.model_validate(self.data)
        except pydantic.ValidationError as exc:
            raise invalid_event_from(exc, f"Invalid payload for event type {self.type!r}") from exc

    @property
    def extensions(self) -> dict[str, Any]:
        """Every CloudEvents extension attribute, the two Aurora ones included."""
        found = dict(self.model_extra or {})
        if self.correlation_id is not None:
            found["correlationid"] = self.correlation_id
        if self.causation_id is not None:
            found["causationid"] = self.causation_id
        return found

    # -- the seed's names -----------------------------------------------------------

    @property
    def event_id(self) -> str:
        """The seed's name for ``id``."""
        return self.id

    @property
    def event_type(self) -> str:
        """The seed's name for ``type`` (an ``EventType`` member compares equal to it)."""
        return self.type

    @property
    def timestamp(self) -> datetime:
        """The seed's name for ``time``."""
        return self.time


HANDLED: ContextVar[tuple[Event, BaseModel | None] | None] = ContextVar(
    "aurora_events_handled", default=None
)
"""The event whose handler runs in this context, with its validated payload (see _context)."""
