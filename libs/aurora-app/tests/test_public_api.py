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
    "IdempotencyRecord",
    "IdempotencySettings",
    "IdempotencyStore",
    "InsufficientRoleError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "JwksKeySource",
    "JwtAlgorithm",
    "KeyFetchError",
    "KeySource",
    "KeysUnavailableError",
    "Lifecycle",
    "MemoryIdempotencyStore",
    "MemoryRateLimitBackend",
    "Principal",
    "RateLimitBackend",
    "RateLimitDecision",
    "RateLimitPolicy",
    "RateLimitSettings",
    "RateLimiterUnavailableError",
    "RedisIdempotencyStore",
    "RedisRateLimitBackend",
    "RegisteredCheck",
    "SecuritySettings",
    "Service",
    "ServiceRoute",
    "ServiceRouter",
    "SigningKey",
    "StaticKeys",
    "TokenVerifier",
    "authenticate",
    "create_service",
    "deadline",
    "main",
    "rate_limit",
    "remaining_seconds",
    "require_roles",
    "require_scopes",
    "server_options",
]

EXPECTED_MIDDLEWARE = [
    "DEADLINE_SCOPE_KEY",
    "DEFAULT_SECURITY_HEADERS",
    "EXPOSED_HEADERS",
    "SENSITIVE_HEADERS",
    "UNMATCHED",
    "AccessLog",
    "BodyLimit",
    "CorrelationIds",
    "Deadline",
    "DeadlineClock",
    "DeadlineMiddleware",
    "IdempotencyMiddleware",
    "RateLimitMiddleware",
    "SecurityHeaders",
    "ServiceMiddleware",
    "TrustedProxies",
    "UnhandledErrors",
    "cors_middleware",
    "deadline",
    "fast_correlation_id",
    "parse_networks",
    "remaining_seconds",
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
