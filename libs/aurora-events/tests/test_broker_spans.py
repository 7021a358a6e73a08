"""Each Redis command and JetStream operation of a broker is a client span, without data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from nats_servers import isolated_nats_broker, nats_url
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from redis.exceptions import ResponseError

from aurora.events import OutgoingMessage, RedisBroker
from aurora.telemetry.testing import capture_spans
from aurora.testing.isolation import redis_url

BODY = b'{"secret": "do-not-record"}'
TRACER = trace.get_tracer(__name__)


@contextmanager
def client_spans() -> Iterator[list[ReadableSpan]]:
    """The client spans of a block run inside a request-like parent span."""
    with capture_spans() as spans, TRACER.start_as_current_span("request"):
        client: list[ReadableSpan] = []
        yield client
    client.extend(span for span in spans if span.kind == SpanKind.CLIENT)


def recorded_text(spans: list[ReadableSpan]) -> str:
    return " ".join(f"{span.name} {dict(span.attributes or {})}" for span in spans)


async def test_redis_commands_are_sanitized_client_spans(redis_broker: RedisBroker) -> None:
    with client_spans() as spans:
        await redis_broker.ensure_group("orders", "billing")
        await redis_broker.publish([OutgoingMessage("orders", "order.created", BODY)])
    by_operation = {span.attributes["db.operation.name"]: span for span in spans}  # type: ignore[index]
    create, batch = by_operation["XGROUP CREATE"], by_operation["BATCH XADD"]
    assert {span.kind for span in spans} == {SpanKind.CLIENT}
    assert create.attributes["db.system.name"] == "redis"  # type: ignore[index]
    assert create.attributes["server.port"] == 6379  # type: ignore[index]
    assert batch.attributes["db.operation.batch.size"] == 1  # type: ignore[index]
    assert batch.attributes["db.query.text"] == "XADD ? ? ? ? ? ?"  # type: ignore[index]
    assert "do-not-record" not in recorded_text(spans)
    assert redis_broker.key("orders") not in recorded_text(spans)  # keys are data too


async def test_a_failed_redis_command_is_an_error_span(redis_broker: RedisBroker) -> None:
    with client_spans() as spans, pytest.raises(ResponseError):
        await redis_broker.client.xgroup_setid(redis_broker.key("missing"), "nobody", "0")
    [span] = spans
    assert (span.name, span.status.is_ok) == ("XGROUP SETID", False)
    assert span.attributes["error.type"] == "ResponseError"  # type: ignore[index]


async def test_redis_commands_record_nothing_without_a_capture(redis_test_url: str) -> None:
    broker = RedisBroker.from_url(redis_test_url)
    try:
        with capture_spans() as spans:
            pass
        await broker.ping()
        assert spans == []
    finally:
        await broker.close()


async def test_a_poll_outside_any_span_is_not_traced(redis_broker: RedisBroker) -> None:
    """A consumer's background poll would otherwise be a lone one-span trace per call."""
    with capture_spans() as spans:
        await redis_broker.ensure_group("orders", "billing")
        await redis_broker.read(["orders"], "billing", "c1", count=1, block=0.01)
    assert spans == []


def test_a_shared_client_is_traced_once() -> None:
    broker = RedisBroker.from_url(redis_url())
    wrapped = broker.client.execute_command
    assert RedisBroker(broker.client).client.execute_command is wrapped


async def test_jetstream_operations_are_client_spans() -> None:
    async with isolated_nats_broker(nats_url(), ack_wait=1.0) as broker:
        await broker.ensure_group("orders", "billing")
        with client_spans() as spans:
            await broker.publish([OutgoingMessage("orders", "order.created", BODY)] * 2)
            deliveries = await broker.read(["orders"], "billing", "c1", count=10, block=1.0)
            await broker.ack("orders", "billing", [d.message_id for d in deliveries])
        name = broker.stream_name("orders")
    operations = {span.attributes["messaging.operation.name"]: span for span in spans}  # type: ignore[index]
    publish, fetch, ack = operations["publish"], operations["fetch"], operations["ack"]
    assert publish.name == f"publish {name}"
    assert publish.attributes["messaging.system"] == "nats"  # type: ignore[index]
    assert publish.attributes["messaging.operation.type"] == "send"  # type: ignore[index]
    assert publish.attributes["messaging.batch.message_count"] == 2  # type: ignore[index]
    assert fetch.attributes["messaging.consumer.group.name"] == "billing"  # type: ignore[index]
    assert fetch.attributes["messaging.batch.message_count"] == 2  # type: ignore[index]
    assert ack.attributes["messaging.operation.type"] == "settle"  # type: ignore[index]
    assert "do-not-record" not in recorded_text(spans)


async def test_a_dead_letter_is_a_publish_and_a_term() -> None:
    async with isolated_nats_broker(nats_url(), ack_wait=1.0) as broker:
        await broker.ensure_group("orders", "billing")
        await broker.publish([OutgoingMessage("orders", "order.created", BODY)])
        [delivery] = await broker.read(["orders"], "billing", "c1", count=1, block=1.0)
        with client_spans() as spans:
            await broker.dead_letter(delivery, group="billing", error="boom")
    assert [span.name.split()[0] for span in spans] == ["publish", "term"]
