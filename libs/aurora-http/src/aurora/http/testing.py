"""Test aids for code that calls other services: fault injection and instant backoff.

Services test their error paths against a real server without patching anything::

    from aurora.http.testing import Fault, FaultTransport, disable_backoff

    transport = FaultTransport([503, Fault.refuse(), None])  # then the real server
    async with ServiceClient("subjects", url, transport=transport) as client:
        with disable_backoff() as delays:
            response = await client.get("/api/v1/subjects")
    assert response.status_code == 200 and len(delays) == 2

A schedule entry is a :class:`Fault`, an ``int`` (answer that status) or ``None``
(let the request through to the wrapped, real transport). When the schedule
runs out every request goes through.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpx

from aurora.http._backoff import disabled_sleeps

__all__ = ["Fault", "FaultTransport", "disable_backoff"]

disable_backoff = disabled_sleeps
"""``with disable_backoff() as delays:`` retries don't wait; ``delays`` lists what they asked for."""

_Kind = Literal["pass", "respond", "refuse", "delay", "disconnect"]


@dataclass(frozen=True, slots=True)
class Fault:
    """What happens to one request. Build with the class methods."""

    kind: _Kind = "pass"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    seconds: float = 0.0

    @classmethod
    def passthrough(cls) -> Fault:
        """Send the request to the real transport."""
        return cls()

    @classmethod
    def respond(
        cls,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes = b"",
    ) -> Fault:
        """Answer ``status`` without reaching the server (``json`` sets a JSON body)."""
        merged = dict(headers or {})
        if json is not None:
            content = jsonlib.dumps(json).encode()
            if not any(name.lower() == "content-type" for name in merged):
                merged["content-type"] = "application/json"
        return cls("respond", status=status, headers=merged, content=content)

    @classmethod
    def refuse(cls) -> Fault:
        """Fail as if nothing listened on the port (``httpx.ConnectError``)."""
        return cls("refuse")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait, then send; a read timeout shorter than the wait fires as it would for real."""
        return cls("delay", seconds=seconds)

    @classmethod
    def disconnect(cls) -> Fault:
        """Fail as if the server closed the connection without answering."""
        return cls("disconnect")


def _as_fault(entry: Fault | int | None) -> Fault:
    if entry is None:
        return Fault()
    if isinstance(entry, int):
        return Fault.respond(entry)
    return entry


class FaultTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """An httpx transport that plays a fault schedule, then forwards to a real transport.

    Works for ``ServiceClient`` and ``SyncServiceClient`` alike.

    Args:
        faults: The schedule, consumed one entry per matching request.
        transport: The real transport to forward to; a fresh
            ``httpx.AsyncHTTPTransport``/``HTTPTransport`` when omitted.
        match: Only requests it accepts consume the schedule; others pass through.
    """

    def __init__(
        self,
        faults: Iterable[Fault | int | None] = (),
        *,
        transport: httpx.AsyncBaseTransport | httpx.BaseTransport | None = None,
        match: Callable[[httpx.Request], bool] | None = None,
    ) -> None:
        self._schedule = deque(_as_fault(entry) for entry in faults)
        self._async = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
        self._sync = transport if isinstance(transport, httpx.BaseTransport) else None
        self._match = match
        self._lock = threading.Lock()
        self.requests: list[httpx.Request] = []
        """Every request that reached this transport, faulted or not."""
        self.forwarded = 0
        """How many requests went on to the real transport."""

    @classmethod
    def failing(
        cls,
        times: int,
        *,
        status: int = 503,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | httpx.BaseTransport | None = None,
    ) -> FaultTransport:
        """Answer ``status`` to the first ``times`` requests, then let everything through."""
        return cls([Fault.respond(status, headers=headers)] * times, transport=transport)

    def add(self, *faults: Fault | int | None) -> None:
        """Append entries to the schedule."""
        with self._lock:
            self._schedule.extend(_as_fault(entry) for entry in faults)

    @property
    def pending(self) -> int:
        """Schedule entries not consumed yet."""
        return len(self._schedule)

    def _next(self, request: httpx.Request) -> Fault:
        with self._lock:
            self.requests.append(request)
            if self._schedule and (self._match is None or self._match(request)):
                fault = self._schedule.popleft()
            else:
                fault = Fault()
            if fault.kind in ("pass", "delay"):
                self.forwarded += 1
            return fault

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._next(request)
        if fault.kind == "delay":
            seconds, timed_out = _delay(fault, request)
            await anyio.sleep(seconds)
            if timed_out:
                raise _timed_out(request)
        elif fault.kind != "pass":
            return _synthesize(fault, request)
        if self._async is None:
            self._async = httpx.AsyncHTTPTransport()
        return await self._async.handle_async_request(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._next(request)
        if fault.kind == "delay":
            seconds, timed_out = _delay(fault, request)
            time.sleep(seconds)
            if timed_out:
                raise _timed_out(request)
        elif fault.kind != "pass":
            return _synthesize(fault, request)
        if self._sync is None:
            self._sync = httpx.HTTPTransport()
        return self._sync.handle_request(request)

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()


def _delay(fault: Fault, request: httpx.Request) -> tuple[float, bool]:
    """How long to wait, and whether the request's read timeout fires first."""
    read_timeout = (request.extensions.get("timeout") or {}).get("read")
    if read_timeout is not None and read_timeout < fault.seconds:
        return float(read_timeout), True
    return fault.seconds, False


def _timed_out(request: httpx.Request) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out waiting for the response (injected delay)", request=request)


def _synthesize(fault: Fault, request: httpx.Request) -> httpx.Response:
    if fault.kind == "refuse":
        raise httpx.ConnectError("[Errno 111] Connection refused (injected)", request=request)
    if fault.kind == "disconnect":
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (injected)", request=request
        )
    return httpx.Response(
        fault.status, headers=dict(fault.headers), content=fault.content, request=request
    )
