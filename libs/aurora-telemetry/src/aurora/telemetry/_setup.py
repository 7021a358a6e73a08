"""Turning tracing on for a process: :func:`configure_tracing` and :func:`install_tracing`.

OpenTelemetry keeps one global tracer provider per process, settable once; every
instrumented lib (aurora-app, -http, -db, -events) asks the global API for its
tracer, so they all follow it without knowing this lib exists. aurora-app never
imports this lib: a service wires it in with one call, which registers the flush
as a shutdown hook (the app's own protocol: anything with ``on_shutdown``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from aurora.config import ConfigError, ServiceConfig
from aurora.logging import get_logger
from aurora.telemetry._provider import build_tracer_provider
from aurora.telemetry._settings import TracingSettings

__all__ = ["ShutdownHooks", "Tracing", "configure_tracing", "install_tracing"]


class ShutdownHooks(Protocol):
    """What :func:`install_tracing` needs of a service: a way to run code at shutdown."""

    def on_shutdown(self, fn: Callable[[], Any], /) -> Any: ...


class Tracing:
    """The process's tracing pipeline, installed globally; flush it with :meth:`shutdown`."""

    def __init__(self, provider: TracerProvider, settings: TracingSettings) -> None:
        self.provider = provider
        self.settings = settings

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Export every finished span now; ``False`` if that took longer than the timeout."""
        return self.provider.force_flush(timeout_millis)

    async def shutdown(self) -> None:
        """Export what is queued and stop (off the event loop: the export blocks)."""
        await asyncio.to_thread(self.provider.shutdown)

    def __repr__(self) -> str:
        return f"Tracing(endpoint={self.settings.endpoint!r}, sampler={self.settings.sampler!r})"


def configure_tracing(
    service: str,
    *,
    version: str = "0.0.0",
    environment: str = "development",
    settings: TracingSettings | None = None,
) -> Tracing | None:
    """Install the SDK as the process's tracer provider, if ``OTEL_*`` asks for tracing.

    Returns ``None`` (and changes nothing) when tracing is not configured: the
    instrumentation then stays on opentelemetry-api's no-op path.

    Raises:
        ConfigError: The ``OTEL_*`` variables are invalid, or another tracer
            provider is already installed (OpenTelemetry allows one per process).
    """
    settings = settings if settings is not None else TracingSettings.from_env()
    if not settings.enabled:
        return None
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        raise ConfigError("A tracer provider is already installed in this process.")
    provider = build_tracer_provider(
        settings, service=service, version=version, environment=environment
    )
    trace.set_tracer_provider(provider)
    get_logger("aurora.telemetry").info(
        "tracing_configured", endpoint=settings.endpoint, sampler=settings.sampler
    )
    return Tracing(provider, settings)


def install_tracing(
    hooks: ShutdownHooks, config: ServiceConfig, *, settings: TracingSettings | None = None
) -> Tracing | None:
    """:func:`configure_tracing` for a service, flushed when it shuts down.

    Call it first in the service's factory: shutdown hooks run in reverse, so the
    flush runs last and exports the spans of every other hook (relay, consumer).
    """
    section = config.service
    tracing = configure_tracing(
        section.name,
        version=section.version,
        environment=str(section.environment),
        settings=settings,
    )
    if tracing is not None:
        hooks.on_shutdown(tracing.shutdown)
    return tracing
