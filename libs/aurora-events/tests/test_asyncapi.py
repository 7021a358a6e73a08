"""The AsyncAPI 3.0 document: generated from the registry and subscriptions, served, valid.

Validated against the official AsyncAPI 3.0.0 JSON Schema kept in ``specs/`` (see
its README for the source), so no network is needed.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from aurora.app import create_service
from aurora.config import ServiceConfig
from aurora.events import (
    Consumer,
    Event,
    EventType,
    MemoryBroker,
    UnknownEventTypeError,
    asyncapi_document,
    asyncapi_endpoint,
)
from aurora.testing.server import run_server

SCHEMA = Path(__file__).parent / "specs" / "asyncapi-3.0.0.schema.json"


@cache
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA.read_text()))


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def catalog_consumer() -> Consumer:
    consumer = Consumer(MemoryBroker(), group="catalog")

    async def ignore(event: Event) -> None:
        pass

    consumer.subscribe(EventType.SUBJECT_CREATED, ignore)
    consumer.subscribe(EventType.SUBJECT_DELETED, ignore)
    return consumer


def test_the_document_is_valid_asyncapi_3() -> None:
    document = asyncapi_document(
        title="catalog-service",
        version="1.0.0",
        sends=[EventType.USER_CREATED],
        consumers=[catalog_consumer()],
        servers={"nats": {"host": "127.0.0.1:4222", "protocol": "nats"}},
    )
    assert_valid(document)


def test_the_official_schema_rejects_a_broken_document() -> None:
    """The validator is real: a document without ``info`` fails it."""
    document = asyncapi_document(title="x", version="1")
    del document["info"]
    assert list(validator().iter_errors(document))


def test_channels_messages_and_operations_follow_the_subscriptions() -> None:
    document = asyncapi_document(
        title="catalog-service", version="1.0.0", consumers=[catalog_consumer()]
    )
    channel = document["channels"]["aurora.subject"]
    assert channel["address"] == "aurora.subject"
    assert sorted(channel["messages"]) == ["aurora.subject.created.v1", "aurora.subject.deleted.v1"]
    operation = document["operations"]["receive.aurora.subject.created.v1"]
    assert operation["action"] == "receive"
    assert operation["channel"] == {"$ref": "#/channels/aurora.subject"}


def test_messages_carry_the_typed_payload_inside_the_cloudevents_envelope() -> None:
    document = asyncapi_document(title="s", version="1", sends=[EventType.SUBJECT_CREATED])
    message = document["components"]["messages"]["aurora.subject.created.v1"]
    assert message["contentType"] == "application/cloudevents+json"
    envelope, typed = message["payload"]["allOf"]
    assert envelope == {"$ref": "#/components/schemas/CloudEvent"}
    assert typed["properties"]["type"] == {"const": "aurora.subject.created.v1"}
    schemas = document["components"]["schemas"]
    data = schemas[typed["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
    assert "subject_id" in data["required"]
    assert {"id", "source", "type", "specversion"} <= set(schemas["CloudEvent"]["properties"])


def test_an_unregistered_type_is_refused() -> None:
    with pytest.raises(UnknownEventTypeError):
        asyncapi_document(title="s", version="1", sends=["aurora.nothing.happened.v1"])


def test_a_service_serves_its_document_next_to_openapi(tmp_path: Path) -> None:
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "catalog-service", "environment": "test", "data_dir": str(tmp_path)}}
    )
    service = create_service("catalog-service", config, configure_logging=False)
    consumer = Consumer(MemoryBroker(), group="catalog")
    endpoint = asyncapi_endpoint(title="catalog-service", version="1.0.0", consumers=[consumer])
    service.app.add_api_route("/asyncapi.json", endpoint, include_in_schema=False)

    @consumer.handler(EventType.SUBJECT_CREATED)  # after the route: the document still has it
    async def index(event: Event) -> None:
        pass

    with run_server(service.app) as base_url:
        document = httpx.get(f"{base_url}/asyncapi.json").json()
        assert httpx.get(f"{base_url}/openapi.json").status_code == 200
    assert_valid(document)
    assert "receive.aurora.subject.created.v1" in document["operations"]
