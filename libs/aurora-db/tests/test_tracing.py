"""Every statement is a client span under the current one, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aurora.db import build_async_engine, build_engine, database_target
from aurora.telemetry.testing import capture_spans


def test_a_statement_is_a_client_span_with_the_database_conventions(
    db_url: str, backend: str
) -> None:
    engine = build_engine(database_target(db_url))
    try:
        with (
            capture_spans() as spans,
            trace.get_tracer("test").start_as_current_span("request") as parent,
            engine.connect() as connection,
        ):
            connection.execute(text("SELECT :n AS answer"), {"n": 42})
    finally:
        engine.dispose()
    [span] = [
        span for span in spans if span.kind is SpanKind.CLIENT and "answer" in str(span.attributes)
    ]
    attributes = dict(span.attributes or {})
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert span.name.startswith("SELECT")
    assert attributes["db.system.name"] == backend
    assert attributes["db.operation.name"] == "SELECT"
    assert "42" not in str(attributes["db.query.text"])  # parameters are never recorded


async def test_async_engines_keep_the_callers_span_as_parent(db_url: str) -> None:
    """SQLAlchemy runs async drivers through greenlets; the context must cross them."""
    engine = build_async_engine(database_target(db_url))
    try:
        tracer = trace.get_tracer("test")
        with capture_spans() as spans, tracer.start_as_current_span("request") as parent:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1 AS probe"))
    finally:
        await engine.dispose()
    [span] = [span for span in spans if "probe" in str(span.attributes)]
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id


def test_a_failing_statement_marks_its_span_failed(db_url: str) -> None:
    engine = build_engine(database_target(db_url))
    try:
        with capture_spans() as spans, engine.connect() as connection, pytest.raises(DBAPIError):
            connection.execute(text("SELECT * FROM no_such_table_for_tracing"))
    finally:
        engine.dispose()
    [span] = [span for span in spans if "no_such_table" in str(span.attributes)]
    assert span.status.status_code is StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]
