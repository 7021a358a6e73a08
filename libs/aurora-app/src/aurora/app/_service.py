"""``create_service``: one call from a name and a config to a production-ready FastAPI app.

The :class:`Service` owns the app and the pieces around it (health checks,
lifecycle hooks, metrics, token verification, rate limiting). Databases, HTTP
clients and event consumers plug in through two small protocols, a health check
(an async callable) and a lifecycle hook (any callable), so this lib never
imports them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from aurora.app._health import HealthCheckFn, HealthRegistry
from aurora.app._idempotency import IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore
from aurora.app._keys import KeySource
from aurora.app._lifespan import Hook, Lifecycle
from aurora.app._metrics import HTTPMetrics
from aurora.app._openapi import install_problem_openapi
from aurora.app._probes import HealthDetails, ServiceInfo, install_probes, move_probes_last
from aurora.app._problems import (
    aurora_error_handler,
    http_exception_handler,
    validation_error_handler,
)
from aurora.app._quota import KeyKind, QuotaGuard, RateLimitMetrics
from aurora.app._ratelimit import (
    MemoryRateLimitBackend,
    RateLimitBackend,
    RateLimitPolicy,
    RedisRateLimitBackend,
)
from aurora.app._routing import ServiceRoute
from aurora.app._runner import serve
from aurora.app._security import TokenVerifier
from aurora.app._security_settings import SecuritySettings
from aurora.app._settings import AppSettings
from aurora.app._stack import StackParts, access_log_for, build_middleware
from aurora.app.middleware._tracing import FASTAPI_TELEMETRY_OFF
from aurora.config import ServiceConfig, get_config
from aurora.errors import AuroraError
from aurora.logging import LoggingSettings, setup_logging

__all__ = ["Service", "create_service"]

H = TypeVar("H", bound=Hook)


class Service:
    """A running service's app and operational parts; build it with :func:`create_service`.

    Attributes:
        name: The service name.
        config: Its ``ServiceConfig``.
        settings: The ``AppSettings`` the stack was built from.
        app: The FastAPI application (give it to uvicorn, add routes to it).
        health: The readiness checks.
        lifecycle: The startup and shutdown hooks and the draining flag.
        metrics: The Prometheus collectors, or ``None`` when metrics are off.
        idempotency_store: Where ``Idempotency-Key`` responses live, or ``None``.
        token_verifier: Verifies bearer tokens, or ``None`` without JWT keys.
    """

    def __init__(
        self,
        name: str,
        config: ServiceConfig,
        settings: AppSettings,
        *,
        token_verifier: TokenVerifier | None,
        rate_limit_backend: RateLimitBackend | None,
        metrics_registry: CollectorRegistry | None,
        info: Mapping[str, Any] | None = None,
        idempotency_store: IdempotencyStore | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.settings = settings
        self.token_verifier = token_verifier
        self.health = HealthRegistry(
            cache_ttl=settings.health_cache_ttl, default_timeout=settings.health_check_timeout
        )
        self.lifecycle = Lifecycle(hook_timeout=settings.shutdown_timeout)
        self.metrics = HTTPMetrics(metrics_registry) if settings.metrics else None
        if token_verifier is not None:
            self._plug_key_source(token_verifier.keys)
        self._rate_limit_backend = rate_limit_backend
        if rate_limit_backend is not None:
            self.lifecycle.on_shutdown(rate_limit_backend.aclose)
        self._rate_limit_metrics = RateLimitMetrics(self.metrics.registry) if self.metrics else None
        self.idempotency_store = idempotency_store
        if idempotency_store is not None and hasattr(idempotency_store, "aclose"):
            self.lifecycle.on_shutdown(idempotency_store.aclose)
        self._access_log = access_log_for(settings)
        if self._access_log is not None:
            # Registered before any service hook, so it runs after them all and the
            # lines of the last requests (and of the hooks) are written.
            self.lifecycle.on_shutdown(self._access_log.flush)
        self.app = self._build_app(info)

    def _plug_key_source(self, keys: KeySource) -> None:
        # A fetching key source refreshes in the background and reports on readiness;
        # start-up does not wait for its first fetch.
        for name, check, critical in keys.health_checks():
            self.health.add(name, check, critical=critical)
        self.lifecycle.on_startup(keys.start)
        self.lifecycle.on_shutdown(keys.aclose)

    def _build_app(self, info: Mapping[str, Any] | None) -> FastAPI:
        section = self.config.service
        security = self.config.section(SecuritySettings)
        parts = StackParts(
            metrics=self.metrics,
            access_log=self._access_log,
            verifier=self.token_verifier,
            rate_limit_backend=self._rate_limit_backend,
            rate_limit_metrics=self._rate_limit_metrics,
            idempotency_store=self.idempotency_store,
            cors_origins=tuple(security.cors_origins),
            cors_allow_credentials=security.cors_allow_credentials,
        )
        docs = self.settings.docs
        app = _ServiceApp(
            title=section.title or self.name,
            version=section.version,
            description=section.description,
            lifespan=self.lifecycle.lifespan,
            telemetry=FASTAPI_TELEMETRY_OFF,  # the stack makes the server spans
            middleware=build_middleware(self.settings, parts),
            exception_handlers=_exception_handlers() if self.settings.error_handling else None,
            docs_url="/docs" if docs else None,
            redoc_url="/redoc" if docs else None,
            openapi_url="/openapi.json" if docs else None,
        )
        app.state.aurora_service = self
        app.state.aurora_token_verifier = self.token_verifier
        install_probes(
            app,
            health=self.health,
            lifecycle=self.lifecycle,
            info=self._info(info),
            details=self._health_details(),
            metrics=self.metrics,
            metrics_path=self.settings.metrics_path,
        )
        if self.settings.error_handling:
            install_problem_openapi(app)
        return app

    def _health_details(self) -> HealthDetails:
        everyone = self.settings.health_show_details
        if everyone is None:  # the default: details where nobody outside looks
            everyone = str(self.config.service.environment) in ("development", "test")
        return HealthDetails(everyone=everyone, scope=self.settings.health_details_scope)

    def _info(self, extra: Mapping[str, Any] | None) -> ServiceInfo:
        section = self.config.service
        extra = dict(extra or {})
        return ServiceInfo(
            name=self.name,
            title=section.title or self.name,
            version=str(extra.get("version", section.version)),
            environment=str(section.environment),
            description=section.description,
            git_sha=self.settings.git_sha or extra.get("git_sha") or os.environ.get("GIT_SHA"),
        )

    def add_health_check(
        self,
        name: str,
        check: HealthCheckFn | Callable[[], Any],
        *,
        critical: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Register a readiness check: an async callable returning details or raising.

        Args:
            name: Shown in health reports.
            check: ``async def check() -> Mapping | None``; raising means unhealthy.
            critical: A failing critical check makes ``/health/ready`` answer 503;
                an optional one only turns the report to ``warn``.
            timeout: Seconds before the check counts as failed (default from settings).
        """
        self.health.add(name, check, critical=critical, timeout=timeout)

    def on_startup(self, fn: H) -> H:
        """Run ``fn`` (sync or async) at startup, in registration order. Usable as a decorator."""
        return self.lifecycle.on_startup(fn)

    def on_shutdown(self, fn: H) -> H:
        """Run ``fn`` (sync or async) at shutdown, in reverse registration order. A decorator too."""
        return self.lifecycle.on_shutdown(fn)

    def quota_guard(self, policy: RateLimitPolicy, *, key: KeyKind = "ip") -> QuotaGuard:
        """A judge of ``policy`` on this service's rate-limit backend (what ``rate_limit()`` uses).

        The backend is the one ``settings.rate_limit`` chooses, built on first use
        when service-wide limiting is off; failure policy and header style are the
        service's.
        """
        limits = self.settings.rate_limit
        return QuotaGuard(
            backend=self._quota_backend(),
            policy=policy,
            key=key,
            verifier=self.token_verifier,
            failure_policy=limits.failure_policy,
            header_style=limits.header_style,
            metrics=self._rate_limit_metrics,
        )

    def _quota_backend(self) -> RateLimitBackend:
        if self._rate_limit_backend is None:
            self._rate_limit_backend = _default_backend(self.settings, self.config)
            self.lifecycle.on_shutdown(self._rate_limit_backend.aclose)
        return self._rate_limit_backend

    @property
    def draining(self) -> bool:
        """Whether the service is shutting down and reports not-ready."""
        return self.lifecycle.draining

    def begin_draining(self) -> None:
        """Report not-ready from now on (shutdown does this itself)."""
        self.lifecycle.begin_draining()

    def run(
        self, *, host: str | None = None, port: int | None = None, **uvicorn_options: Any
    ) -> None:
        """Serve the app with uvicorn on the configured host and port until stopped.

        SIGTERM first reports not-ready for ``drain_seconds`` while still serving,
        then stops accepting, lets in-flight requests finish (``shutdown_timeout``)
        and runs the shutdown hooks.
        """
        serve(self, host=host, port=port, **uvicorn_options)

    def __repr__(self) -> str:
        return f"Service({self.name!r})"


class _ServiceApp(FastAPI):
    """FastAPI, with lean routes and the probe and docs routes moved behind the service's own."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Routes declared on the app are ServiceRoutes; a router's are its own class.
        self.router.route_class = ServiceRoute

    def build_middleware_stack(self) -> ASGIApp:
        # Runs once, at the first event (lifespan startup or request), when every
        # route of the service is registered.
        docs = (
            self.openapi_url,
            self.docs_url,
            self.swagger_ui_oauth2_redirect_url,
            self.redoc_url,
        )
        move_probes_last(self.router.routes, [path for path in docs if path])
        return super().build_middleware_stack()


def _exception_handlers() -> dict[Any, Any]:
    return {
        AuroraError: aurora_error_handler,
        StarletteHTTPException: http_exception_handler,
        RequestValidationError: validation_error_handler,
    }


def create_service(
    name: str,
    config: ServiceConfig | None = None,
    *,
    settings: AppSettings | None = None,
    token_verifier: TokenVerifier | None = None,
    rate_limit_backend: RateLimitBackend | None = None,
    idempotency_store: IdempotencyStore | None = None,
    metrics_registry: CollectorRegistry | None = None,
    info: Mapping[str, Any] | None = None,
    **options: Any,
) -> Service:
    """Build a service: a FastAPI app with the Aurora stack, probes and hooks.

    Args:
        name: The service name (``"subject-service"``).
        config: Its config; ``get_config(name)`` when omitted.
        settings: Stack settings; the config's ``app`` section (``AURORA_APP__*``) when omitted.
        token_verifier: Overrides the verifier built from the config's ``security`` section.
        rate_limit_backend: Overrides the backend chosen by ``settings.rate_limit``.
        idempotency_store: Overrides the store chosen by ``settings.idempotency``
            (a database-backed one, say).
        metrics_registry: Registry for the collectors; a fresh one by default.
        info: Extra facts for ``/info`` (``git_sha``, ``version``).
        **options: ``AppSettings`` fields overriding ``settings`` and the config,
            e.g. ``gzip=True`` or ``rate_limit={"enabled": True}``.

    Raises:
        ConfigError: The configuration is unsafe (CORS ``*`` with credentials) or invalid.
    """
    config = config if config is not None else get_config(name)
    settings = _settings(settings or config.section(AppSettings), options)
    if settings.configure_logging:
        log = config.section(LoggingSettings)
        setup_logging(name, level=log.level, fmt=log.format)
    security = config.section(SecuritySettings)
    verifier = token_verifier or TokenVerifier.from_settings(security, realm=name)
    backend = rate_limit_backend
    if backend is None and settings.rate_limit.enabled:
        backend = _default_backend(settings, config)
    store = idempotency_store
    if store is None and settings.idempotency.enabled:
        store = _default_store(settings, config)
    return Service(
        name,
        config,
        settings,
        token_verifier=verifier,
        rate_limit_backend=backend,
        metrics_registry=metrics_registry,
        info=info,
        idempotency_store=store,
    )


def _settings(settings: AppSettings, options: Mapping[str, Any]) -> AppSettings:
    if not options:
        return settings
    return AppSettings.model_validate({**settings.model_dump(), **options})


def _default_backend(settings: AppSettings, config: ServiceConfig) -> RateLimitBackend:
    limits = settings.rate_limit
    if limits.backend == "redis":
        return RedisRateLimitBackend(
            limits.redis_url or config.redis.url,
            prefix=limits.key_prefix,
            timeout=limits.redis_timeout,
            strategy=limits.strategy,
        )
    return MemoryRateLimitBackend(strategy=limits.strategy)


def _default_store(settings: AppSettings, config: ServiceConfig) -> IdempotencyStore:
    keys = settings.idempotency
    if keys.backend == "redis":
        return RedisIdempotencyStore(keys.redis_url or config.redis.url, prefix=keys.key_prefix)
    return MemoryIdempotencyStore()
