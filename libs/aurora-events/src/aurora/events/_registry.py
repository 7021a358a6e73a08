"""Which payload schema belongs to which event type, and how old versions upgrade.

A registry is what lets the envelope stay untyped (``data: Any``) on the wire while
producers and consumers still work with pydantic models: ``create_event`` validates
against it, the consumer validates and upcasts with it before a handler runs.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic import BaseModel

from aurora.events._envelope import Event, invalid_event_from
from aurora.events._errors import InvalidEventError, UnknownEventTypeError
from aurora.events._types import (
    EventType,
    SubjectCreated,
    SubjectDeleted,
    SubjectUpdated,
    UserCreated,
    UserDeleted,
    UserUpdated,
)

__all__ = ["EventRegistry", "EventSpec", "Upcaster", "default_registry"]

Upcaster = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""Turns the ``data`` of an older type version into the ``data`` of the next one."""

_MAX_UPCASTS = 32  # a longer chain is a cycle, not a history


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One registered event type.

    Args:
        type: The versioned type name (``aurora.subject.created.v1``).
        model: The pydantic model ``data`` must validate against.
        subject_field: Payload field copied into the CloudEvents ``subject`` when the
            creator gives none, so routing and outbox ordering need no payload parsing.
    """

    type: str
    model: builtins.type[BaseModel]
    subject_field: str | None = None


class EventRegistry:
    """Event types, their payload models and the upcasters between versions."""

    def __init__(self, specs: Iterable[EventSpec] = ()) -> None:
        self._specs: dict[str, EventSpec] = {}
        self._upcasters: dict[str, tuple[str, Upcaster]] = {}
        for spec in specs:
            self._specs[spec.type] = spec

    def register(
        self,
        event_type: str,
        model: type[BaseModel],
        *,
        subject_field: str | None = None,
        replace: bool = False,
    ) -> EventSpec:
        """Declare ``event_type``'s payload model; refuses to redefine a type silently."""
        name = str(event_type)
        if name in self._specs and not replace:
            raise ValueError(f"event type {name!r} is already registered")
        spec = EventSpec(name, model, subject_field)
        self._specs[name] = spec
        return spec

    def add_upcaster(self, from_type: str, to_type: str, upcaster: Upcaster) -> None:
        """Let consumers read ``from_type`` events as ``to_type`` (usually the next version)."""
        self._upcasters[str(from_type)] = (str(to_type), upcaster)

    def upcaster(self, from_type: str, to_type: str) -> Callable[[Upcaster], Upcaster]:
        """Decorator form of :meth:`add_upcaster`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self.add_upcaster(from_type, to_type, fn)
            return fn

        return decorate

    def copy(self) -> EventRegistry:
        """An independent registry with the same entries (for tests and per-service extras)."""
        clone = EventRegistry(self._specs.values())
        clone._upcasters.update(self._upcasters)
        return clone

    def __contains__(self, event_type: object) -> bool:
        return str(event_type) in self._specs or str(event_type) in self._upcasters

    @property
    def types(self) -> list[str]:
        """Every registered type name, sorted."""
        return sorted(self._specs)

    def spec(self, event_type: str) -> EventSpec:
        """The entry for ``event_type``; raises ``UnknownEventTypeError``."""
        try:
            return self._specs[str(event_type)]
        except KeyError:
            raise self._unknown(str(event_type)) from None

    def current_type(self, event_type: str) -> str:
        """The type an event of ``event_type`` becomes after every upcaster ran."""
        name = str(event_type)
        for _ in range(_MAX_UPCASTS):
            step = self._upcasters.get(name)
            if step is None:
                return name
            name = step[0]
        raise ValueError(f"upcaster chain from {event_type!r} does not end")

    def validate_data(self, event_type: str, data: Any) -> BaseModel:
        """``data`` as the registered model; raises a ``ValidationError`` subclass."""
        spec = self._specs.get(event_type) or self.spec(event_type)
        if isinstance(data, BaseModel):
            if isinstance(data, spec.model):
                return data
            data = data.model_dump(mode="json")
        try:
            payload: BaseModel = spec.model.__pydantic_validator__.validate_python(data)
            return payload
        except pydantic.ValidationError as exc:
            raise invalid_event_from(exc, f"Invalid payload for event type {spec.type!r}") from exc

    def upcast(self, event: Event) -> Event:
        """``event`` rewritten to the newest version its type upgrades to."""
        if event.type not in self._upcasters:
            return event
        current = event
        for _ in range(_MAX_UPCASTS):
            step = self._upcasters.get(current.type)
            if step is None:
                return current
            to_type, fn = step
            if not isinstance(current.data, Mapping):
                raise InvalidEventError(f"Cannot upcast {current.type!r}: data is not an object")
            current = current.model_copy(update={"type": to_type, "data": dict(fn(current.data))})
        raise ValueError(f"upcaster chain from {event.type!r} does not end")

    def validate(self, event: Event) -> tuple[Event, BaseModel]:
        """Upcast ``event`` and validate its payload: what a consumer does before a handler."""
        upgraded = self.upcast(event)
        return upgraded, self.validate_data(upgraded.type, upgraded.data)

    def _unknown(self, name: str) -> UnknownEventTypeError:
        known = ", ".join(self.types) or "none"
        return UnknownEventTypeError(
            f"Unknown event type {name!r}; registered types: {known}",
            details=[{"loc": ["type"], "detail": f"{name!r} is not registered"}],
            context={"type": name},
        )


def _seed_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(EventType.SUBJECT_CREATED, SubjectCreated, subject_field="subject_id")
    registry.register(EventType.SUBJECT_UPDATED, SubjectUpdated, subject_field="subject_id")
    registry.register(EventType.SUBJECT_DELETED, SubjectDeleted, subject_field="subject_id")
    registry.register(EventType.USER_CREATED, UserCreated, subject_field="user_id")
    registry.register(EventType.USER_UPDATED, UserUpdated, subject_field="user_id")
    registry.register(EventType.USER_DELETED, UserDeleted, subject_field="user_id")
    return registry


_DEFAULT: list[EventRegistry] = []


def default_registry() -> EventRegistry:
    """The process-wide registry, holding the seed's types; built on first use.

    Services register their own types here at startup; tests that register types
    should use ``default_registry().copy()`` so they cannot leak into each other.
    """
    if not _DEFAULT:
        _DEFAULT.append(_seed_registry())
    return _DEFAULT[0]
