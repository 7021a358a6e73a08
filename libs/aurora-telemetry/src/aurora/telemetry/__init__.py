"""OpenTelemetry tracing for Aurora services.

The instrumented libs (aurora-app, -http, -db, -events, -logging) use only
``opentelemetry-api``, a no-op until a provider is installed. This lib installs
the SDK for a service from the standard ``OTEL_*`` variables, exporting OTLP over
HTTP/protobuf through a batch processor that encodes each span as it ends, and
flushes it at shutdown. Tracing is
off unless an OTLP endpoint is configured.
"""

from aurora.telemetry._export import EncodedSpan, EncodedSpanExporter, EncodingSpanProcessor
from aurora.telemetry._provider import build_resource, build_sampler, build_tracer_provider
from aurora.telemetry._settings import SAMPLERS, TracingSettings
from aurora.telemetry._setup import ShutdownHooks, Tracing, configure_tracing, install_tracing

__all__ = [
    "SAMPLERS",
    "EncodedSpan",
    "EncodedSpanExporter",
    "EncodingSpanProcessor",
    "ShutdownHooks",
    "Tracing",
    "TracingSettings",
    "build_resource",
    "build_sampler",
    "build_tracer_provider",
    "configure_tracing",
    "install_tracing",
]
