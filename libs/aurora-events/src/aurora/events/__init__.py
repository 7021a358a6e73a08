"""Domain events for Aurora services: CloudEvents envelopes over Redis Streams.

Create validated events (``create_subject_created_event(...)``), publish them
directly or through a transactional outbox (``Publisher.publish(event,
session=session)`` + ``OutboxRelay``), and consume them with per-type handlers,
retries, dead-lettering and an idempotent inbox (``Consumer``, ``Inbox``). The
in-memory ``MemoryBroker`` has the same semantics as ``RedisBroker`` and doubles as
the test fake.
"""

from aurora.events._asyncapi import asyncapi_document, asyncapi_endpoint
from aurora.events._backends import create_broker
from aurora.events._broker import (
    Broker,
    DeadLetter,
    Delivery,
    GroupInfo,
    OutgoingMessage,
    Persistence,
    StreamEntry,
    StreamInfo,
    dead_letter_stream,
    stream_for_type,
)
from aurora.events._consumer import Consumer
from aurora.events._context import current_event
from aurora.events._dispatch import ConsumerStats, Handler
from aurora.events._dlq import (
    get_dead_letter,
    list_dead_letters,
    purge_dead_letters,
    replay_dead_letters,
    replay_group,
)
from aurora.events._envelope import CLOUDEVENTS_CONTENT_TYPE, Event
from aurora.events._errors import (
    BrokerNotDurableError,
    BrokerUnavailableError,
    EventsError,
    GroupLostError,
    InvalidEventError,
    UnknownEventTypeError,
)
from aurora.events._factories import (
    create_event,
    create_subject_created_event,
    create_subject_deleted_event,
    create_subject_updated_event,
    create_user_created_event,
    create_user_deleted_event,
    create_user_updated_event,
)
from aurora.events._health import broker_health_check
from aurora.events._inbox import Inbox, InboxHandler
from aurora.events._install import EventsRuntime, install_events
from aurora.events._memory import MemoryBroker
from aurora.events._metrics import ConsumerMetrics, OutboxMetrics
from aurora.events._nats import NatsBroker
from aurora.events._outbox import add_to_outbox
from aurora.events._publisher import Publisher
from aurora.events._recover import Recovery, recover_from_outbox
from aurora.events._redis import RedisBroker
from aurora.events._registry import EventRegistry, EventSpec, Upcaster, default_registry
from aurora.events._relay import OutboxLag, OutboxRelay
from aurora.events._retry import Backoff, RetryPolicy
from aurora.events._settings import EventsSettings
from aurora.events._tables import InboxRecord, OutboxRecord, events_metadata, include_event_tables
from aurora.events._types import (
    EventType,
    Payload,
    SubjectCreated,
    SubjectDeleted,
    SubjectUpdated,
    UserCreated,
    UserDeleted,
    UserUpdated,
)

__all__ = [
    "CLOUDEVENTS_CONTENT_TYPE",
    "Backoff",
    "Broker",
    "BrokerNotDurableError",
    "BrokerUnavailableError",
    "Consumer",
    "ConsumerMetrics",
    "ConsumerStats",
    "DeadLetter",
    "Delivery",
    "Event",
    "EventRegistry",
    "EventSpec",
    "EventType",
    "EventsError",
    "EventsRuntime",
    "EventsSettings",
    "GroupInfo",
    "GroupLostError",
    "Handler",
    "Inbox",
    "InboxHandler",
    "InboxRecord",
    "InvalidEventError",
    "MemoryBroker",
    "NatsBroker",
    "OutboxLag",
    "OutboxMetrics",
    "OutboxRecord",
    "OutboxRelay",
    "OutgoingMessage",
    "Payload",
    "Persistence",
    "Publisher",
    "Recovery",
    "RedisBroker",
    "RetryPolicy",
    "StreamEntry",
    "StreamInfo",
    "SubjectCreated",
    "SubjectDeleted",
    "SubjectUpdated",
    "UnknownEventTypeError",
    "Upcaster",
    "UserCreated",
    "UserDeleted",
    "UserUpdated",
    "add_to_outbox",
    "asyncapi_document",
    "asyncapi_endpoint",
    "broker_health_check",
    "create_broker",
    "create_event",
    "create_subject_created_event",
    "create_subject_deleted_event",
    "create_subject_updated_event",
    "create_user_created_event",
    "create_user_deleted_event",
    "create_user_updated_event",
    "current_event",
    "dead_letter_stream",
    "default_registry",
    "events_metadata",
    "get_dead_letter",
    "include_event_tables",
    "install_events",
    "list_dead_letters",
    "purge_dead_letters",
    "recover_from_outbox",
    "replay_dead_letters",
    "replay_group",
    "stream_for_type",
]
