"""NATS JetStream for the aurora-events suite: the shared server and private ones.

Tests on the shared server (``$AURORA_TEST_NATS_URL``, default 127.0.0.1:4222) use a
unique subject and stream prefix and delete their streams afterwards. Fault tests
start a private ``nats-server -js`` on a free port with its own store directory
(:class:`NatsServer`) and kill only that one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from aurora.events import NatsBroker
from aurora.testing.isolation import unique_name
from aurora.testing.server import free_port

NATS_URL_ENV = "AURORA_TEST_NATS_URL"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI must run this test.", pytrace=False)
    pytest.skip(message)


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def nats_url() -> str:
    """The shared test NATS (fails in CI / skips locally when unreachable)."""
    url = os.environ.get(NATS_URL_ENV) or DEFAULT_NATS_URL
    parts = urlsplit(url)
    if not _reachable(parts.hostname or "127.0.0.1", parts.port or 4222):
        _unavailable(f"NATS is not reachable at {url}; start it or set {NATS_URL_ENV}")
    return url


@asynccontextmanager
async def isolated_nats_broker(url: str, **options: object) -> AsyncIterator[NatsBroker]:
    """A broker whose subjects and streams carry a unique prefix, deleted afterwards."""
    broker = NatsBroker(url, prefix=unique_name("ev") + ".", **options)  # type: ignore[arg-type]
    try:
        yield broker
    finally:
        await broker.delete_streams()
        await broker.close()


class NatsServer:
    """A private ``nats-server -js`` with its own store dir, killable with SIGKILL mid-test."""

    def __init__(self, port: int, store: Path) -> None:
        self.port = port
        self.url = f"nats://127.0.0.1:{port}"
        self._store = store
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js"]
        self._process = subprocess.Popen(
            [*command, "-sd", str(self._store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if _reachable("127.0.0.1", self.port):
                return
            time.sleep(0.02)
        raise RuntimeError(f"nats-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final flush of the store."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
        deadline = time.monotonic() + 5
        while _reachable("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.02)


def private_nats_server(tmp_path: Path) -> NatsServer:
    """A started private server (fails in CI / skips locally without the binary)."""
    if not os.path.exists(NATS_SERVER):
        _unavailable(f"nats-server binary not found at {NATS_SERVER}")
    server = NatsServer(free_port(), tmp_path / "jetstream")
    server.start()
    return server
