"""The middleware stack, in its one documented order.

Outermost first:

1. correlation id: so every response, the error stage's 500 included, echoes it;
2. error handling: anything escaping below becomes a generic 500 problem;
3. request logging: sees the final status, 500s included;
4. metrics: counts what clients actually got;
5. security headers;
6. request body limit: a declared oversized body is refused before anything reads it;
7. request deadline: 504 and cancellation past ``request_deadline``;
8. trusted proxies: the real client address, before anything reads it;
9. CORS; 10. GZip; 11. rate limiting; 12. idempotency keys (inside the limiter,
   so retries still count).

Stages 1-7 share one frame (``ServiceMiddleware``, see why there); 8-12 are
separate layers, present only when configured. Deadline and rate limiting sit
inside logging and metrics, so 504s and 429s are logged and counted. A stage
switched off costs nothing. (Header size and body-read time are bounded below
the app, in the server protocol: ``_http_protocol.py``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from aurora.app._idempotency import IdempotencyStore
from aurora.app._metrics import HTTPMetrics
from aurora.app._quota import RateLimitMetrics
from aurora.app._ratelimit import RateLimitBackend, RateLimitPolicy
from aurora.app._security import TokenVerifier
from aurora.app._settings import AppSettings
from aurora.app.middleware import (
    AccessLog,
    BodyLimit,
    CorrelationIds,
    DeadlineClock,
    IdempotencyMiddleware,
    RateLimitMiddleware,
    SecurityHeaders,
    ServiceMiddleware,
    TrustedProxies,
    cors_middleware,
)

__all__ = ["StackParts", "access_log_for", "build_middleware"]

_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")


@dataclass(frozen=True, slots=True)
class StackParts:
    """The collaborators some layers need, built by ``create_service``."""

    metrics: HTTPMetrics | None = None
    access_log: AccessLog | None = None
    verifier: TokenVerifier | None = None
    rate_limit_backend: RateLimitBackend | None = None
    rate_limit_metrics: RateLimitMetrics | None = None
    idempotency_store: IdempotencyStore | None = None
    cors_origins: Sequence[str] = ()
    cors_allow_credentials: bool = False


def access_log_for(settings: AppSettings) -> AccessLog | None:
    """The access log the settings ask for (built apart so shutdown can flush it)."""
    if not settings.request_logging:
        return None
    return AccessLog(
        excluded_paths=settings.log_excluded_paths, headers=settings.request_log_headers
    )


def build_middleware(settings: AppSettings, parts: StackParts) -> list[Middleware]:
    """The enabled layers as Starlette ``Middleware`` entries, outermost first."""
    service = Middleware(
        ServiceMiddleware,
        correlation=(
            CorrelationIds(settings.correlation_header) if settings.correlation_id else None
        ),
        errors=settings.error_handling,
        access_log=parts.access_log if settings.request_logging else None,
        metrics=parts.metrics if settings.metrics else None,
        metrics_excluded_paths=(settings.metrics_path,),
        security_headers=(
            SecurityHeaders(hsts_max_age=settings.hsts_max_age, csp_exempt_paths=_DOCS_PATHS)
            if settings.security_headers
            else None
        ),
        body_limit=BodyLimit(settings.max_body_size) if settings.body_limit else None,
        deadline=(
            DeadlineClock(settings.request_deadline) if settings.request_deadline > 0 else None
        ),
    )
    return [service, *_edge_layers(settings, parts)]


def _edge_layers(settings: AppSettings, parts: StackParts) -> list[Middleware]:
    layers: list[Middleware] = []
    if settings.trusted_proxies:
        layers.append(Middleware(TrustedProxies, networks=settings.trusted_proxies))
    if settings.cors and parts.cors_origins:
        layers.append(
            cors_middleware(parts.cors_origins, allow_credentials=parts.cors_allow_credentials)
        )
    if settings.gzip:
        layers.append(Middleware(GZipMiddleware, minimum_size=settings.gzip_minimum_size))
    limits = settings.rate_limit
    if limits.enabled and parts.rate_limit_backend is not None:
        layers.append(
            Middleware(
                RateLimitMiddleware,
                backend=parts.rate_limit_backend,
                policy=(
                    RateLimitPolicy.parse("default", limits.limits)
                    if limits.limits
                    else RateLimitPolicy.of("default", limits.limit, limits.window_seconds)
                ),
                key=limits.key,
                verifier=parts.verifier,
                failure_policy=limits.failure_policy,
                header_style=limits.header_style,
                exempt_paths=limits.exempt_paths,
                metrics=parts.rate_limit_metrics,
            )
        )
    keys = settings.idempotency
    if keys.enabled and parts.idempotency_store is not None:
        layers.append(
            Middleware(
                IdempotencyMiddleware,
                store=parts.idempotency_store,
                ttl=keys.ttl_seconds,
                in_flight_ttl=keys.in_flight_seconds,
                methods=keys.methods,
                verifier=parts.verifier,
            )
        )
    return layers
