"""Fixtures for the client tests: a live upstream (http_upstream.py) on loopback, fresh registries."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing

import pytest
from http_upstream import Upstream, build_app
from prometheus_client import CollectorRegistry

from aurora.http import ClientRegistry, RetryPolicy
from aurora.http.testing import disable_backoff
from aurora.testing.server import run_server

# aurora-testing's fixtures; `clock` (a FrozenClock) drives breakers and budgets.
pytest_plugins = ["aurora.testing.plugin"]


@pytest.fixture(scope="session")
def live_upstream() -> Iterator[Upstream]:
    upstream = Upstream()
    with run_server(build_app(upstream)) as url:
        upstream.url = url
        yield upstream


@pytest.fixture()
def upstream(live_upstream: Upstream) -> Iterator[Upstream]:
    live_upstream.reset()
    yield live_upstream
    live_upstream.reset()


@pytest.fixture()
def metrics() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture()
def registry(metrics: CollectorRegistry) -> ClientRegistry:
    """A registry of its own per test, so breakers and budgets never leak between tests."""
    return ClientRegistry(metrics_registry=metrics, policy=RetryPolicy(max_attempts=3))


@pytest.fixture()
def delays() -> Iterator[list[float]]:
    """Backoff sleeps skipped; the list holds the delays the client asked for."""
    with disable_backoff() as recorded:
        yield recorded


@pytest.fixture()
def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
