"""Judging one request against a rate-limit policy: whose quota, what headers, what metrics.

Shared by the service-wide layer (:class:`~aurora.app.middleware.RateLimitMiddleware`)
and the per-route dependency :func:`rate_limit`, so both key, count, answer and
report the same way:

* the key is the client address (``ip``; the real one behind trusted proxies), the
  verified JWT subject (``subject``) or the ``X-API-Key`` header (``api_key``,
  hashed so keys never sit in Redis); the last two fall back to the address;
* a refused request is a 429 problem with ``Retry-After`` and the RateLimit headers;
* an unreachable store follows the failure policy (``open``: unmetered, ``closed``:
  503), logged at most once a minute;
* ``aurora_rate_limit_requests_total{policy, outcome}`` counts ``allowed``,
  ``limited`` and ``unmetered`` requests.
"""

from __future__ import annotations

import hashlib
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from aurora.app._callers import client_address, verified_principal
from aurora.app._ratelimit import (
    RateLimitBackend,
    RateLimitDecision,
    RateLimiterUnavailableError,
    RateLimitPolicy,
)
from aurora.app._security import TokenVerifier
from aurora.errors import RateLimitedError
from aurora.logging import get_logger

__all__ = ["KeyKind", "QuotaGuard", "RateLimitMetrics", "rate_limit"]

KeyKind = Literal["ip", "subject", "api_key"]
Header = tuple[bytes, bytes]
_OUTAGE_LOG_INTERVAL = 60.0


class RateLimitMetrics:
    """``aurora_rate_limit_requests_total`` by policy and outcome, in the app's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "aurora_rate_limit_requests",
            "Requests judged by a rate-limit policy, by outcome (allowed, limited, unmetered).",
            ["policy", "outcome"],
            registry=registry,
        )

    def count(self, policy: str, outcome: str) -> None:
        """Count one request of ``policy`` with ``outcome``."""
        self._requests.labels(policy, outcome).inc()


class QuotaGuard:
    """One policy, its backend and how it answers; ``check`` judges a request."""

    def __init__(
        self,
        *,
        backend: RateLimitBackend,
        policy: RateLimitPolicy,
        key: KeyKind = "ip",
        verifier: TokenVerifier | None = None,
        failure_policy: Literal["open", "closed"] = "open",
        header_style: Literal["split", "combined"] = "split",
        metrics: RateLimitMetrics | None = None,
    ) -> None:
        self._backend = backend
        self.policy = policy
        self._key = key
        self._verifier = verifier
        self._fail_open = failure_policy == "open"
        self._combined = header_style == "combined"
        self._policy_header = policy.header().encode("latin-1")
        self._metrics = metrics
        self._last_outage_log = -math.inf

    async def check(self, scope: Scope) -> list[Header]:
        """The RateLimit headers for an allowed request (``[]`` when unmetered).

        Raises:
            RateLimitedError: Over the quota; its ``headers`` are the RateLimit ones.
            RateLimiterUnavailableError: The store is down and the policy is ``closed``.
        """
        try:
            decision = await self._backend.hit(self.policy, self.client_key(scope))
        except RateLimiterUnavailableError as exc:
            self._log_outage(exc)
            self._count("unmetered")
            if self._fail_open:
                return []
            raise
        headers = self._headers(decision)
        if not decision.allowed:
            self._count("limited")
            error = RateLimitedError(retry_after=max(1, math.ceil(decision.reset_after)))
            # problem_headers() sends an error's own ``headers``, on either path.
            error.headers = {  # type: ignore[attr-defined]
                name.decode("latin-1"): value.decode("latin-1") for name, value in headers
            }
            try:
                raise error
            finally:  # the traceback holds this frame: a local naming the error is a cycle
                del error
        self._count("allowed")
        return headers

    def client_key(self, scope: Scope) -> str:
        """Whose quota the request counts against."""
        if self._key == "subject":
            principal = verified_principal(scope, self._verifier)
            if principal is not None:
                return "sub:" + principal.subject
        elif self._key == "api_key":
            for name, value in scope["headers"]:
                if name == b"x-api-key" and value:
                    return "key:" + hashlib.sha256(value).hexdigest()[:32]
        return "ip:" + client_address(scope)

    def _headers(self, decision: RateLimitDecision) -> list[Header]:
        reset = str(math.ceil(decision.reset_after)).encode("latin-1")
        remaining = str(decision.remaining).encode("latin-1")
        if self._combined:
            name = self.policy.name.encode("latin-1")
            return [
                (b"ratelimit-policy", self._policy_header),
                (b"ratelimit", b'"' + name + b'";r=' + remaining + b";t=" + reset),
            ]
        return [
            (b"ratelimit-limit", str(decision.limit).encode("latin-1")),
            (b"ratelimit-remaining", remaining),
            (b"ratelimit-reset", reset),
        ]

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.count(self.policy.name, outcome)

    def _log_outage(self, exc: RateLimiterUnavailableError) -> None:
        now = time.monotonic()
        if now - self._last_outage_log < _OUTAGE_LOG_INTERVAL:
            return
        self._last_outage_log = now
        get_logger("aurora.app.ratelimit").warning(
            "rate_limiter_unavailable",
            policy=self.policy.name,
            failure_policy="open" if self._fail_open else "closed",
            error_type=type(exc.__cause__ or exc).__qualname__,
        )


def rate_limit(
    limits: str, *, key: KeyKind = "ip", name: str | None = None
) -> Callable[[Request, Response], Awaitable[None]]:
    """A dependency limiting one route (or router) on top of the service-wide quota.

        @app.post("/search", dependencies=[Depends(rate_limit("5/second;100/minute"))])

    Tiers are in ``limits``' notation. The counts live in the service's backend
    (``rate_limit.backend``, memory or Redis) under the policy's ``name`` (the
    limits text by default), and the failure policy and header style are the
    service's. Over any tier: a 429 problem with ``Retry-After``.
    """
    policy = RateLimitPolicy.parse(name or limits.replace(" ", ""), limits)
    guards: weakref.WeakKeyDictionary[Any, QuotaGuard] = weakref.WeakKeyDictionary()

    async def enforce_rate_limit(request: Request, response: Response) -> None:
        service: Any = request.app.state.aurora_service
        guard = guards.get(service)
        if guard is None:
            guard = guards[service] = service.quota_guard(policy, key=key)
        for header, value in await guard.check(request.scope):
            response.headers[header.decode("latin-1")] = value.decode("latin-1")

    return enforce_rate_limit
