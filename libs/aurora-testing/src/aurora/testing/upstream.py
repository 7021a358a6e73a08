"""A real upstream service that misbehaves on cue, for testing aurora-http callers.

:class:`~aurora.http.testing.FaultTransport` injects faults inside the client;
:class:`FaultyUpstream` is the other half: an actual uvicorn server on a
loopback port whose answers follow a schedule (statuses, problem bodies,
delays) and which can stop accepting connections and come back on the same
port. The client's whole stack (pooling, timeouts, retries, the breaker) meets
the faults as it would in production::

    with FaultyUpstream() as upstream:
        upstream.reply(503, Reply.problem(404, code="not_found"), Reply(200, delay=0.5))
        ...                                   # call upstream.url through ServiceClient
        upstream.refuse_connections()         # ECONNREFUSED, same port
        upstream.accept_connections()
        assert [r.path for r in upstream.requests] == [...]

Once the schedule is used up, every request gets the default reply (200 with a
JSON echo of the method and path).
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aurora.errors import (
    PROBLEM_CONTENT_TYPE,
    AuroraError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
    UnauthorizedError,
    UpstreamError,
    ValidationError,
    to_problem,
)
from aurora.testing.server import LiveServer

__all__ = ["FaultyUpstream", "RecordedRequest", "Reply"]

_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
_SLICE = 0.02  # delays wake this often to notice a shutdown
_ERRORS: dict[int, type[AuroraError]] = {
    error.status: error
    for error in (
        AuroraError,
        BadRequestError,
        UnauthorizedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        PayloadTooLargeError,
        ValidationError,
        RateLimitedError,
        UpstreamError,
        ServiceUnavailableError,
        DeadlineExceededError,
    )
}


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer.

    Args:
        status: The HTTP status.
        json: A JSON body (sets ``content-type: application/json``).
        content: A raw body, when ``json`` is not given.
        headers: Response headers.
        delay: Seconds to wait before answering (a slow upstream; clients with a
            shorter read timeout give up first).
    """

    status: int = 200
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def problem(
        cls,
        status: int,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An Aurora ``application/problem+json`` error, as another Aurora service sends them.

        ``code``, title and detail default to those of the aurora.errors class for
        ``status`` (404: ``not_found``), so aurora-http maps the reply back to it.
        """
        kind = _ERRORS.get(status)
        phrase = HTTPStatus(status).phrase
        error = AuroraError(
            detail if detail is not None else (kind.default_detail if kind else phrase),
            code=code or (kind.code if kind else re.sub(r"[^a-z0-9]+", "_", phrase.lower())),
            status=status,
            title=kind.title if kind else phrase,
        )
        body = orjson.dumps(to_problem(error).to_dict())
        merged = {"content-type": PROBLEM_CONTENT_TYPE, **(headers or {})}
        return cls(status, content=body, headers=merged, delay=delay)

    def render(self, request: RecordedRequest) -> Response:
        """The Starlette response for this reply to ``request``."""
        headers = dict(self.headers)
        if self.json is not None:
            headers.setdefault("content-type", "application/json")
            return Response(orjson.dumps(self.json), self.status, headers=headers)
        if self.content is not None:
            return Response(self.content, self.status, headers=headers)
        if 200 <= self.status < 300 and self.status != 204:
            headers.setdefault("content-type", "application/json")
            echo = {"method": request.method, "path": request.path}
            return Response(orjson.dumps(echo), self.status, headers=headers)
        return Response(b"", self.status, headers=headers)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as the upstream received it."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


class FaultyUpstream:
    """A uvicorn server on loopback that plays a reply schedule; see the module docstring.

    Args:
        default: The reply once the schedule is empty (a status or a :class:`Reply`).
        host: Interface to listen on.
    """

    def __init__(self, *, default: Reply | int = 200, host: str = "127.0.0.1") -> None:
        self.default = _as_reply(default)
        self._host = host
        self._port = 0
        self._lock = threading.Lock()
        self._schedule: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._server: LiveServer | None = None
        self._placeholder: socket.socket | None = None
        self._stopping = False
        self._app = Starlette(routes=[Route("/{path:path}", self._handle, methods=_METHODS)])

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL; the same while refusing connections and after accepting again."""
        if not self._port:
            raise RuntimeError("the upstream is not started")
        return f"http://{self._host}:{self._port}"

    def start(self) -> str:
        """Start listening (on a free port the first time); returns :attr:`url`."""
        self._stopping = False
        self._server = LiveServer(self._app, host=self._host, port=self._port)
        self._server.start()
        self._port = int(self._server.url.rsplit(":", 1)[1])
        return self.url

    def stop(self) -> None:
        """Stop the server (slow replies are cut short) and release the port."""
        self._stop_server()
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None

    def refuse_connections(self) -> None:
        """Stop listening but keep the port: connecting now fails with ECONNREFUSED.

        A bound socket that doesn't listen answers connection attempts with a reset,
        and no other process can take the port meanwhile.
        """
        if self._server is None:
            return
        self._stop_server()
        placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        placeholder.bind((self._host, self._port))
        self._placeholder = placeholder

    def accept_connections(self) -> None:
        """Listen again on the same port (after :meth:`refuse_connections`)."""
        if self._server is not None:
            return
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None
        self.start()

    @property
    def refusing(self) -> bool:
        """Whether connections are being refused."""
        return self._server is None and self._placeholder is not None

    def _stop_server(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FaultyUpstream:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- script -------------------------------------------------------------------------

    def reply(self, *replies: Reply | int) -> None:
        """Append answers to the schedule: a status, or a :class:`Reply`."""
        with self._lock:
            self._schedule.extend(_as_reply(entry) for entry in replies)

    def fail(self, times: int, status: int = 503) -> None:
        """Answer ``status`` to the next ``times`` requests."""
        self.reply(*([status] * times))

    def delay(self, seconds: float, *, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` requests ``status`` after ``seconds``."""
        self.reply(*([Reply(status, delay=seconds)] * times))

    @property
    def pending(self) -> int:
        """Scheduled replies not used yet."""
        return len(self._schedule)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget the schedule and the recorded requests."""
        with self._lock:
            self._schedule.clear()
            self._requests.clear()

    # -- serving ------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=dict(request.headers),
            body=await request.body(),
        )
        with self._lock:
            self._requests.append(recorded)
            reply = self._schedule.popleft() if self._schedule else self.default
        await self._sleep(reply.delay)
        return reply.render(recorded)

    async def _sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping and (remaining := deadline - loop.time()) > 0:
            await asyncio.sleep(min(remaining, _SLICE))


def _as_reply(entry: Reply | int) -> Reply:
    return entry if isinstance(entry, Reply) else Reply(entry)
