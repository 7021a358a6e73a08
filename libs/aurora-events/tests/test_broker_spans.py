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

from aurora.events import (
    Consumer,
    Event,
    EventType,
    OutgoingMessage,
    RedisBroker,
    dead_letter_stream,
)
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
        name, dlq = broker.stream_name("orders"), broker.stream_name(dead_letter_stream("orders"))
    names = [span.name for span in spans]
    assert names == [f"stream_info {dlq}", f"add_stream {dlq}", f"publish {dlq}", f"term {name}"]


async def test_jetstream_management_calls_are_client_spans() -> None:
    """Stream and consumer setup are round trips too: each is a span, a miss an error one."""
    async with isolated_nats_broker(nats_url(), ack_wait=1.0) as broker:
        with client_spans() as spans:
            await broker.ensure_group("orders", "billing")
            await broker.stream_info("orders")
        name = broker.stream_name("orders")
    assert [span.name for span in spans] == [
        f"stream_info {name}",
        f"add_stream {name}",
        f"consumer_info {name}",
        f"add_consumer {name}",
        f"stream_info {name}",
    ]
    missing, created = spans[0], spans[1]
    assert (missing.status.is_ok, missing.attributes["error.type"]) == (False, "NotFoundError")  # type: ignore[index]
    assert created.status.is_ok
    assert created.attributes["messaging.operation.name"] == "add_stream"  # type: ignore[index]
    assert created.attributes["messaging.destination.name"] == name  # type: ignore[index]
    assert "messaging.operation.type" not in (created.attributes or {})  # none of the types fits


async def test_a_consumer_sets_its_group_up_in_a_trace_of_its_own() -> None:
    async with isolated_nats_broker(nats_url(), ack_wait=1.0) as broker:
        consumer = Consumer(broker, group="billing", name="c1", block=0.05)

        @consumer.handler(EventType.SUBJECT_CREATED)
        async def on_created(event: Event) -> None:
            pass

        with capture_spans() as spans:
            assert await consumer.drain() == 0
        name = broker.stream_name("aurora.subject")
    [setup] = [span for span in spans if span.name == "ensure_group aurora.subject"]
    assert (setup.kind, setup.parent) == (SpanKind.INTERNAL, None)
    assert setup.attributes["messaging.system"] == "nats"  # type: ignore[index]
    assert setup.attributes["messaging.consumer.group.name"] == "billing"  # type: ignore[index]
    children = [
        span for span in spans if span.parent and span.parent.span_id == setup.context.span_id
    ]
    assert [span.name for span in children] == [
        f"stream_info {name}",
        f"add_stream {name}",
        f"consumer_info {name}",
        f"add_consumer {name}",
    ]
    assert {span.context.trace_id for span in children} == {setup.context.trace_id}
