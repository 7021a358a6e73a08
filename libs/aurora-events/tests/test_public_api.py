"""The public API can't grow or shrink by accident."""

import aurora.events

EXPECTED = [
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


def test_all_lists_exactly_the_public_names() -> None:
    assert aurora.events.__all__ == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in EXPECTED:
        assert getattr(aurora.events, name) is not None


def test_all_is_sorted_isort_style() -> None:
    """Constants first, then classes, then functions, each alphabetical (ruff RUF022)."""

    def kind(name: str) -> int:
        return 0 if name.isupper() else 1 if name[0].isupper() else 2

    assert sorted(EXPECTED, key=lambda name: (kind(name), name)) == EXPECTED
