"""What a call carries downstream: correlation id, trace context, identity, deadline.

The correlation id comes from aurora-logging's context (one is generated when
there is none, so every hop can be found in the logs). Trace context and the
bearer token come from the inbound request through :func:`propagation_context`,
which a route or middleware opens around the work it does for that request.
Forwarding the caller's token is opt-in per client: handing a user's
credentials to every service is a decision, not a default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass

from aurora.http._deadline import deadline_scope
from aurora.http._tracing import child_traceparent
from aurora.logging import get_correlation_id, new_correlation_id

__all__ = [
    "DEADLINE_HEADER",
    "REQUEST_ID_HEADER",
    "inbound_authorization",
    "propagate",
    "propagation_context",
    "user_agent",
]

REQUEST_ID_HEADER = "X-Request-ID"
DEADLINE_HEADER = "X-Request-Deadline-Ms"
_TRACE_HEADERS = ("traceparent", "tracestate")


@dataclass(frozen=True, slots=True)
class _Inbound:
    trace: tuple[tuple[str, str], ...]
    authorization: str | None


_INBOUND: ContextVar[_Inbound | None] = ContextVar("aurora_http_inbound", default=None)


@contextmanager
def propagation_context(headers: Mapping[str, str]) -> Iterator[None]:
    """Forward what an inbound request carried to the client calls made inside the block.

    Picks up ``traceparent``/``tracestate``, a bearer ``Authorization`` (sent on
    only by clients created with ``forward_authorization=True``) and the
    ``X-Request-Deadline-Ms`` the caller granted, which becomes a deadline scope.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    authorization = lowered.get("authorization")
    if authorization is not None and not authorization.lower().startswith("bearer "):
        authorization = None
    inbound = _Inbound(
        trace=tuple((name, lowered[name]) for name in _TRACE_HEADERS if name in lowered),
        authorization=authorization,
    )
    token = _INBOUND.set(inbound)
    try:
        with _deadline_from(lowered.get(DEADLINE_HEADER.lower())):
            yield
    finally:
        _INBOUND.reset(token)


def _deadline_from(value: str | None) -> AbstractContextManager[object]:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return nullcontext()  # absent or malformed: the callee just has no deadline
    return deadline_scope(int(value) / 1000)


def propagate(
    headers: MutableMapping[str, str],
    explicit: Mapping[str, str] | None,
    *,
    forward_authorization: bool,
) -> None:
    """Add the propagation headers to a built request; headers the caller passed win.

    Writes into the request's headers rather than passing them to
    ``build_request``: httpx's header merging costs more than the rest of the
    pipeline put together.
    """
    given = {name.lower() for name in explicit} if explicit else ()
    if "x-request-id" not in given:
        headers[REQUEST_ID_HEADER] = get_correlation_id() or new_correlation_id()
    inbound = _INBOUND.get()
    if inbound is None:
        return
    for name, value in inbound.trace:
        if name not in given:
            headers[name] = value
    if "traceparent" in headers and "traceparent" not in given:
        forwarded = child_traceparent(headers["traceparent"])  # W3C: a fresh parent-id per hop
        if forwarded is None:
            del headers["traceparent"]
        else:
            headers["traceparent"] = forwarded
    if forward_authorization and inbound.authorization and "authorization" not in given:
        headers["Authorization"] = inbound.authorization


def inbound_authorization() -> str | None:
    """The bearer ``Authorization`` of the request being served, inside ``propagation_context``."""
    inbound = _INBOUND.get()
    return None if inbound is None else inbound.authorization


def user_agent(caller: str, version: str) -> str:
    """``User-Agent`` naming the calling service, so the callee's logs say who called."""
    return f"{caller} aurora-http/{version}"
