"""Spans leave over real OTLP/HTTP (protobuf) and arrive whole at a receiver."""

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from aurora.telemetry import TracingSettings, build_resource, build_tracer_provider
from aurora.testing.otlp import OtlpReceiver
from aurora.testing.process import child_env


@pytest.fixture()
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


def test_a_span_arrives_as_protobuf_with_the_services_resource(receiver: OtlpReceiver) -> None:
    settings = TracingSettings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    provider = build_tracer_provider(
        settings, service="orders", version="1.2.3", environment="staging"
    )
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("parent"), tracer.start_as_current_span("child") as child:
        child.set_attribute("orders.count", 3)
    provider.shutdown()

    spans = {span.name: span for span in receiver.received()}
    assert set(spans) == {"parent", "child"}
    assert receiver.content_types == ["application/x-protobuf"]
    assert spans["child"].parent_span_id == spans["parent"].span_id
    assert spans["child"].trace_id == spans["parent"].trace_id
    assert spans["child"].attributes == {"orders.count": 3}
    resource = spans["child"].resource
    assert resource["service.name"] == "orders"
    assert resource["service.version"] == "1.2.3"
    assert resource["deployment.environment.name"] == "staging"


def test_otel_variables_win_over_the_services_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orders-canary")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod-eu,team=core")
    settings = TracingSettings.from_env()
    resource = build_resource(settings, service="orders", version="1.0.0", environment="production")
    assert resource.attributes["service.name"] == "orders-canary"
    assert resource.attributes["deployment.environment.name"] == "prod-eu"
    assert resource.attributes["team"] == "core"
    assert resource.attributes["service.version"] == "1.0.0"


SERVICE_PROCESS = textwrap.dedent("""
    import asyncio
    from opentelemetry import trace
    from aurora.config import get_config
    from aurora.telemetry import install_tracing

    class Hooks:
        def __init__(self):
            self.shutdown = []
        def on_shutdown(self, fn):
            self.shutdown.append(fn)

    hooks = Hooks()
    tracing = install_tracing(hooks, get_config("orders-service"))
    with trace.get_tracer("t").start_as_current_span("work"):
        pass
    for hook in reversed(hooks.shutdown):
        asyncio.run(hook())
    """)


def test_a_configured_service_exports_what_is_queued_at_shutdown(receiver: OtlpReceiver) -> None:
    """The batch processor holds spans for seconds; the shutdown hook flushes them."""
    env = child_env(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_BSP_SCHEDULE_DELAY": "60000",
            "AURORA_SERVICE__VERSION": "2.0.0",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", SERVICE_PROCESS], env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    (span,) = receiver.received()
    assert (span.name, span.service) == ("work", "orders-service")
    assert span.resource["service.version"] == "2.0.0"
