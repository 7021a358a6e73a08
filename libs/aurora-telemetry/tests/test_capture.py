"""capture_spans collects the spans of its block only, whatever ran before."""

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from aurora.telemetry.testing import capture_spans


def test_spans_inside_the_block_are_captured_in_end_order() -> None:
    tracer = trace.get_tracer("test")
    with (
        capture_spans() as spans,
        tracer.start_as_current_span("outer"),
        tracer.start_as_current_span("inner", kind=SpanKind.CLIENT),
    ):
        pass
    assert [span.name for span in spans] == ["inner", "outer"]
    assert spans[0].parent is not None and spans[0].parent.span_id == spans[1].context.span_id


def test_spans_outside_a_capture_are_not_recorded() -> None:
    tracer = trace.get_tracer("test")
    with capture_spans():
        pass
    with tracer.start_as_current_span("unseen") as span:
        assert not span.is_recording()
        assert not span.get_span_context().is_valid  # as with no SDK at all


def test_nested_captures_see_only_their_own_spans() -> None:
    tracer = trace.get_tracer("test")
    with capture_spans() as outer:
        with tracer.start_as_current_span("a"):
            pass
        with capture_spans() as inner, tracer.start_as_current_span("b"):
            pass
    assert [span.name for span in outer] == ["a"]
    assert [span.name for span in inner] == ["b"]
