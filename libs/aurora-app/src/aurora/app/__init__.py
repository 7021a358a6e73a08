"""The Aurora service chassis: one call from a config to a production-ready FastAPI app.

    from aurora.app import create_service
    from aurora.config import get_config

    service = create_service("my-service", get_config("my-service"))
    app = service.app

The app comes with correlation ids, RFC 9457 problem responses, access logs,
Prometheus metrics, CORS, security headers, health probes, lifecycle hooks, JWT
authentication and rate limiting, all as pure ASGI layers.
"""

from aurora.app._health import CheckResult, HealthRegistry, HealthReport, RegisteredCheck
from aurora.app._idempotency import (
    IdempotencyRecord,
    IdempotencyStore,
    MemoryIdempotencyStore,
    RedisIdempotencyStore,
)
from aurora.app._jwks import JwksKeySource, KeyFetchError, KeysUnavailableError
from aurora.app._keys import KeySource, SigningKey, StaticKeys
from aurora.app._lifespan import Lifecycle
from aurora.app._metrics import HTTPMetrics
from aurora.app._probes import HEALTH_CONTENT_TYPE
from aurora.app._quota import rate_limit
from aurora.app._ratelimit import (
    MemoryRateLimitBackend,
    RateLimitBackend,
    RateLimitDecision,
    RateLimiterUnavailableError,
    RateLimitPolicy,
    RedisRateLimitBackend,
)
from aurora.app._routing import ServiceRoute, ServiceRouter
from aurora.app._runner import main, server_options
from aurora.app._security import (
    CurrentPrincipal,
    InsufficientRoleError,
    InsufficientScopeError,
    InvalidTokenError,
    Principal,
    TokenVerifier,
    authenticate,
    require_roles,
    require_scopes,
)
from aurora.app._security_settings import JwtAlgorithm, SecuritySettings
from aurora.app._service import Service, create_service
from aurora.app._settings import AppSettings, IdempotencySettings, RateLimitSettings
from aurora.app.middleware._deadline import deadline, remaining_seconds
from aurora.utils import HealthCheck

__all__ = [
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
