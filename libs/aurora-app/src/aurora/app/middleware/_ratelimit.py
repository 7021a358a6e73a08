"""Layer 5d: per-client request quotas with IETF ``RateLimit`` headers.

Clients are told where they stand on every response, in either form of the
IETF httpapi draft: ``RateLimit-Limit``/``-Remaining``/``-Reset`` (``split``) or
``RateLimit`` + ``RateLimit-Policy`` (``combined``). Over the quota they get a
429 problem with ``Retry-After``. When the quota store is down the configured
failure policy applies: ``open`` serves the request unmetered, ``closed``
answers 503. Either way the outage is logged, at most once per window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurora.app._problems import send_problem
from aurora.app._ratelimit import RateLimitBackend, RateLimitDecision, RateLimiterUnavailableError
from aurora.app._security import PRINCIPAL_SCOPE_KEY, InvalidTokenError, TokenVerifier
from aurora.errors import RateLimitedError
from aurora.logging import get_logger

__all__ = ["RateLimitMiddleware"]

Header = tuple[bytes, bytes]


class RateLimitMiddleware:
    """Count each request against its client's quota and enforce it.

    Args:
        app: The wrapped ASGI app.
        backend: Where counts live (memory or Redis).
        limit: Requests allowed per window.
        window: Window length in seconds.
        key: ``ip`` or ``subject`` (the verified JWT ``sub``, else the IP).
        verifier: Verifies bearer tokens for ``subject`` keys.
        failure_policy: ``open`` or ``closed`` when the backend is unreachable.
        header_style: ``split`` or ``combined`` RateLimit headers.
        exempt_paths: Exact paths never limited (probes, metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        backend: RateLimitBackend,
        limit: int,
        window: int,
        key: Literal["ip", "subject"] = "ip",
        verifier: TokenVerifier | None = None,
        failure_policy: Literal["open", "closed"] = "open",
        header_style: Literal["split", "combined"] = "split",
        exempt_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._backend = backend
        self._limit = limit
        self._window = window
        self._by_subject = key == "subject" and verifier is not None
        self._verifier = verifier
        self._fail_open = failure_policy == "open"
        self._combined = header_style == "combined"
        self._exempt = frozenset(exempt_paths)
        self._policy = f'"default";q={limit};w={window}'.encode("latin-1")
        self._logger: Any = None
        self._last_outage_log = -math.inf

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._exempt:
            await self.app(scope, receive, send)
            return
        try:
            decision = await self._backend.hit(self._client_key(scope), self._limit, self._window)
        except RateLimiterUnavailableError as exc:
            self._log_outage(exc)
            if self._fail_open:
                await self.app(scope, receive, send)
            else:
                await send_problem(send, exc, scope.get("path"))
            return
        headers = self._headers(decision)
        if not decision.allowed:
            error = RateLimitedError(retry_after=math.ceil(decision.reset_after))
            await send_problem(send, error, scope.get("path"), headers)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_quota)

    def _client_key(self, scope: Scope) -> str:
        if self._by_subject:
            subject = self._subject(scope)
            if subject is not None:
                return "sub:" + subject
        client = scope.get("client")
        return "ip:" + (client[0] if client else "unknown")

    def _subject(self, scope: Scope) -> str | None:
        assert self._verifier is not None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token:
                    return None
                try:
                    principal = self._verifier.verify(token.strip())
                except InvalidTokenError:
                    return None  # the route's own auth answers 401; meter it by IP
                scope[PRINCIPAL_SCOPE_KEY] = principal  # spare the route a second verification
                return principal.subject
        return None

    def _headers(self, decision: RateLimitDecision) -> list[Header]:
        reset = str(math.ceil(decision.reset_after)).encode("latin-1")
        remaining = str(decision.remaining).encode("latin-1")
        if self._combined:
            return [
                (b"ratelimit-policy", self._policy),
                (b"ratelimit", b'"default";r=' + remaining + b";t=" + reset),
            ]
        return [
            (b"ratelimit-limit", str(decision.limit).encode("latin-1")),
            (b"ratelimit-remaining", remaining),
            (b"ratelimit-reset", reset),
        ]

    def _log_outage(self, exc: RateLimiterUnavailableError) -> None:
        now = time.monotonic()
        if now - self._last_outage_log < self._window:
            return
        self._last_outage_log = now
        if self._logger is None:
            self._logger = get_logger("aurora.app.ratelimit")
        self._logger.warning(
            "rate_limiter_unavailable",
            failure_policy="open" if self._fail_open else "closed",
            error_type=type(exc.__cause__ or exc).__qualname__,
        )
