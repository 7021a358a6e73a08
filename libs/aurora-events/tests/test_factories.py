"""The seed's creation helpers and ``create_event``: validated, traced events."""

import pytest
from pydantic import BaseModel

from aurora.events import (
    Event,
    EventRegistry,
    EventType,
    InvalidEventError,
    SubjectCreated,
    UnknownEventTypeError,
    create_event,
    create_subject_created_event,
    create_subject_deleted_event,
    create_subject_updated_event,
    create_user_created_event,
    create_user_deleted_event,
    create_user_updated_event,
)
from aurora.events._context import handling
from aurora.logging import bind_correlation_id


def test_the_seed_example_runs_as_written() -> None:
    event = create_subject_created_event(
        subject_id="123", subject_data={"name": "Math"}, correlation_id="abc-123"
    )
    assert event.event_type == EventType.SUBJECT_CREATED
    assert event.correlation_id == "abc-123"
    assert event.subject == "123"
    assert event.data == {"subject_id": "123", "subject_data": {"name": "Math"}}
    assert event.payload_as(SubjectCreated).subject_data == {"name": "Math"}


def test_subject_and_user_helpers_build_their_types() -> None:
    cases = [
        (create_subject_updated_event("1", {"name": "Physics"}), EventType.SUBJECT_UPDATED),
        (create_subject_deleted_event("1"), EventType.SUBJECT_DELETED),
        (create_user_created_event("u", {"email": "a@b.c"}), EventType.USER_CREATED),
        (create_user_updated_event("u", {"email": "x@y.z"}), EventType.USER_UPDATED),
        (create_user_deleted_event("u"), EventType.USER_DELETED),
    ]
    for event, expected in cases:
        assert event.type == expected
        assert event.subject in ("1", "u")


def test_updated_events_list_their_changed_fields() -> None:
    event = create_subject_updated_event("1", {"name": "Physics", "credits": 3})
    assert event.data["changed_fields"] == ["name", "credits"]


def test_correlation_id_defaults_to_the_one_bound_in_aurora_logging() -> None:
    with bind_correlation_id("request-42"):
        event = create_subject_deleted_event("1")
    assert event.correlation_id == "request-42"


def test_without_a_bound_id_there_is_no_correlation() -> None:
    assert create_subject_deleted_event("1").correlation_id is None


def test_an_explicit_correlation_id_wins() -> None:
    with bind_correlation_id("request-42"):
        event = create_subject_deleted_event("1", correlation_id="mine")
    assert event.correlation_id == "mine"


def test_events_created_while_handling_one_are_caused_by_it() -> None:
    parent = create_subject_created_event("1", correlation_id="chain")
    with handling(parent):
        child = create_subject_updated_event("1", {"name": "x"})
    assert child.causation_id == parent.id
    assert child.correlation_id == "chain"


def test_create_event_accepts_payload_models_and_options() -> None:
    event = create_event(
        EventType.SUBJECT_CREATED,
        SubjectCreated(subject_id="9"),
        id="fixed",
        source="/tests",
        extensions={"tenant": "acme"},
    )
    assert (event.id, event.source, event.subject) == ("fixed", "/tests", "9")
    assert event.extensions == {"tenant": "acme"}
    assert Event.from_json(event.to_json()) == event


def test_create_event_rejects_unknown_types() -> None:
    with pytest.raises(UnknownEventTypeError):
        create_event("aurora.nothing.v1", {})


def test_create_event_rejects_invalid_payloads() -> None:
    with pytest.raises(InvalidEventError) as caught:
        create_event(EventType.SUBJECT_CREATED, {"subject_data": {}})
    assert any("subject_id" in str(error.get("pointer")) for error in caught.value.details)


def test_custom_registries_serve_custom_types() -> None:
    class Ping(BaseModel):
        n: int

    registry = EventRegistry()
    registry.register("tests.ping.v1", Ping)
    event = create_event("tests.ping.v1", {"n": "3"}, registry=registry)
    assert event.data == {"n": 3}  # normalised by the model
