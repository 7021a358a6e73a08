"""The SDK objects a traced service runs on: resource, sampler, exporter, provider.

Built from :class:`TracingSettings` and the service's identity, without touching
any global, so tests (and a process hosting more than one app) can build as many
as they like; :func:`~aurora.telemetry.configure_tracing` installs one globally.
Spans leave through a batch processor (queued, exported off the request path in
the background, ``OTEL_BSP_*`` tune it) to OTLP over HTTP/protobuf; by default
they are encoded as they end and queued as bytes (``_export``).
"""

from __future__ import annotations

from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from aurora.telemetry._export import EncodedSpanExporter, EncodingSpanProcessor
from aurora.telemetry._settings import TracingSettings

__all__ = ["build_resource", "build_sampler", "build_tracer_provider"]


def build_resource(
    settings: TracingSettings, *, service: str, version: str, environment: str
) -> Resource:
    """The resource every span carries: who emitted it.

    ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` win; the service's own
    name, version and environment fill what they leave out.
    """
    from_env = OTELResourceDetector().detect().attributes
    defaults = {
        "service.name": settings.service_name or service,
        "service.version": version,
        "deployment.environment.name": environment,
    }
    own = {key: value for key, value in defaults.items() if key not in from_env}
    if settings.service_name:
        own["service.name"] = settings.service_name
    return Resource.create(own)


def build_sampler(settings: TracingSettings) -> Sampler:
    """The SDK sampler ``OTEL_TRACES_SAMPLER``/``_ARG`` name."""
    name = settings.sampler
    parent_based = name.startswith("parentbased_")
    root_name = name.removeprefix("parentbased_")
    root: Sampler
    if root_name == "always_on":
        root = ALWAYS_ON
    elif root_name == "always_off":
        root = ALWAYS_OFF
    else:
        root = TraceIdRatioBased(settings.sampler_arg)
    return ParentBased(root) if parent_based else root


def build_tracer_provider(
    settings: TracingSettings,
    *,
    service: str,
    version: str = "0.0.0",
    environment: str = "development",
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """A provider that batches spans to ``exporter`` (OTLP/HTTP at the endpoint by default).

    With an :class:`~aurora.telemetry.EncodedSpanExporter` (the default) spans are
    encoded as they end and queued as bytes; any other exporter gets the SDK's
    ``BatchSpanProcessor`` and the spans themselves.

    Args:
        settings: What ``OTEL_*`` asked for.
        service: The service's name (``service.name`` unless ``OTEL_SERVICE_NAME`` is set).
        version: ``service.version``.
        environment: ``deployment.environment.name``.
        exporter: Where spans go; an ``EncodedSpanExporter`` for ``settings.endpoint``.
    """
    provider = TracerProvider(
        resource=build_resource(
            settings, service=service, version=version, environment=environment
        ),
        sampler=build_sampler(settings),
    )
    if exporter is None:
        # Headers, timeout, compression and TLS files: the exporter reads OTEL_EXPORTER_OTLP_*.
        exporter = EncodedSpanExporter(endpoint=settings.endpoint)
    if isinstance(exporter, EncodedSpanExporter):
        provider.add_span_processor(EncodingSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
