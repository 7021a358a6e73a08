"""ServiceClient vs raw httpx.AsyncClient against the same local uvicorn server.

Run: ``PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/http_client.py``

The server runs in its own process (so it doesn't share the client's GIL) and
serves a tiny JSON answer; both clients hit it in the same run, in paired
rounds (alternating which goes first) so drift affects them alike; the table
shows medians, and the ratio is the median of the per-round ratios.
Scenarios: sequential calls, 50 concurrent callers on a 100-connection pool,
and 50 concurrent callers on a 10-connection pool (httpx's pool does work that
grows with the number of waiters; this shows what it costs). Prints a markdown
table with requests/second and the ServiceClient/raw ratio (target >= 0.95).
Bounded: well under 60 s. ``AURORA_BENCH_SCALE`` (default 1) scales the rounds and
their length.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from statistics import median

import httpx
from prometheus_client import CollectorRegistry

from aurora.http import ClientRegistry, ServiceClient

SERVER = """
import sys, uvicorn

BODY = b'{"id":"1","name":"Math"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, lifespan="off", http="h11", loop="asyncio")
"""

# AURORA_BENCH_SCALE shrinks every round: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
ROUNDS = max(1, int(4 * SCALE))
ROUND_SECONDS = max(0.1, 0.7 * SCALE)
WARMUP_SECONDS = max(0.05, 0.2 * SCALE)
CONCURRENCY = 50


@dataclass
class Scenario:
    name: str
    concurrency: int
    pool: int
    in_memory: bool = False


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "1", "name": "Math"})


def transport_for(scenario: Scenario) -> httpx.MockTransport | None:
    """In-memory scenarios take the network and server out: client CPU cost only."""
    return httpx.MockTransport(_answer) if scenario.in_memory else None


SCENARIOS = [
    Scenario("in-memory transport, sequential (client CPU only)", 1, 100, in_memory=True),
    Scenario("sequential", 1, 100),
    Scenario(f"{CONCURRENCY} concurrent, pool 100", CONCURRENCY, 100),
    Scenario(f"{CONCURRENCY} concurrent, pool 10", CONCURRENCY, 10),
]


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("benchmark server did not start")


async def drive(call: Callable[[], Awaitable[object]], seconds: float, concurrency: int) -> float:
    """Requests per second achieved by ``concurrency`` workers calling for ``seconds``.

    Time-boxed rather than count-boxed so the whole run stays bounded on a slow or
    busy machine.
    """
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def raw_round(url: str, scenario: Scenario) -> float:
    limits = httpx.Limits(max_connections=scenario.pool, max_keepalive_connections=scenario.pool)
    transport = transport_for(scenario)
    async with httpx.AsyncClient(base_url=url, limits=limits, transport=transport) as client:

        async def call() -> None:
            response = await client.get("/api/v1/subjects")
            response.raise_for_status()

        await drive(call, WARMUP_SECONDS, scenario.concurrency)  # open the pool's connections
        return await drive(call, ROUND_SECONDS, scenario.concurrency)


async def aurora_round(url: str, scenario: Scenario) -> float:
    registry = ClientRegistry(metrics_registry=CollectorRegistry())
    limits = httpx.Limits(max_connections=scenario.pool, max_keepalive_connections=scenario.pool)
    async with ServiceClient(
        "subject-service",
        url,
        registry=registry,
        limits=limits,
        caller="bench",
        transport=transport_for(scenario),
    ) as client:

        async def call() -> None:
            client.raise_for_status(await client.get("/api/v1/subjects"))

        await drive(call, WARMUP_SECONDS, scenario.concurrency)
        return await drive(call, ROUND_SECONDS, scenario.concurrency)


async def measure(url: str) -> list[tuple[Scenario, float, float, float]]:
    """Per scenario: median raw and ServiceClient throughput, and the median paired ratio.

    Rounds alternate which client goes first, and each round's ratio compares two
    runs taken back to back, so load from other processes cancels out as far as it can.
    """
    results = []
    for scenario in SCENARIOS:
        raw: list[float] = []
        aurora: list[float] = []
        for index in range(ROUNDS):
            if index % 2:
                aurora.append(await aurora_round(url, scenario))
                raw.append(await raw_round(url, scenario))
            else:
                raw.append(await raw_round(url, scenario))
                aurora.append(await aurora_round(url, scenario))
        ratios = [a / r for a, r in zip(aurora, raw, strict=True)]
        results.append((scenario, median(raw), median(aurora), median(ratios)))
    return results


def table(results: list[tuple[Scenario, float, float, float]]) -> str:
    lines = [
        "| scenario | raw httpx (req/s) | ServiceClient (req/s) | ratio | extra time per call |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for scenario, raw, aurora, ratio in results:
        overhead_us = (1 / aurora - 1 / raw) * 1e6  # amortised over concurrent callers
        lines.append(
            f"| {scenario.name} | {raw:,.0f} | {aurora:,.0f} | {ratio:.2f}x "
            f"| {overhead_us:+.0f} µs |"
        )
    return "\n".join(lines)


def main() -> None:
    port = free_port()
    server = start_server(port)
    started = time.perf_counter()
    try:
        results = asyncio.run(measure(f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"aurora-http benchmark (httpx {httpx.__version__}, Python {sys.version.split()[0]}, "
        f"medians of {ROUNDS} paired rounds, {time.perf_counter() - started:.0f} s)\n"
    )
    print(table(results))


if __name__ == "__main__":
    main()
