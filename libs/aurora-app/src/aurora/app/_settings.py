"""The knobs of the service chassis, read from ``AURORA_APP__*``.

aurora-app owns this section (no god config object): the service's ``service``
section says *who* the service is (name, version, port); these settings say *how*
the HTTP stack around it behaves. aurora-config composes it into the service's
config, so ``AURORA_APP__GZIP`` works from the environment, ``.env`` and the
secrets directory alike, and a typo in an ``AURORA_APP__`` name is reported. Every middleware layer has a
switch here so a service can drop one without forking the chassis.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, register_section

__all__ = ["PROBE_PATHS", "AppSettings", "IdempotencySettings", "RateLimitSettings"]

PROBE_PATHS: tuple[str, ...] = ("/health", "/health/live", "/health/ready", "/info")
"""Operational endpoints that are polled constantly and are neither logged nor rate limited."""


class RateLimitSettings(BaseModel):
    """The service-wide request quota, per client address, JWT subject or API key.

    ``AURORA_APP__RATE_LIMIT__ENABLED=true`` turns it on. The quota is ``limits``
    in the ``limits`` library's notation (``"100/minute;2000/hour"``: every tier
    must have room), or else ``limit`` requests per ``window_seconds``.
    ``failure_policy`` is the explicit answer to "what if Redis is down": ``open``
    lets traffic through unmetered (availability first), ``closed`` answers 503
    (protection first).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    enabled: bool = False
    """Turn the service-wide request quota on."""
    limits: str | None = Field(
        default=None, description="Tiers such as '100/minute;2000/hour'; overrides limit/window."
    )
    limit: int = Field(default=100, ge=1, description="Requests allowed per window.")
    window_seconds: int = Field(default=60, ge=1)
    """Length of the window limit counts over, in seconds."""
    strategy: Literal["moving-window", "sliding-window", "fixed-window"] = "moving-window"
    """Counting strategy: moving-window, sliding-window or fixed-window."""
    key: Literal["ip", "subject", "api_key"] = Field(
        default="ip",
        description="'subject': the verified JWT subject; 'api_key': X-API-Key; else the IP.",
    )
    backend: Literal["memory", "redis"] = "memory"
    """Where counters live: memory (one replica) or redis (shared)."""
    redis_url: str | None = Field(
        default=None,
        description="redis://, rediss:// or redis+cluster://; defaults to the config's redis.url.",
    )
    key_prefix: str = "aurora:ratelimit:"
    """Prefix of the Redis keys."""
    redis_timeout: float = Field(default=0.25, gt=0)
    """Seconds allowed for one Redis call before failure_policy applies."""
    failure_policy: Literal["open", "closed"] = "open"
    """When the backend fails: open (let traffic through) or closed (answer 503)."""
    header_style: Literal["split", "combined"] = Field(
        default="split",
        description="'split': RateLimit-Limit/-Remaining/-Reset; 'combined': RateLimit + RateLimit-Policy.",
    )
    exempt_paths: tuple[str, ...] = (*PROBE_PATHS, "/metrics")
    """Paths never rate limited (probes and metrics)."""

    @field_validator("limits")
    @classmethod
    def _limits_parse(cls, value: str | None) -> str | None:
        if value is not None:
            from limits import parse_many

            try:
                if not parse_many(value):
                    raise ValueError("no tier given")
            except ValueError as exc:
                raise ValueError(f"invalid rate limits {value!r}: {exc}") from None
        return value


class IdempotencySettings(BaseModel):
    """Server-side ``Idempotency-Key`` for POST and PATCH (on by default).

    The memory store is exact for one replica; several replicas share records
    through ``backend=redis`` (``redis_url``, default the config's ``redis.url``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    enabled: bool = True
    """Replay the response of a repeated Idempotency-Key instead of running it twice."""
    ttl_seconds: float = Field(
        default=86_400.0, gt=0, description="How long a response is replayed."
    )
    in_flight_seconds: float = Field(
        default=60.0, gt=0, description="How long a key stays reserved while its request runs."
    )
    methods: tuple[str, ...] = ("POST", "PATCH")
    """Methods an Idempotency-Key applies to."""
    backend: Literal["memory", "redis"] = "memory"
    """Where records live: memory (one replica) or redis (shared)."""
    redis_url: str | None = None
    """Redis URL of the records; the config's redis.url when empty."""
    key_prefix: str = "aurora:idempotency:"
    """Prefix of the Redis keys."""


@register_section
class AppSettings(AuroraSettings):
    """How the HTTP stack of a service behaves; env prefix ``AURORA_APP__``.

    Layers run in this fixed order, outermost first, each behind its switch:
    ``correlation_id``, ``error_handling``, ``request_logging``, ``metrics``,
    ``security_headers``, ``body_limit``, ``cors``, ``gzip``, ``rate_limit.enabled``.
    """

    model_config = SettingsConfigDict(env_prefix="AURORA_APP__")

    correlation_id: bool = True
    """Give every request a correlation id (taken from the request header or generated)."""
    correlation_header: str = "X-Request-ID"
    """Header that carries the correlation id in and out."""
    error_handling: bool = True
    """Render errors as application/problem+json (RFC 9457)."""
    request_logging: bool = True
    """Write one access-log line per request."""
    request_log_headers: tuple[str, ...] = Field(
        default=(),
        description="Request headers to include in the access log; credentials are always redacted.",
    )
    log_excluded_paths: tuple[str, ...] = (*PROBE_PATHS, "/metrics")
    """Paths left out of the access log (probes and metrics)."""
    metrics: bool = True
    """Collect Prometheus HTTP metrics and serve them."""
    metrics_path: str = "/metrics"
    """Path the Prometheus metrics are served at."""
    cors: bool = True
    """Answer CORS for the origins in AURORA_SECURITY__CORS_ORIGINS."""
    security_headers: bool = True
    """Add security headers (HSTS, nosniff, frame denial, CSP) to responses."""
    hsts_max_age: int = Field(default=31_536_000, ge=0)
    """Seconds browsers keep to HTTPS (Strict-Transport-Security max-age)."""
    gzip: bool = False
    """Compress responses with gzip when the client accepts it."""
    gzip_minimum_size: int = Field(default=1000, ge=0)
    """Smallest response body, in bytes, worth compressing."""
    body_limit: bool = True
    """Refuse request bodies larger than max_body_size with 413."""
    max_body_size: int = Field(default=10 * 1024 * 1024, ge=0)
    """Largest request body accepted, in bytes."""
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="URL plus header bytes a request may send; more is answered 431.",
    )
    body_read_timeout: float = Field(
        default=15.0,
        ge=0,
        description="Seconds a request body may stall before a 408 closes the connection; 0: never.",
    )
    request_deadline: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a request may take before it is cancelled and answered 504; 0: never.",
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="Addresses or networks of the proxies whose X-Forwarded-* headers are believed.",
    )
    rate_limit: RateLimitSettings = RateLimitSettings()
    """The request quota (AURORA_APP__RATE_LIMIT__*)."""
    idempotency: IdempotencySettings = IdempotencySettings()
    """Idempotency-Key handling (AURORA_APP__IDEMPOTENCY__*)."""
    health_cache_ttl: float = Field(default=1.0, ge=0)
    """Seconds a health report is reused before the checks run again."""
    health_check_timeout: float = Field(default=2.0, gt=0)
    """Seconds one health check may take before it counts as failed."""
    health_show_details: bool | None = None
    """Show every caller each check's output and latency; unset: in development and test only."""
    health_details_scope: str | None = None
    """A token granting this scope reads health details whatever the above says."""
    drain_seconds: float = Field(
        default=0.0,
        ge=0,
        description="After SIGTERM, report not-ready but keep serving this long before stopping.",
    )
    shutdown_timeout: float = Field(default=30.0, gt=0)
    """Seconds shutdown hooks may take in total."""
    configure_logging: bool = True
    """Let create_service configure logging from the logging section."""
    docs: bool = True
    """Serve the OpenAPI document and the interactive docs."""
    git_sha: str | None = None
    """Commit the build came from, shown by /info (else $GIT_SHA)."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies_from_text(cls, value: Any) -> Any:
        # An environment variable holds "10.0.0.0/8,192.168.1.1" more naturally than JSON.
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                return value
            return tuple(part.strip() for part in stripped.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @field_validator("correlation_header")
    @classmethod
    def _header_is_token(cls, value: str) -> str:
        if not value or not all(ch.isalnum() or ch == "-" for ch in value):
            raise ValueError("correlation_header must be a header name (letters, digits, '-')")
        return value
