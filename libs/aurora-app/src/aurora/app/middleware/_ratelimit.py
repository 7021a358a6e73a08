"""Layer 11: per-client request quotas with IETF ``RateLimit`` headers.

Clients are told where they stand on every response, in either form of the
IETF httpapi draft: ``RateLimit-Limit``/``-Remaining``/``-Reset`` (``split``) or
``RateLimit`` + ``RateLimit-Policy`` (``combined``). Over the quota they get a
429 problem with ``Retry-After``. When the quota store is down the configured
failure policy applies: ``open`` serves the request unmetered, ``closed``
answers 503. Either way the outage is logged, at most once a minute. The
judging itself is :class:`~aurora.app._quota.QuotaGuard`'s, shared with the
per-route :func:`~aurora.app.rate_limit` dependency.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurora.app._problems import send_problem
from aurora.app._quota import KeyKind, QuotaGuard, RateLimitMetrics
from aurora.app._ratelimit import RateLimitBackend, RateLimitPolicy
from aurora.app._security import TokenVerifier
from aurora.errors import AuroraError

__all__ = ["RateLimitMiddleware"]


class RateLimitMiddleware:
    """Count each request against its client's quota and enforce it.

    Args:
        app: The wrapped ASGI app.
        backend: Where counts live (memory or Redis).
        policy: The tiers every request counts against.
        key: ``ip`` (the client address), ``subject`` (the verified JWT ``sub``,
            else the IP) or ``api_key`` (the ``X-API-Key`` header, hashed, else the IP).
        verifier: Verifies bearer tokens for ``subject`` keys.
        failure_policy: ``open`` or ``closed`` when the backend is unreachable.
        header_style: ``split`` or ``combined`` RateLimit headers.
        exempt_paths: Exact paths never limited (probes, metrics).
        metrics: Counts allowed, limited and unmetered requests.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        backend: RateLimitBackend,
        policy: RateLimitPolicy,
        key: KeyKind = "ip",
        verifier: TokenVerifier | None = None,
        failure_policy: Literal["open", "closed"] = "open",
        header_style: Literal["split", "combined"] = "split",
        exempt_paths: Iterable[str] = (),
        metrics: RateLimitMetrics | None = None,
    ) -> None:
        self.app = app
        self._exempt = frozenset(exempt_paths)
        self._guard = QuotaGuard(
            backend=backend,
            policy=policy,
            key=key,
            verifier=verifier,
            failure_policy=failure_policy,
            header_style=header_style,
            metrics=metrics,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._exempt:
            await self.app(scope, receive, send)
            return
        try:
            headers = await self._guard.check(scope)
        except AuroraError as exc:
            await send_problem(send, exc, scope.get("path"))
            return
        if not headers:
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_quota)
