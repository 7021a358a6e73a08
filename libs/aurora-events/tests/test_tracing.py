"""One trace from staging through the relay to the consumer, carried in the event itself."""

from __future__ import annotations

import json

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext, SpanKind
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aurora.events import (
    Consumer,
    Event,
    EventType,
    MemoryBroker,
    OutboxRecord,
    OutboxRelay,
    add_to_outbox,
    create_subject_created_event,
)
from aurora.telemetry.testing import capture_spans
from aurora.testing.isolation import unique_name


def named(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    [span] = [span for span in spans if span.name == name]
    return span


async def stage(engine: AsyncEngine, event: Event) -> None:
    async with async_sessionmaker(engine)() as session, session.begin():
        add_to_outbox(session, event)


async def staged_payloads(engine: AsyncEngine) -> list[dict[str, object]]:
    sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(engine)
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRecord))).scalars().all()
    return [json.loads(row.payload) for row in rows]


async def test_the_trace_runs_from_staging_to_the_handler(db_engine: AsyncEngine) -> None:
    broker = MemoryBroker()
    relay = OutboxRelay(db_engine, broker)
    consumer = Consumer(broker, group=unique_name("tracing"), name="c1", block=0.05)
    seen: list[SpanContext] = []

    @consumer.handler(EventType.SUBJECT_CREATED)
    async def on_created(event: Event) -> None:
        seen.append(trace.get_current_span().get_span_context())

    with capture_spans() as spans:
        with trace.get_tracer("test").start_as_current_span("POST /subjects") as request:
            await stage(db_engine, create_subject_created_event("s1", {"name": "n"}))
        [payload] = await staged_payloads(db_engine)
        await relay.relay_once()
        assert await consumer.drain() == 1

    create = named(spans, "create aurora.subject")
    publish = named(spans, "publish aurora.subject")
    process = named(spans, "process aurora.subject")
    assert (create.kind, publish.kind, process.kind) == (
        SpanKind.PRODUCER,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
    )
    trace_id = request.get_span_context().trace_id
    assert {span.context.trace_id for span in (create, publish, process)} == {trace_id}
    assert create.parent is not None and create.parent.span_id == request.get_span_context().span_id
    assert publish.parent is not None and publish.parent.span_id == create.context.span_id
    assert process.parent is not None and process.parent.span_id == create.context.span_id
    assert [link.context.span_id for link in process.links] == [create.context.span_id]
    assert seen == [process.context]  # the handler runs inside the consumer span
    version, sent_trace, sent_parent, flags = str(payload["traceparent"]).split("-")
    assert (version, sent_trace, sent_parent) == (
        "00",
        f"{trace_id:032x}",
        f"{create.context.span_id:016x}",
    )
    assert int(flags, 16) & 1  # sampled
    assert dict(process.attributes or {})["messaging.destination.name"] == "aurora.subject"


async def test_without_tracing_events_are_staged_unchanged(db_engine: AsyncEngine) -> None:
    await stage(db_engine, create_subject_created_event("s2", {"name": "n"}))
    [payload] = await staged_payloads(db_engine)
    assert "traceparent" not in payload
