"""The public API cannot grow or shrink by accident."""

from __future__ import annotations

import aurora.app
import aurora.app.middleware

EXPECTED = [
    "HEALTH_CONTENT_TYPE",
    "AppSettings",
    "CheckResult",
    "CurrentPrincipal",
    "HTTPMetrics",
    "HealthCheck",
    "HealthRegistry",
    "HealthReport",
    "InsufficientRoleError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "JwksKeySource",
    "KeyFetchError",
    "KeySource",
    "KeysUnavailableError",
    "Lifecycle",
    "MemoryRateLimitBackend",
    "Principal",
    "RateLimitBackend",
    "RateLimitDecision",
    "RateLimitSettings",
    "RateLimiterUnavailableError",
    "RedisRateLimitBackend",
    "Service",
    "SigningKey",
    "StaticKeys",
    "TokenVerifier",
    "authenticate",
    "create_service",
    "main",
    "require_roles",
    "require_scopes",
]

EXPECTED_MIDDLEWARE = [
    "DEFAULT_SECURITY_HEADERS",
    "EXPOSED_HEADERS",
    "SENSITIVE_HEADERS",
    "UNMATCHED",
    "AccessLog",
    "BodyLimit",
    "CorrelationIds",
    "RateLimitMiddleware",
    "SecurityHeaders",
    "ServiceMiddleware",
    "UnhandledErrors",
    "cors_middleware",
    "fast_correlation_id",
    "route_template",
]


def test_public_api() -> None:
    assert aurora.app.__all__ == EXPECTED


def test_middleware_api() -> None:
    assert aurora.app.middleware.__all__ == EXPECTED_MIDDLEWARE


def test_all_names_resolve() -> None:
    for module in (aurora.app, aurora.app.middleware):
        for name in module.__all__:
            assert getattr(module, name) is not None
