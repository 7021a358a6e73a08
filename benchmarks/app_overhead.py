"""What the aurora-app stack costs: bare FastAPI vs ``create_service``, same /ping, same run.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/app_overhead.py

Two measurements; each alternates the two apps over several rounds and keeps each
app's best round (the one least disturbed by the rest of the machine):

* in-process: the ASGI app is called directly with a minimal fake receive/send, so
  the figure is framework + middleware cost alone. Throughput is requests per
  second of *CPU time* (``time.process_time``), which other processes on a shared
  machine cannot distort;
* loopback: each app is served by uvicorn (uvloop, httptools) in its own process
  and driven over 16 keep-alive connections by a raw-socket client in this process.
  Observed req/s depends on how much CPU the machine leaves to the server, so the
  table also gives the server's CPU time per request, read from /proc, and the
  ratio of those (capacity), which does not.

The Aurora app runs the default stack: correlation id, error handling, request
logging (JSON lines to /dev/null), Prometheus metrics, security headers, body limit.
Prints a markdown table; takes about half a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

IN_PROCESS_REQUESTS = 10_000
IN_PROCESS_ROUNDS = 5
LOOPBACK_SECONDS = 2.0
LOOPBACK_ROUNDS = 3
LOOPBACK_CONNECTIONS = 16
REQUEST = b"GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n"


def bare_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


def aurora_app() -> Any:
    from aurora.app import create_service
    from aurora.config import ServiceConfig
    from aurora.logging import setup_logging

    setup_logging("bench", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
    config = ServiceConfig.composed().model_validate({"service": {"name": "bench"}})
    service = create_service("bench", config, configure_logging=False)

    @service.app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return service.app


APPS: dict[str, Callable[[], Any]] = {"bare FastAPI": bare_app, "aurora create_service": aurora_app}


# --- in-process -------------------------------------------------------------------------


async def drive(app: Any, requests: int) -> float:
    """Requests per second calling ``app`` directly."""
    template = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ping",
        "raw_path": b"/ping",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench/1.0")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    request_message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request_message

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):  # warm up: build the middleware stack, fill caches
        await app(dict(template), receive, send)
    statuses.clear()
    start = time.process_time()
    for _ in range(requests):
        await app(dict(template), receive, send)
    elapsed = time.process_time() - start
    assert statuses == [200] * requests, set(statuses)
    return requests / elapsed


def in_process() -> dict[str, float]:
    apps = {name: factory() for name, factory in APPS.items()}
    best = dict.fromkeys(apps, 0.0)
    for _ in range(IN_PROCESS_ROUNDS):
        for name, app in apps.items():
            best[name] = max(best[name], asyncio.run(drive(app, IN_PROCESS_REQUESTS)))
    return best


# --- loopback -----------------------------------------------------------------------------


def serve(kind: str, port: int) -> None:
    import uvicorn

    app = APPS[kind]()
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="error", access_log=False, log_config=None
    )


async def _connection(port: int, deadline: float, counter: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            writer.write(REQUEST)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.decode())
            counter[0] += 1
    finally:
        writer.close()


def run_client(coroutine: Any) -> Any:
    """Run the client on uvloop when available: the client must cost less than the servers."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


async def hammer(port: int, seconds: float) -> float:
    counter = [0]
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(_connection(port, deadline, counter) for _ in range(LOOPBACK_CONNECTIONS))
    )
    return counter[0] / (time.perf_counter() - start)


async def wait_until_up(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_server(process: subprocess.Popen[bytes], port: int) -> tuple[float, float]:
    """Observed req/s and server CPU microseconds per request over one round."""
    cpu_before, wall_before = server_cpu(process.pid), time.perf_counter()
    rate = run_client(hammer(port, LOOPBACK_SECONDS))
    elapsed = time.perf_counter() - wall_before
    cpu = server_cpu(process.pid) - cpu_before
    return rate, cpu / (rate * elapsed) * 1e6


def loopback() -> dict[str, tuple[float, float]]:
    from aurora.testing.server import free_port

    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for name in APPS:
            port = free_port()
            command = [sys.executable, __file__, "--serve", name, "--port", str(port)]
            servers[name] = (subprocess.Popen(command), port)
        for _, port in servers.values():
            run_client(wait_until_up(port))
        for _, port in servers.values():  # warm up
            run_client(hammer(port, 0.3))
        rates = dict.fromkeys(APPS, 0.0)
        costs = dict.fromkeys(APPS, float("inf"))
        for _ in range(LOOPBACK_ROUNDS):
            for name, (process, port) in servers.items():
                rate, cost = measure_server(process, port)
                rates[name] = max(rates[name], rate)
                costs[name] = min(costs[name], cost)
        return {name: (rates[name], costs[name]) for name in APPS}
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(10)


# --- report -------------------------------------------------------------------------------


def table(in_proc: dict[str, float], served: dict[str, tuple[float, float]] | None) -> str:
    bare = "bare FastAPI"
    lines = [
        "| scenario | app | req/s | CPU µs/request | ratio vs bare |",
        "|---|---|---:|---:|---:|",
    ]
    for name, rate in in_proc.items():
        ratio = rate / in_proc[bare]
        lines.append(
            f"| in-process ASGI | {name} | {rate:,.0f} | {1e6 / rate:.1f} | {ratio:.2f}x |"
        )
    for name, (rate, cost) in (served or {}).items():
        capacity = served[bare][1] / cost if served else 0.0
        observed = rate / served[bare][0] if served else 0.0
        lines.append(
            f"| uvicorn loopback | {name} | {rate:,.0f} | {cost:.1f} | "
            f"{capacity:.2f}x (observed {observed:.2f}x) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=list(APPS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-loopback", action="store_true", help="in-process figures only")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    in_proc = in_process()
    served = None if args.skip_loopback else loopback()
    print(table(in_proc, served))


if __name__ == "__main__":
    main()
