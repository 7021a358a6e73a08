"""Event types map to payload models; unknown or invalid payloads fail clearly; old versions upcast."""

from typing import Any

import pytest
from pydantic import BaseModel

from aurora.errors import ValidationError
from aurora.events import (
    Event,
    EventRegistry,
    EventType,
    InvalidEventError,
    SubjectCreated,
    UnknownEventTypeError,
    default_registry,
    stream_for_type,
)


class OrderPlacedV1(BaseModel):
    order_id: str
    total: int


class OrderPlacedV2(BaseModel):
    order_id: str
    total_cents: int
    currency: str


def order_registry() -> EventRegistry:
    registry = default_registry().copy()
    registry.register("shop.order.placed.v2", OrderPlacedV2, subject_field="order_id")

    @registry.upcaster("shop.order.placed.v1", "shop.order.placed.v2")
    def v1_to_v2(data: Any) -> dict[str, Any]:
        return {"order_id": data["order_id"], "total_cents": data["total"] * 100, "currency": "EUR"}

    return registry


def test_event_types_are_versioned_cloudevents_type_names() -> None:
    assert EventType.SUBJECT_CREATED.value == "aurora.subject.created.v1"
    assert str(EventType.SUBJECT_CREATED) == "aurora.subject.created.v1"
    assert {t.value for t in EventType} >= {
        "aurora.subject.created.v1",
        "aurora.subject.updated.v1",
        "aurora.subject.deleted.v1",
    }


def test_every_seed_type_has_a_payload_model() -> None:
    registry = default_registry()
    assert sorted(t.value for t in EventType) == registry.types


def test_valid_data_becomes_the_payload_model() -> None:
    payload = default_registry().validate_data(
        EventType.SUBJECT_CREATED, {"subject_id": "1", "subject_data": {"name": "Math"}}
    )
    assert payload == SubjectCreated(subject_id="1", subject_data={"name": "Math"})


def test_unknown_types_raise_a_validation_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownEventTypeError) as caught:
        default_registry().validate_data("aurora.nope.v1", {})
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.code == "unknown_event_type" and error.status == 422
    assert "aurora.subject.created.v1" in str(error.detail)


@pytest.mark.parametrize(
    "data",
    [{}, {"subject_id": ""}, {"subject_id": "1", "unexpected": True}, "not an object"],
)
def test_invalid_payloads_raise_a_validation_error_with_field_details(data: object) -> None:
    with pytest.raises(InvalidEventError) as caught:
        default_registry().validate_data(EventType.SUBJECT_CREATED, data)
    assert isinstance(caught.value, ValidationError)
    assert caught.value.details


def test_registering_a_type_twice_is_refused() -> None:
    registry = EventRegistry()
    registry.register("a.b.v1", OrderPlacedV1)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a.b.v1", OrderPlacedV2)


def test_copies_do_not_leak_into_the_default_registry() -> None:
    order_registry()
    assert "shop.order.placed.v2" not in default_registry()


def test_upcasting_rewrites_type_and_data_to_the_newest_version() -> None:
    registry = order_registry()
    old = Event(type="shop.order.placed.v1", data={"order_id": "o1", "total": 3}, subject="o1")
    new, payload = registry.validate(old)
    assert new.type == "shop.order.placed.v2"
    assert payload == OrderPlacedV2(order_id="o1", total_cents=300, currency="EUR")
    assert (new.id, new.subject, new.time) == (old.id, old.subject, old.time)


def test_upcasters_chain() -> None:
    registry = order_registry()
    registry.add_upcaster(
        "shop.order.placed.v0", "shop.order.placed.v1", lambda d: {**d, "total": 1}
    )
    upgraded = registry.upcast(Event(type="shop.order.placed.v0", data={"order_id": "o"}))
    assert upgraded.type == "shop.order.placed.v2"
    assert registry.current_type("shop.order.placed.v0") == "shop.order.placed.v2"


def test_an_upcaster_cycle_is_reported() -> None:
    registry = EventRegistry()
    registry.add_upcaster("a.v1", "a.v2", dict)
    registry.add_upcaster("a.v2", "a.v1", dict)
    with pytest.raises(ValueError, match="does not end"):
        registry.upcast(Event(type="a.v1", data={}))


@pytest.mark.parametrize(
    ("event_type", "stream"),
    [
        ("aurora.subject.created.v1", "aurora.subject"),
        ("aurora.subject.created.v2", "aurora.subject"),
        ("shop.order.placed", "shop.order"),
        ("ping", "ping"),
    ],
)
def test_streams_are_the_type_category(event_type: str, stream: str) -> None:
    assert stream_for_type(event_type) == stream
