"""Errors raised by aurora-events.

The hierarchy::

    AuroraError
    ├── ValidationError (422)
    │   ├── UnknownEventTypeError (422 unknown_event_type)   also EventsError
    │   └── InvalidEventError (422 invalid_event)            also EventsError
    └── ServiceUnavailableError (503)
        ├── BrokerUnavailableError (503 broker_unavailable)  also EventsError
        ├── BrokerNotDurableError (503 broker_not_durable)   also EventsError
        └── GroupLostError (503 consumer_group_lost)         also EventsError

``EventsError`` is a marker base so callers can catch everything this lib raises
without losing the HTTP meaning of each error (an invalid payload is still a 422).
"""

from __future__ import annotations

from aurora.errors import AuroraError, ServiceUnavailableError, ValidationError

__all__ = [
    "BrokerNotDurableError",
    "BrokerUnavailableError",
    "EventsError",
    "GroupLostError",
    "InvalidEventError",
    "UnknownEventTypeError",
]


class EventsError(AuroraError):
    """Base of the errors raised by aurora-events."""


class UnknownEventTypeError(EventsError, ValidationError):
    """An event type name that no registry entry (or upcaster) knows."""

    code = "unknown_event_type"
    title = "Unknown Event Type"


class InvalidEventError(EventsError, ValidationError):
    """An envelope or payload that does not match its schema."""

    code = "invalid_event"
    title = "Invalid Event"


class BrokerUnavailableError(EventsError, ServiceUnavailableError):
    """The broker could not be reached; the operation may succeed later."""

    code = "broker_unavailable"
    title = "Broker Unavailable"
    default_detail = "The event broker is unavailable"


class BrokerNotDurableError(EventsError, ServiceUnavailableError):
    """The broker would lose acknowledged events on a restart, and durability is required."""

    code = "broker_not_durable"
    title = "Broker Not Durable"
    default_detail = "The event broker does not persist events"


class GroupLostError(EventsError, ServiceUnavailableError):
    """A consumer group (or its stream) vanished from the broker: events may be lost.

    Raised instead of recreating the group, so the loss is seen (error log, metric,
    failing health check) and repaired with ``python -m aurora.events recover``.
    """

    code = "consumer_group_lost"
    title = "Consumer Group Lost"
    default_detail = "The consumer group no longer exists on the broker"
