"""Tracing stays off, and installs nothing, unless the OTEL_* variables ask for it."""

from collections.abc import Callable
from typing import Any

from opentelemetry import trace

from aurora.config import get_config
from aurora.telemetry import TracingSettings, configure_tracing, install_tracing


class Hooks:
    def __init__(self) -> None:
        self.shutdown: list[Callable[[], Any]] = []

    def on_shutdown(self, fn: Callable[[], Any]) -> Any:
        self.shutdown.append(fn)
        return fn


def test_unconfigured_tracing_returns_none_and_installs_nothing() -> None:
    before = trace.get_tracer_provider()
    assert configure_tracing("orders", settings=TracingSettings()) is None
    assert trace.get_tracer_provider() is before


def test_unconfigured_install_registers_no_hook() -> None:
    hooks = Hooks()
    assert install_tracing(hooks, get_config("orders"), settings=TracingSettings()) is None
    assert hooks.shutdown == []
