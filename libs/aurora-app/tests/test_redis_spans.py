"""The Redis stores' commands are client spans that name the command, never keys or values."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
import redis.asyncio
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from aurora.app import (
    IdempotencyRecord,
    RateLimitPolicy,
    RedisIdempotencyStore,
    RedisRateLimitBackend,
)
from aurora.telemetry.testing import capture_spans

TRACER = trace.get_tracer(__name__)


@contextmanager
def client_spans() -> Iterator[list[ReadableSpan]]:
    """The client spans of a block run inside a request-like parent span."""
    with capture_spans() as spans, TRACER.start_as_current_span("request"):
        client: list[ReadableSpan] = []
        yield client
    client.extend(span for span in spans if span.kind == SpanKind.CLIENT)


@pytest.fixture()
async def _clean_keys(redis_url: str, key_prefix: str) -> AsyncIterator[None]:
    yield
    client = redis.asyncio.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.mark.usefixtures("_clean_keys")
async def test_idempotency_commands_are_sanitized_spans(redis_url: str, key_prefix: str) -> None:
    store = RedisIdempotencyStore(redis_url, prefix=key_prefix)
    record = IdempotencyRecord(fingerprint="secret-fingerprint")
    try:
        with client_spans() as spans:
            assert await store.begin("order-key", record, ttl=10) is None
            await store.abandon("order-key")
    finally:
        await store.aclose()
    assert [span.name for span in spans] == ["SET", "DEL"]
    [set_span, _] = spans
    assert set_span.attributes["db.system.name"] == "redis"  # type: ignore[index]
    assert set_span.attributes["db.query.text"] == "SET ? ? ? ? ?"  # type: ignore[index]
    recorded = str([dict(span.attributes or {}) for span in spans])
    assert "order-key" not in recorded and "secret-fingerprint" not in recorded


@pytest.mark.usefixtures("_clean_keys")
async def test_rate_limit_scripts_are_spans(redis_url: str, key_prefix: str) -> None:
    backend = RedisRateLimitBackend(redis_url, prefix=key_prefix)
    try:
        with client_spans() as spans:
            decision = await backend.hit(RateLimitPolicy.of("api", 5, 60), "client-1")
    finally:
        await backend.aclose()
    assert decision.allowed
    names = {span.name for span in spans}
    assert names & {"EVALSHA", "EVAL"}, names
    assert "client-1" not in str([dict(span.attributes or {}) for span in spans])


@pytest.mark.usefixtures("_clean_keys")
async def test_commands_outside_a_request_are_not_traced(redis_url: str, key_prefix: str) -> None:
    store = RedisIdempotencyStore(redis_url, prefix=key_prefix)
    try:
        with capture_spans() as spans:
            await store.abandon("order-key")
    finally:
        await store.aclose()
    assert spans == []
