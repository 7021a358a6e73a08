"""What tracing costs the aurora-app stack: off (the default) and on with a 100% sampler.

    ./pants run benchmarks/tracing_overhead.py

OpenTelemetry installs its tracer provider once per process, so each setting runs
in a child process of its own: ``off`` (no provider: the instrumentation takes
its no-op path) and ``on`` (aurora-telemetry's SDK provider as a service gets it,
``always_on``: spans encoded to OTLP protobuf as they end, queued, and handed to
the OTLP/HTTP exporter's client, whose HTTP session drops them, so span creation,
encoding, batching and the client are measured but the network is not),
``sampled`` (the same with ``parentbased_traceidratio`` at 5%, as production would
run it), ``stock`` (``always_on`` through the SDK's own ``BatchSpanProcessor``
and ``OTLPSpanExporter`` with the same dropping session: what the SDK alone would
cost, for comparison) and ``unexported`` (an SDK provider with no span processor:
the SDK's spans are made and dropped, a ceiling for any export pipeline). The
children alternate (off, on, sampled, stock, unexported, off, ...), and inside each the apps alternate round by round; figures are medians over
all rounds.

Each app is called in process with a minimal fake receive/send (see
``app_overhead.py``), measured in requests per second of CPU time. Apps:

* bare FastAPI (its native telemetry switched off, so it never traces);
* aurora ``create_service`` with production settings (``environment=production``,
  JWT configured, JSON request log to /dev/null, metrics, security headers);
* with tracing on, also bare FastAPI with its native telemetry (a reference).

The per-span figures time start + attributes + end of a server-like span in a
loop, in microseconds of CPU time (the export thread's included), four ways:
with no span processor (the SDK's span alone), with the SDK's batch processor
whose exporter drops the spans (plus queueing and the export thread's wake-ups),
with that processor and the SDK's OTLP encoder (``encode_spans``, as the SDK's
own ``OTLPSpanExporter`` runs it), and with aurora-telemetry's pipeline (encoded
as they end, queued as bytes, sent through the dropping session).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from app_overhead import drive  # the same in-process driver and request

# AURORA_BENCH_SCALE shrinks every count (children inherit it): the smoke test runs the
# whole script at a few percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
REQUESTS = max(50, int(5_000 * SCALE))
ROUNDS = max(1, round(5 * SCALE))
CHILDREN_PER_SETTING = max(1, round(2 * SCALE))
SPANS = max(200, int(20_000 * SCALE))
SETTINGS = ("off", "on", "sampled", "stock", "unexported")
LABELS = {
    "off": "off",
    "on": "on",
    "sampled": "sampled 5%",
    "stock": "on, stock SDK export",
    "unexported": "on, no span processor",
}


def bare_app(*, native_telemetry: bool = False) -> Any:
    from fastapi import FastAPI

    app = (
        FastAPI()
        if native_telemetry
        else FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
    )

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


def aurora_app() -> Any:
    from aurora.app import create_service
    from aurora.config import ServiceConfig
    from aurora.logging import setup_logging

    setup_logging("bench", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
    config = ServiceConfig.composed().model_validate(
        {
            "service": {"name": "bench", "environment": "production"},
            "security": {"jwt_secret": "x" * 48},
        }
    )
    service = create_service("bench", config, configure_logging=False)

    @service.app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return service.app


def dropping_session() -> Any:
    """A ``requests`` session that answers every export 200 without sending it."""
    import requests

    class Dropping(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            response = requests.Response()
            response.status_code = 200
            return response

    return Dropping()


def install_tracing(*, globally: bool = True, sampled: bool = False, stock: bool = False) -> Any:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    from aurora.telemetry import EncodedSpanExporter, TracingSettings, build_tracer_provider

    settings = (
        TracingSettings(
            endpoint="http://unused", sampler="parentbased_traceidratio", sampler_arg=0.05
        )
        if sampled
        else TracingSettings(endpoint="http://unused", sampler="always_on")
    )
    exporter = (OTLPSpanExporter if stock else EncodedSpanExporter)(
        endpoint="http://unused/v1/traces", session=dropping_session()
    )
    provider = build_tracer_provider(settings, service="bench", exporter=exporter)
    if globally:
        trace.set_tracer_provider(provider)
    return provider


def span_costs() -> dict[str, float]:
    """CPU microseconds per server-like span: alone, SDK-batched, SDK-encoded, Aurora's way."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class DroppingExporter(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    class SdkEncodingExporter(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            encode_spans(spans).SerializePartialToString()
            return SpanExportResult.SUCCESS

    providers = {name: TracerProvider() for name in ("alone", "batched", "sdk_encoded")}
    providers["batched"].add_span_processor(BatchSpanProcessor(DroppingExporter()))
    providers["sdk_encoded"].add_span_processor(BatchSpanProcessor(SdkEncodingExporter()))
    providers["aurora"] = install_tracing(globally=False)
    costs = {f"span_{name}_us": span_cost(provider) for name, provider in providers.items()}
    for provider in providers.values():
        provider.shutdown()
    return costs


def span_cost(provider: Any) -> float:
    """CPU microseconds per server-like span: start, five attributes, status, end.

    Process CPU time, so the export thread's work counts too.
    """
    from opentelemetry.trace import SpanKind

    tracer = provider.get_tracer("bench")
    attributes = {
        "http.request.method": "GET",
        "url.path": "/ping",
        "url.scheme": "http",
        "client.address": "127.0.0.1",
        "server.address": "127.0.0.1",
    }
    start = time.process_time()
    for i in range(SPANS):
        span = tracer.start_span("GET", kind=SpanKind.SERVER, attributes=attributes)
        span.set_attribute("http.response.status_code", 200)
        span.end()
        if i % 1_000 == 999:  # a loop outruns the export thread: its queue would drop spans
            provider.force_flush()
    provider.force_flush()
    return (time.process_time() - start) / SPANS * 1e6


def child(setting: str) -> None:
    provider = None
    if setting == "unexported":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider

        provider = TracerProvider()  # always_on by default, no processor: spans go nowhere
        trace.set_tracer_provider(provider)
    elif setting != "off":
        provider = install_tracing(sampled=setting == "sampled", stock=setting == "stock")
    apps: dict[str, Callable[[], Any]] = {"bare FastAPI": bare_app, "aurora": aurora_app}
    if setting == "on":
        apps["FastAPI native telemetry"] = lambda: bare_app(native_telemetry=True)
    built = {name: factory() for name, factory in apps.items()}
    rounds: dict[str, list[float]] = {name: [] for name in built}
    for _ in range(ROUNDS):
        for name, app in built.items():
            rounds[name].append(1e6 / asyncio.run(drive(app, "/ping", REQUESTS)))  # req/s
    result: dict[str, Any] = {"rounds": rounds}
    if provider is not None:
        provider.shutdown()
    if setting == "on":
        result["spans"] = [span_costs() for _ in range(3)]
    print(json.dumps(result))


def run_children() -> dict[str, dict[str, list[float]]]:
    collected: dict[str, dict[str, list[float]]] = {setting: {} for setting in SETTINGS}
    for _ in range(CHILDREN_PER_SETTING):
        for setting in SETTINGS:
            output = subprocess.run(
                [sys.executable, __file__, "--child", setting],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            for name, values in result["rounds"].items():
                collected[setting].setdefault(name, []).extend(values)
            for costs in result.get("spans", ()):
                for name, value in costs.items():
                    collected[setting].setdefault(name, []).append(value)
    return collected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", choices=SETTINGS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    data = run_children()
    median = {s: {k: statistics.median(v) for k, v in d.items()} for s, d in data.items()}
    off, on, sampled, stock, unexported = (median[setting] for setting in SETTINGS)
    print("| setting | app | req/s (CPU) | vs bare FastAPI |")
    print("|---|---|---|---|")
    for setting, figures in ((LABELS[setting], median[setting]) for setting in SETTINGS):
        bare = figures["bare FastAPI"]
        for name, value in figures.items():
            if not name.startswith("span_"):
                print(f"| tracing {setting} | {name} | {value:,.0f} | {value / bare:.2f}x |")
    cost_us = (1 / on["aurora"] - 1 / off["aurora"]) * 1e6
    print(
        f"\naurora traced vs untraced: {on['aurora'] / off['aurora']:.2f}x "
        f"({cost_us:.1f} us more CPU per request, one server span); "
        f"sampled at 5%: {sampled['aurora'] / off['aurora']:.2f}x; "
        f"stock SDK export: {stock['aurora'] / off['aurora']:.2f}x "
        f"({(1 / stock['aurora'] - 1 / off['aurora']) * 1e6:.1f} us); "
        f"no span processor: {unexported['aurora'] / off['aurora']:.2f}x "
        f"({(1 / unexported['aurora'] - 1 / off['aurora']) * 1e6:.1f} us)"
    )
    alone, batched, sdk, aurora = (
        on[f"span_{k}_us"] for k in ("alone", "batched", "sdk_encoded", "aurora")
    )
    print(
        f"one server-like span: {alone:.1f} us alone, {batched:.1f} us through the SDK's "
        f"batch processor, {sdk:.1f} us with the SDK's OTLP encoder too "
        f"({sdk - batched:.1f} us encoding); aurora-telemetry's pipeline {aurora:.1f} us "
        f"({aurora - alone:.1f} us over the span alone)"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
