"""Every line written inside a sampled span carries its trace and span ids."""

from __future__ import annotations

import io
import json

from opentelemetry import trace

from aurora.logging import LineWriter, get_logger, reset_logging, setup_logging
from aurora.logging.testing import capture_logs
from aurora.telemetry.testing import capture_spans


def test_a_line_inside_a_span_carries_its_ids() -> None:
    tracer = trace.get_tracer("test")
    with capture_spans(), capture_logs() as events, tracer.start_as_current_span("work") as span:
        get_logger("orders").info("order_placed")
    ids = span.get_span_context()
    assert events[0]["trace_id"] == format(ids.trace_id, "032x")
    assert events[0]["span_id"] == format(ids.span_id, "016x")


def test_a_line_outside_any_span_has_no_ids() -> None:
    with capture_logs() as events:
        get_logger("orders").info("order_placed")
    assert "trace_id" not in events[0]


def test_an_explicit_trace_id_is_kept() -> None:
    tracer = trace.get_tracer("test")
    with capture_spans(), capture_logs() as events, tracer.start_as_current_span("work"):
        get_logger().info("relayed", trace_id="from-elsewhere")
    assert events[0]["trace_id"] == "from-elsewhere"
    assert "span_id" not in events[0]


def test_the_line_writer_fast_path_writes_the_same_ids() -> None:
    stream = io.StringIO()
    setup_logging("orders", fmt="json", stream=stream)
    try:
        writer = LineWriter("request", logger="orders.access")
        with capture_spans(), trace.get_tracer("test").start_as_current_span("work"):
            writer.write("info", {"status": 200})
            get_logger("orders.access").info("request", status=200)
    finally:
        reset_logging()
    fast, slow = (json.loads(line) for line in stream.getvalue().splitlines())
    assert fast.pop("timestamp") and slow.pop("timestamp")
    assert fast == slow
    assert list(fast)[-2:] == ["trace_id", "span_id"]


def test_a_writer_without_trace_ids_leaves_them_to_its_caller() -> None:
    """Batched lines are written after their span ended: the caller passes the right ids."""
    stream = io.StringIO()
    setup_logging("orders", fmt="json", stream=stream)
    try:
        writer = LineWriter("request", logger="orders.access", trace_ids=False)
        with capture_spans(), trace.get_tracer("test").start_as_current_span("flush"):
            writer.write("info", {"status": 200})
            writer.write("info", {"status": 200, "trace_id": "a" * 32, "span_id": "b" * 16})
    finally:
        reset_logging()
    bare, given = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "trace_id" not in bare
    assert (given["trace_id"], given["span_id"]) == ("a" * 32, "b" * 16)
