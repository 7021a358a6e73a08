"""Bounded requests over the wire: header size, stalled bodies, deadlines, hanging checks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

import httpx
import pytest
from fastapi import Depends
from serving import serving

from aurora.app import Service, deadline

MakeService = Callable[..., Service]


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def _raw_exchange(url: str, payload: bytes, *, timeout: float = 5.0) -> bytes:
    with closing(socket.create_connection(("127.0.0.1", _port(url)), timeout=timeout)) as sock:
        # The server may close while we are still sending: read what it said.
        with contextlib.suppress(OSError):
            sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture()
def service(make_service: MakeService) -> Service:
    service = make_service(request_deadline=0.5, body_read_timeout=0.3)
    app = service.app
    state: dict[str, Any] = {"cancelled": 0}
    app.state.test_state = state

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            state["cancelled"] += 1
            raise
        return {"ok": True}

    @app.get("/patient", dependencies=[Depends(deadline(3))])
    async def patient() -> dict[str, bool]:
        await asyncio.sleep(0.8)
        return {"ok": True}

    @app.post("/echo")
    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return service


def test_a_64_kib_header_is_answered_431(service: Service) -> None:
    with serving(service) as url:
        response = httpx.get(url + "/ok", headers={"X-Big": "a" * 64 * 1024})
        assert httpx.get(url + "/ok").status_code == 200
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "header_fields_too_large"


def test_headers_under_the_limit_are_served(service: Service) -> None:
    with serving(service) as url:
        response = httpx.get(url + "/ok", headers={"X-Fine": "a" * 12 * 1024})
    assert response.status_code == 200


def test_the_header_limit_is_configurable(make_service: MakeService) -> None:
    service = make_service(max_header_bytes=4096)

    @service.app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    with serving(service) as url:
        assert httpx.get(url + "/ok", headers={"X-Mid": "a" * 6000}).status_code == 431


def test_memory_stays_flat_across_unfinished_oversized_heads(service: Service) -> None:
    """Heads that never end (4 MiB each, no blank line) are cut off, not buffered."""
    head = b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Flood: " + b"a" * (4 * 1024 * 1024)
    with serving(service) as url:
        _raw_exchange(url, head)  # warm up allocator pools
        before = _rss_bytes()
        answers = [_raw_exchange(url, head) for _ in range(8)]
        grown = _rss_bytes() - before
    assert all(answer.startswith(b"HTTP/1.1 431") for answer in answers)
    assert grown < 16 * 1024 * 1024, f"memory grew by {grown} bytes"


def test_a_body_shorter_than_its_length_is_answered_408(service: Service) -> None:
    request = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"a":'
    )
    with serving(service) as url:
        started = time.monotonic()
        answer = _raw_exchange(url, request, timeout=5)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408")
    assert elapsed < 2


def test_a_request_past_its_deadline_gets_504_and_is_cancelled(service: Service) -> None:
    with serving(service) as url:
        started = time.monotonic()
        response = httpx.get(url + "/slow", headers={"X-Request-ID": "late-1"})
        elapsed = time.monotonic() - started
        time.sleep(0.1)
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "deadline_exceeded"
    assert response.json()["correlation_id"] == "late-1"
    assert elapsed < 1.5
    assert service.app.state.test_state["cancelled"] == 1


def test_a_route_may_extend_its_deadline(service: Service) -> None:
    with serving(service) as url:
        response = httpx.get(url + "/patient")
    assert response.status_code == 200


def test_the_connection_serves_again_after_a_504(service: Service) -> None:
    with serving(service) as url, httpx.Client(base_url=url) as client:
        assert client.get("/slow").status_code == 504
        assert client.get("/ok").status_code == 200


def test_readiness_answers_within_its_timeout_when_a_check_hangs(make_service: MakeService) -> None:
    service = make_service(health_check_timeout=0.5, health_cache_ttl=0)

    async def stuck() -> None:
        # A driver that notices cancellation only when its socket times out.
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(3)
            raise

    service.add_health_check("stuck", stuck)
    with serving(service) as url:
        started = time.monotonic()
        response = httpx.get(url + "/health/ready", timeout=10)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 1.5
