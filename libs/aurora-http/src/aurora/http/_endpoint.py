"""Where a service lives and how patiently to talk to it, from arguments or the caller's config.

``ServiceClient("subject-service", config=config)`` with no URL looks the service
up in the config's ``services`` section (:class:`ServiceEndpoints`, fed by
``AURORA_SERVICES__SUBJECT_SERVICE__URL`` with ``__TIMEOUT``, ``__CONNECT_TIMEOUT``,
``__MAX_CONNECTIONS``, and by ``services.yml``). Explicit arguments win over config;
config wins over the defaults here. Without a config nothing is looked up: the
environment is read once, by whoever loads the service's config.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from aurora.config import ServiceConfig
from aurora.errors import AuroraError
from aurora.http._settings import ServiceEndpoint, ServiceEndpoints

__all__ = ["DEFAULT_LIMITS", "DEFAULT_TIMEOUT", "Endpoint", "resolve_endpoint", "tls_context"]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved target: base URL, per-try timeouts, pool limits and our own name."""

    base_url: str
    timeout: httpx.Timeout
    limits: httpx.Limits
    caller: str


def resolve_endpoint(
    service: str,
    base_url: str | None,
    *,
    config: ServiceConfig | None,
    timeout: httpx.Timeout | float | None,
    limits: httpx.Limits | None,
    caller: str | None,
) -> Endpoint:
    """Merge explicit arguments, aurora-config and defaults into an :class:`Endpoint`.

    Raises:
        AuroraError: ``http_client_misconfigured`` when no URL is known for the service.
    """
    configured = _configured_endpoint(service, config)
    url = base_url or _attr(configured, "url")
    if not url:
        env = "AURORA_SERVICES__" + service.upper().replace("-", "_") + "__URL"
        raise AuroraError(
            f"no URL for service {service!r}: pass base_url, or a config with {env} set",
            code="http_client_misconfigured",
            context={"upstream_service": service},
        )
    return Endpoint(
        base_url=str(url).rstrip("/"),
        timeout=_timeout(timeout, configured),
        limits=limits or _limits(configured),
        caller=caller or _caller_name(config),
    )


def _configured_endpoint(service: str, config: ServiceConfig | None) -> ServiceEndpoint | None:
    return None if config is None else config.section(ServiceEndpoints).get(service)


def _attr(endpoint: Any, name: str) -> Any:
    return None if endpoint is None else getattr(endpoint, name, None)


def _timeout(explicit: httpx.Timeout | float | None, configured: Any) -> httpx.Timeout:
    if explicit is not None:
        return explicit if isinstance(explicit, httpx.Timeout) else httpx.Timeout(explicit)
    total = _attr(configured, "timeout")
    connect = _attr(configured, "connect_timeout")
    if total is None and connect is None:
        return DEFAULT_TIMEOUT
    total = DEFAULT_TIMEOUT.read if total is None else float(total)
    return httpx.Timeout(
        total, connect=DEFAULT_TIMEOUT.connect if connect is None else float(connect)
    )


def _limits(configured: Any) -> httpx.Limits:
    size = _attr(configured, "max_connections")
    if size is None:
        return DEFAULT_LIMITS
    return httpx.Limits(max_connections=int(size), max_keepalive_connections=int(size))


def _caller_name(config: ServiceConfig | None) -> str:
    # Without a config: a script or a test, not a service. The name only labels
    # User-Agent, so it is not worth reading the environment for.
    return "aurora-service" if config is None else config.service.name


def tls_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext | bool:
    """The TLS setting for a new client; ``True`` means the shared default context.

    httpx builds a fresh context for every client, loading the whole CA bundle
    (~100 ms here); the seed's ``async with ServiceClient(...)`` per call would pay
    that each time. One verified context per process serves every client.
    """
    return _default_context() if verify is True else verify


@functools.cache
def _default_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
