"""An AsyncAPI 3.0 document of a service's events, from the registry and its subscriptions.

``/openapi.json`` describes what a service answers; ``/asyncapi.json`` describes
what it emits and consumes: one channel per stream, one message per event type
with the JSON Schema of its typed payload inside the CloudEvents envelope, and a
``send``/``receive`` operation per type. Built from the same ``EventRegistry``
that validates events, so the document can't drift from what is enforced.

Hand-written rather than taken from a library: the document is a plain mapping
derived from pydantic's JSON Schemas, and no locked library builds AsyncAPI 3.0.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from aurora.events._broker import stream_for_type
from aurora.events._consumer import Consumer
from aurora.events._envelope import Event
from aurora.events._registry import EventRegistry, default_registry

__all__ = ["asyncapi_document", "asyncapi_endpoint"]

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
_ENVELOPE = "CloudEvent"
_COMPONENT_KEY = re.compile(r"[^\w.\-]")


def _key(name: str) -> str:
    # AsyncAPI component and channel keys match ^[\w\d.\-_]+$.
    return _COMPONENT_KEY.sub("_", name)


def asyncapi_document(
    *,
    title: str,
    version: str,
    sends: Iterable[str] = (),
    consumers: Iterable[Consumer] = (),
    registry: EventRegistry | None = None,
    description: str | None = None,
    servers: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of a service.

    Args:
        title: The service's name.
        version: The service's version.
        sends: Event types the service publishes (to their default streams).
        consumers: The service's consumers: what they subscribe to is received.
        registry: Where payload models come from (the default registry when omitted).
        description: CommonMark text for ``info.description``.
        servers: AsyncAPI server objects by name (``{"host": ..., "protocol": "nats"}``).

    Raises:
        UnknownEventTypeError: a sent or received type is not registered.
    """
    reg = registry if registry is not None else default_registry()
    routes = [("send", name, stream_for_type(name)) for name in sends]
    for consumer in consumers:
        routes += [("receive", t, s) for t, s in consumer.subscriptions.items()]
    specs = {name: reg.spec(reg.current_type(name)) for _, name, _ in routes}
    schemas = _schemas(spec.model for spec in specs.values())
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for action, name, stream in routes:
        spec = specs[name]
        message = _key(spec.type)
        messages[message] = _message(spec.type, spec.model.__name__, spec.model.__doc__)
        channel = channels.setdefault(
            _key(stream), {"address": stream, "title": stream, "messages": {}}
        )
        channel["messages"][message] = {"$ref": f"#/components/messages/{message}"}
        operations[f"{action}.{message}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{_key(stream)}"},
            "messages": [{"$ref": f"#/channels/{_key(stream)}/messages/{message}"}],
        }
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version},
        "defaultContentType": CLOUDEVENTS_CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
    if description:
        document["info"]["description"] = description
    if servers:
        document["servers"] = {_key(name): dict(server) for name, server in servers.items()}
    return document


def _schemas(payload_models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """The envelope and every payload model, with references between them hoisted."""
    models = sorted(set(payload_models), key=lambda model: model.__name__)
    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Event, "serialization")]
    inputs += [(model, "validation") for model in models]
    _, shared = models_json_schema(inputs, ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = dict(shared.get("$defs", {}))
    envelope = definitions.pop(Event.__name__)
    envelope["title"] = "CloudEvents 1.0 envelope"
    envelope["description"] = (
        "Every Aurora event, in structured mode; ``data`` is typed per message."
    )
    definitions[_ENVELOPE] = envelope
    return definitions


def _message(event_type: str, model: str, doc: str | None) -> dict[str, Any]:
    payload = {
        "allOf": [
            {"$ref": f"#/components/schemas/{_ENVELOPE}"},
            {
                "type": "object",
                "required": ["type", "data"],
                "properties": {
                    "type": {"const": event_type},
                    "data": {"$ref": f"#/components/schemas/{model}"},
                },
            },
        ]
    }
    message: dict[str, Any] = {
        "name": event_type,
        "title": event_type,
        "contentType": CLOUDEVENTS_CONTENT_TYPE,
        "payload": payload,
    }
    if doc:
        message["summary"] = doc.strip().splitlines()[0]
    return message


def asyncapi_endpoint(**options: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A route handler serving :func:`asyncapi_document` (built on first request).

    Built lazily so subscriptions made after the route is added are included:
    ``service.app.add_api_route("/asyncapi.json", asyncapi_endpoint(...))``.
    """
    built: dict[str, Any] = {}

    async def asyncapi() -> dict[str, Any]:
        if not built:
            built.update(asyncapi_document(**options))
        return built

    return asyncapi
