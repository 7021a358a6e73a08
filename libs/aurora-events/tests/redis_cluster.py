"""A private 3-node Redis Cluster on free ports, for the cluster tests.

Started with ``redis-server --cluster-enabled yes`` and joined with
``redis-cli --cluster create`` (no replicas). Nodes keep an append-only file
(fsync always) and their ``nodes.conf``, so a killed node restarted on its port
rejoins with its slots and data. ``cluster-require-full-coverage no`` keeps the
other slots serving while one node is down.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from redis.crc import key_slot

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
NODES = 3


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free too."""
    for _ in range(200):
        port = random.randint(20000, 45000)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisClusterNodes:
    """Three cluster nodes; :meth:`kill` and :meth:`start` one to simulate a node restart."""

    def __init__(self, workdir: Path) -> None:
        self.ports = [_cluster_port() for _ in range(NODES)]
        self.url = f"redis://127.0.0.1:{self.ports[0]}/0?cluster=true"
        self._workdir = workdir
        self._processes: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, port: int) -> None:
        directory = self._workdir / str(port)
        directory.mkdir(parents=True, exist_ok=True)
        self._processes[port] = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
                *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
                *("--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no"),
                *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait(lambda: redis.Redis(port=port, socket_connect_timeout=0.2).ping())

    def create(self) -> None:
        for port in self.ports:
            self.start(port)
        subprocess.run(
            [
                *(REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports)),
                *("--cluster-replicas", "0", "--cluster-yes"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.wait_healthy()

    def wait_healthy(self) -> None:
        """Until every node reports ``cluster_state:ok`` and knows all three masters."""

        def healthy() -> bool:
            for port in self.ports:
                info = redis.Redis(port=port, socket_connect_timeout=0.2).cluster("info")
                if info.get("cluster_state") != "ok" or int(info["cluster_known_nodes"]) < NODES:
                    return False
            return True

        self._wait(healthy, timeout=30)

    def owner_of(self, key: str) -> int:
        """The port of the node serving ``key``'s slot."""
        slot = key_slot(key.encode())
        for start, end, (_, port, *_rest), *_ in redis.Redis(port=self.ports[0]).cluster("slots"):
            if start <= slot <= end:
                return int(port)
        raise LookupError(f"no node serves slot {slot}")

    def kill(self, port: int) -> None:
        process = self._processes.pop(port)
        process.kill()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for port in list(self._processes):
            self.kill(port)

    @staticmethod
    def _wait(ready: object, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready():  # type: ignore[operator]
                    return
            except (redis.RedisError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not become ready")
            time.sleep(0.05)


@contextmanager
def redis_cluster(workdir: Path) -> Iterator[RedisClusterNodes]:
    """A created cluster (fails in CI / skips locally without the binaries)."""
    for binary in (REDIS_SERVER, REDIS_CLI):
        if not os.path.exists(binary):
            message = f"{binary} not found"
            if os.environ.get("CI"):
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    nodes = RedisClusterNodes(workdir)
    try:
        nodes.create()
        yield nodes
    finally:
        nodes.stop_all()
