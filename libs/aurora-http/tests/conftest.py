"""A real upstream for the client tests: a Starlette app on uvicorn, on loopback.

The server runs in a thread of the test process, so a test scripts it directly:
``upstream.reply(503, 503)`` queues answers, ``upstream.hits`` lists what arrived.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aurora.http import ClientRegistry, RetryPolicy
from aurora.http.testing import disable_backoff
from aurora.testing.server import run_server

# aurora-testing's fixtures; `clock` (a FrozenClock) drives breakers and budgets.
pytest_plugins = ["aurora.testing.plugin"]


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Upstream:
    """Scripted state of the live server; answers 200 JSON once the script is empty."""

    def __init__(self) -> None:
        self.url = ""
        self.script: deque[Reply] = deque()
        self.hits: list[Hit] = []
        self.generation = 0

    def reset(self) -> None:
        self.generation += 1
        self.script.clear()
        self.hits.clear()

    def reply(self, *replies: Reply | int) -> None:
        self.script.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        generation = self.generation
        self.hits.append(Hit(request.method, request.url.path, dict(request.headers), body))
        seconds = request.query_params.get("sleep")
        if seconds is not None:
            await asyncio.sleep(float(seconds))
        # A slow request abandoned by an earlier test must not eat this test's script.
        if self.script and generation == self.generation:
            reply = self.script.popleft()
            return Response(reply.body, reply.status, headers=reply.headers)
        return JSONResponse({"path": request.url.path, "method": request.method})


def build_app(upstream: Upstream) -> Starlette:
    methods = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", upstream.handle, methods=methods)])


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


def sample(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    """A metric's current value (0.0 when never touched)."""
    value = metrics.get_sample_value(name, labels)
    return 0.0 if value is None else value
