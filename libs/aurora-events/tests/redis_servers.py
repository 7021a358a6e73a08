"""Private ``redis-server`` processes for fault tests: own port, own directory, killable.

Fault tests stop and restart Redis mid-test, so they never touch the shared server:
each gets one of these on a free port, working (and persisting, when asked) in the
test's own temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from aurora.events import Broker, MemoryBroker, NatsBroker, RedisBroker
from aurora.testing.server import free_port

__all__ = ["REDIS_SERVER", "RedisServer", "lose_stream", "private_redis"]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A private ``redis-server``; without ``appendonly`` a restart comes back empty."""

    def __init__(self, port: int, workdir: Path, *, appendonly: bool = False) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._workdir = workdir
        self._appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self._appendonly else []
        self._process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--dir", str(self._workdir), "--appendonly", "no"),
                *persistence,
            ],
            cwd=self._workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError, redis.BusyLoadingError):
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """``kill -9`` the server (no chance to save anything) and wait for the port."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
        _wait_port_closed(self.port)

    def restart(self) -> None:
        """Kill and start again: empty without ``appendonly``, as after a lost disk."""
        self.stop()
        self.start()


def _wait_port_closed(port: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.02)


@contextlib.contextmanager
def private_redis(workdir: Path, *, appendonly: bool = False) -> Iterator[RedisServer]:
    """A started private Redis (fails in CI / skips locally without the binary)."""
    if not os.path.exists(REDIS_SERVER):
        message = f"redis-server binary not found at {REDIS_SERVER}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = RedisServer(free_port(), workdir, appendonly=appendonly)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def lose_stream(broker: Broker, stream: str) -> None:
    """Make ``broker`` forget ``stream`` and its groups, as a restart without AOF does."""
    if isinstance(broker, RedisBroker):
        await broker.client.delete(broker.key(stream))
    elif isinstance(broker, NatsBroker):  # what a wiped JetStream store leaves
        await (await broker.jetstream()).delete_stream(broker.stream_name(stream))
    else:
        assert isinstance(broker, MemoryBroker)
        broker.lose_everything()
