"""Served requests leave no reference cycles: refcounting frees each request's objects.

A request whose objects form a cycle (the scope holding something that holds the
task or ``send``, both bound to uvicorn's request object, which holds the scope)
lives on until the cyclic collector finds it. Served, that garbage cost more CPU
than the whole stack (uvicorn's gen-0 and gen-2 passes over ~30 objects a
request). Counted with ``gc.DEBUG_SAVEALL`` over real uvicorn requests.
"""

from __future__ import annotations

import gc
import socket
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Body
from serving import serving

from aurora.app import Service
from aurora.errors import NotFoundError

REQUESTS = 60


def _service(make_service: Any, **options: Any) -> Service:
    service: Service = make_service(**options)

    @service.app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @service.app.post("/items", status_code=201)
    async def create(name: str = Body(embed=True)) -> dict[str, str]:
        return {"name": name}

    @service.app.get("/missing")
    async def missing() -> None:
        raise NotFoundError("no such item")

    @service.app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return service


class _Client:
    """A keep-alive HTTP/1.1 client on a plain socket: it makes no garbage of its own."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self._sock = socket.create_connection((host, int(port)), timeout=10)
        self._buffer = b""

    def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> int:
        head = f"{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}\r\n"
        head += headers
        if body:
            head += "Content-Type: application/json\r\n"
        self._sock.sendall(head.encode() + b"\r\n" + body)
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += self._sock.recv(65536)
        raw_head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = raw_head.split(b"\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in lines
            if line.lower().startswith(b"content-length:")
        )
        while len(self._buffer) < length:
            self._buffer += self._sock.recv(65536)
        self._buffer = self._buffer[length:]
        return int(lines[0].split()[1])

    def close(self) -> None:
        self._sock.close()


@pytest.fixture()
def client(make_service: Any) -> Iterator[_Client]:
    with serving(_service(make_service)) as url:
        connection = _Client(url)
        yield connection
        connection.close()


@pytest.fixture()
def limited_client(make_service: Any) -> Iterator[_Client]:
    """Every request but the first of a window is refused with 429."""
    limits = {"enabled": True, "limit": 1, "window_seconds": 3600}
    with serving(_service(make_service, rate_limit=limits)) as url:
        connection = _Client(url)
        yield connection
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/ping", b"", "", 200),
        ("POST", "/items", b'{"name": "a"}', "", 201),
        ("POST", "/items", b'{"name": "a"}', "Idempotency-Key: k-1\r\n", 201),  # replayed
        ("GET", "/nowhere", b"", "", 404),
        ("GET", "/missing", b"", "", 404),
        ("POST", "/items", b'{"nom": 1}', "", 422),
        ("GET", "/boom", b"", "", 500),
    ],
)
def test_requests_make_no_cyclic_garbage(
    client: _Client, method: str, path: str, body: bytes, headers: str, status: int
) -> None:
    _assert_no_cycles(lambda: client.request(method, path, body, headers), status)


def test_refused_requests_make_no_cyclic_garbage(limited_client: _Client) -> None:
    limited_client.request("GET", "/ping")
    _assert_no_cycles(lambda: limited_client.request("GET", "/ping"), 429)


def _assert_no_cycles(request: Any, status: int) -> None:
    for _ in range(10):  # warm up: lazily built objects are not per-request garbage
        assert request() == status
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(REQUESTS):
            assert request() == status
        gc.collect()
        garbage = Counter(type(item).__qualname__ for item in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    # A cycle per request shows as REQUESTS objects or more of one type.
    assert max(garbage.values(), default=0) < REQUESTS // 2, garbage.most_common(8)
