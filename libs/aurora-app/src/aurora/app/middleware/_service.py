"""The service middleware: stages 1-7 of the stack in one pure-ASGI frame.

The stages run in this fixed order, outermost first, each behind its switch:

1. correlation id (``_correlation.py``): resolved, bound for logs, echoed on the
   response, 500s included;
2. error handling (``_errors.py``): an escaped exception is logged once and
   becomes a generic 500 problem;
3. request logging (``_logging.py``): one line per request with the final status;
4. metrics (``aurora.app._metrics``): count and latency by route template;
5. security headers (``_security_headers.py``);
6. request body limit (``_body_limit.py``): 413 for oversized bodies;
7. request deadline (``_deadline.py``): 504 and cancellation past it, answered
   through the stages above, so the 504 is logged, counted and carries the headers.

They share one frame and one ``send`` wrapper on purpose. As separate
middlewares each stage costs a coroutine frame and a wrapper closure called for
every message, and measured, those were most of the stack's overhead. The
semantics are those of nested layers: the error stage's 500 carries the
correlation header and is what logging and metrics record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurora.app._metrics import HTTPMetrics
from aurora.app._problems import send_problem
from aurora.app.middleware._body_limit import BodyLimit
from aurora.app.middleware._correlation import CorrelationIds
from aurora.app.middleware._deadline import DEADLINE_SCOPE_KEY, DeadlineClock
from aurora.app.middleware._errors import UnhandledErrors
from aurora.app.middleware._idempotency import IdempotencyMiddleware
from aurora.app.middleware._logging import AccessLog
from aurora.app.middleware._routes import route_template
from aurora.app.middleware._security_headers import SecurityHeaders
from aurora.app.middleware._tracing import NO_SPAN, RequestSpan, ServerSpans
from aurora.logging import correlation_id_var

__all__ = ["ServiceMiddleware"]

Headers = list[tuple[bytes, bytes]]


class ServiceMiddleware:
    """Stages 1-7 of the Aurora stack; leave a stage's argument ``None`` to switch it off.

    Args:
        app: The wrapped ASGI app.
        correlation: Correlation-id policy.
        errors: Whether escaped exceptions become 500 problems.
        access_log: The access log.
        metrics: The collectors to record requests in.
        metrics_excluded_paths: Exact paths not recorded (the scrape endpoint).
        security_headers: Hardening headers policy.
        body_limit: Request body size policy.
        deadline: The request deadline's clock.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        correlation: CorrelationIds | None = None,
        errors: bool = True,
        access_log: AccessLog | None = None,
        metrics: HTTPMetrics | None = None,
        metrics_excluded_paths: tuple[str, ...] = (),
        security_headers: SecurityHeaders | None = None,
        body_limit: BodyLimit | None = None,
        deadline: DeadlineClock | None = None,
    ) -> None:
        self.app = app
        # Idempotency keys apply to a few methods: other requests skip that layer's frame.
        self._keyed: IdempotencyMiddleware | None = None
        self._unkeyed = app
        if isinstance(app, IdempotencyMiddleware):
            self._keyed, self._unkeyed = app, app.app
        self._correlation = correlation
        self._errors = UnhandledErrors() if errors else None
        self._access_log = access_log
        self._log_excluded = access_log.excluded_paths if access_log else frozenset()
        self._metrics = metrics
        self._metrics_excluded = frozenset(metrics_excluded_paths)
        self._security_headers = security_headers
        self._guarded = security_headers.names if security_headers else frozenset()
        self._hardening_headers = security_headers.for_scope if security_headers else _none
        self._body_limit = body_limit
        self._deadline = deadline
        self._spans = ServerSpans()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        added = self._hardening_headers(scope)
        correlation_id = token = None
        request_headers = dict(scope["headers"])  # read by stages 1 and 6
        if self._correlation is not None:
            correlation_id, raw_id = self._correlation.resolve(request_headers)
            added = (*added, (self._correlation.header, raw_id))
            # What bind_correlation_id() does, without its scope object's three calls.
            token = correlation_id_var.set(correlation_id)
        path = scope["path"]
        metrics = self._metrics if path not in self._metrics_excluded else None
        root_path = scope.get("root_path", "")
        status = 0  # 0: no response started yet
        guarded = self._guarded
        span = self._spans.begin(scope)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if added:
                    message["headers"] = _merge(message.get("headers", ()), added, guarded)
            await send(message)

        # Stage 6 decides before anything runs: the app with its receive, or a 413.
        app, guarded_receive = self._target(scope, request_headers, receive)
        try:
            with span:
                if metrics is not None:
                    metrics.in_flight += 1
                try:
                    if guarded_receive is None:
                        await self._refuse_body(send_wrapper, path)
                    elif self._deadline is None:
                        await app(scope, guarded_receive, send_wrapper)
                    else:  # stage 7 in this frame: a coroutine of its own cost every request one
                        state = self._deadline.start(send_wrapper, path)
                        scope[DEADLINE_SCOPE_KEY] = state
                        try:
                            await app(scope, guarded_receive, send_wrapper)
                        except asyncio.CancelledError:
                            if not state.cancelled_by_us():
                                raise
                            await state.answered()  # its 504 went through send_wrapper
                        finally:
                            state.cancel()
                except Exception as exc:
                    if self._errors is None:
                        raise
                    await self._answer_error(scope, exc, status, send_wrapper, path)
                finally:
                    # status 0: raised before responding, so the client got the error stage's 500
                    self._observe(
                        scope, root_path, metrics, status or 500, start, correlation_id, span
                    )
        finally:
            if token is not None:
                correlation_id_var.reset(token)

    def _target(
        self, scope: Scope, request_headers: dict[bytes, bytes], receive: Receive
    ) -> tuple[ASGIApp, Receive | None]:
        """What handles the request and the ``receive`` it reads from (``None``: answer 413)."""
        app = self._unkeyed
        if self._keyed is not None and scope["method"] in self._keyed.methods:
            app = self._keyed
        if self._body_limit is None:
            return app, receive
        return app, self._body_limit.guard(scope, request_headers, receive)

    async def _answer_error(
        self, scope: Scope, exc: Exception, status: int, send: Send, path: str
    ) -> None:
        """Stage 2: log the escaped exception once; answer 500 unless a response started."""
        assert self._errors is not None
        self._errors.report(scope, exc, response_started=status != 0)
        if status == 0:
            await send_problem(send, self._errors.client_error(), path)
        # Once the response started there is nothing valid left to send; returning
        # lets the server close the connection without logging a second traceback.

    async def _refuse_body(self, send: Send, path: str) -> None:
        assert self._body_limit is not None
        await send_problem(send, self._body_limit.error(), path)

    def _observe(
        self,
        scope: Scope,
        root_path: str,
        metrics: HTTPMetrics | None,
        status: int,
        start: float,
        correlation_id: str | None,
        span: RequestSpan,
    ) -> None:
        seconds = perf_counter() - start
        trace_ids = None
        if span is not NO_SPAN:
            span.finish(status)
            trace_ids = span.trace_ids()
        route = None
        if metrics is not None:
            metrics.in_flight -= 1
            route = route_template(scope, root_path)
            metrics.observe(scope["method"], route, status, seconds, trace_ids)
        if self._access_log is not None and scope["path"] not in self._log_excluded:
            route = route or route_template(scope, root_path)
            self._access_log.emit(
                scope, route, status, seconds, correlation_id, trace_ids=trace_ids
            )


def _none(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """No hardening headers (stage 5 switched off)."""
    return ()


def _merge(
    headers: Iterable[tuple[bytes, bytes]],
    added: tuple[tuple[bytes, bytes], ...],
    guarded: frozenset[bytes],
) -> Headers:
    """The response headers plus ``added``, minus hardening headers the app set itself.

    Always a new list: the app's may be a reused Response's own ``raw_headers``.
    """
    headers = list(headers)
    for name, _ in headers:
        if name in guarded:
            present = {existing for existing, _ in headers}
            headers.extend(item for item in added if item[0] not in present)
            return headers
    headers.extend(added)
    return headers
