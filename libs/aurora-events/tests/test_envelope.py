"""The envelope is CloudEvents 1.0: attributes, structured mode, JSON round trips."""

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.errors import ValidationError
from aurora.events import CLOUDEVENTS_CONTENT_TYPE, Event, InvalidEventError


def make(**fields: object) -> Event:
    return Event.model_validate({"type": "aurora.subject.created.v1", **fields})


def test_defaults_fill_the_required_cloudevents_attributes() -> None:
    event = make()
    assert event.specversion == "1.0"
    assert event.id and event.source.startswith("/aurora")
    assert event.time.tzinfo is not None
    assert event.datacontenttype == "application/json"


def test_source_defaults_to_the_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__NAME", "subject-service")
    assert make().source == "/aurora/subject-service"


def test_structured_mode_uses_cloudevents_names_for_the_extensions() -> None:
    event = make(correlation_id="abc-123", causation_id="cause-1", data={"a": 1})
    wire = event.to_cloudevent()
    assert wire["correlationid"] == "abc-123"
    assert wire["causationid"] == "cause-1"
    assert "correlation_id" not in wire
    assert wire["specversion"] == "1.0"


def test_absent_optional_attributes_are_omitted_not_null() -> None:
    wire = make().to_cloudevent()
    assert "subject" not in wire and "dataschema" not in wire and "correlationid" not in wire


def test_to_json_is_structured_mode_json() -> None:
    event = make(subject="123", data={"subject_id": "123"}, correlation_id="c")
    assert orjson.loads(event.to_json()) == event.to_cloudevent()
    assert CLOUDEVENTS_CONTENT_TYPE == "application/cloudevents+json"


def test_from_cloudevent_accepts_a_foreign_structured_event() -> None:
    foreign = {
        "specversion": "1.0",
        "type": "com.example.thing.happened",
        "source": "https://example.com/things",
        "id": "A234-1234-1234",
        "time": "2018-04-05T17:31:00Z",
        "comexampleextension1": "value",
        "datacontenttype": "application/json",
        "data": {"appinfoA": "abc"},
    }
    event = Event.from_cloudevent(foreign)
    assert event.time == datetime(2018, 4, 5, 17, 31, tzinfo=UTC)
    assert event.extensions == {"comexampleextension1": "value"}
    assert event.to_cloudevent() == {**foreign, "time": "2018-04-05T17:31:00Z"}


def test_python_names_and_wire_names_both_parse() -> None:
    by_name = Event.from_cloudevent({"type": "t", "correlation_id": "x"})
    by_alias = Event.from_cloudevent({"type": "t", "correlationid": "x"})
    assert by_name.correlation_id == by_alias.correlation_id == "x"


def test_naive_times_are_refused() -> None:
    """RFC 3339 times carry an offset; a naive one is a bug to report, not to guess at."""
    with pytest.raises(InvalidEventError):
        Event.from_cloudevent({"type": "t", "time": datetime(2026, 1, 1, 12)})


def test_offsets_are_kept() -> None:
    moment = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert Event.from_json(make(time=moment).to_json()).time == moment


@pytest.mark.parametrize(
    "fields",
    [
        {"specversion": "0.3"},
        {"type": ""},
        {"id": ""},
        {"Bad_Ext": "x"},
        {"data_base64": "AAAA"},
    ],
)
def test_malformed_events_raise_invalid_event_error(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidEventError) as caught:
        Event.from_cloudevent({"type": "t", **fields})
    assert isinstance(caught.value, ValidationError)
    assert caught.value.status == 422 and caught.value.errors


def test_garbage_json_raises_invalid_event_error() -> None:
    with pytest.raises(InvalidEventError):
        Event.from_json(b"{not json")


def test_events_are_immutable() -> None:
    event = make()
    with pytest.raises(Exception, match="frozen"):
        event.subject = "other"  # type: ignore[misc]


def test_seed_attribute_names_still_work() -> None:
    event = make(id="e1")
    assert event.event_id == "e1"
    assert event.event_type == "aurora.subject.created.v1"
    assert event.timestamp == event.time


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(deadline=None)  # a loaded CI machine must not turn a slow example into a failure
@given(
    data=json_values,
    subject=st.none() | st.text(min_size=1, max_size=30),
    correlation=st.none() | st.text(min_size=1, max_size=30),
    moment=st.datetimes(timezones=st.just(UTC)),
)
def test_json_round_trip_is_lossless(
    data: object, subject: str | None, correlation: str | None, moment: datetime
) -> None:
    event = make(data=data, subject=subject, correlation_id=correlation, time=moment)
    assert Event.from_json(event.to_json()) == event
    assert Event.from_cloudevent(event.to_cloudevent()) == event
    assert Event.model_validate_json(event.model_dump_json()) == event
