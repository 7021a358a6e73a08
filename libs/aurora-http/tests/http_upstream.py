"""A real upstream for the client tests: a Starlette app, scripted by the test.

``upstream.reply(503, 503)`` queues answers, ``upstream.hits`` lists what arrived;
conftest.py serves it on uvicorn in a thread of the test process.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


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


def sample(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    """A metric's current value (0.0 when never touched)."""
    value = metrics.get_sample_value(name, labels)
    return 0.0 if value is None else value
