"""Log lines join traces: the current span's ``trace_id`` and ``span_id`` on every line.

Read through ``opentelemetry-api`` only, which is a no-op until a service installs
the SDK (aurora-telemetry does), so without tracing this is one context lookup per
line. Only spans that are sampled stamp their ids: an unsampled trace is exported
nowhere, and ids that lead nowhere would only mislead. The ids use the W3C/OTLP
text forms (32 and 16 lowercase hex digits), as trace backends search for them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger

__all__ = ["add_trace_ids", "stamp_trace_ids"]


# The last span's ids as text: a request's lines mostly come from one span.
_last: tuple[int, int, str, str] = (0, 0, "", "")


def stamp_trace_ids(fields: MutableMapping[str, Any]) -> None:
    """Add the current sampled span's ids to ``fields``, unless it has its own."""
    global _last
    context = trace.get_current_span().get_span_context()
    if context.trace_flags.sampled and "trace_id" not in fields:
        last = _last  # one read: another thread may replace it meanwhile
        if last[0] != context.trace_id or last[1] != context.span_id:
            last = _last = (
                context.trace_id,
                context.span_id,
                format(context.trace_id, "032x"),
                format(context.span_id, "016x"),
            )
        fields["trace_id"] = last[2]
        fields["span_id"] = last[3]


def add_trace_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The structlog processor of :func:`stamp_trace_ids`."""
    stamp_trace_ids(event_dict)
    return event_dict
