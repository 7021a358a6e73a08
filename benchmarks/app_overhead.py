"""What the aurora-app stack costs: bare FastAPI vs ``create_service``, same routes, same run.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/app_overhead.py
    ... app_overhead.py --quick --min-ratio 0.75     # the CI guard: in process, ~5 s
    ... app_instructions.py                          # instructions per request (minutes)

Three routes in each app: ``GET /ping`` (a small JSON body: the stack alone),
``GET /records`` (a page of 50 records through a response model, held in memory so
the figure is the stack and serialization, not a database) and
``GET /records/session`` (the same page handed over by a session dependency with
``yield``, plus a validated ``limit`` query parameter: the shape of a real listing
route). The Aurora app runs
the default production stack: correlation id, error handling, JSON access log (to
/dev/null), Prometheus metrics, security headers, body limit, request deadline,
idempotency keys. asgi-correlation-id is not in the lockfile, so the "popular
combination" (it plus a structlog ``@app.middleware`` line) is not measured here.

Method (every figure is a median of interleaved repetitions, so drift on a shared
machine hits all apps alike):

* in process: the ASGI app is called directly with a minimal receive/send; the
  rate is requests per second of *CPU time* (``time.process_time``), which other
  processes cannot distort. Nothing but the framework and the stack is measured.
* served: each app runs under uvicorn (uvloop, httptools, one worker) pinned to
  one core with ``taskset``; the load generator is pinned to the other: ``wrk``
  (32 connections, one thread) and this script's own keep-alive client. Besides
  req/s, the server's CPU µs per request is read from ``/proc/PID/stat``: it is
  what a request costs the server, and the load on the rest of the machine moves
  it far less than it moves req/s.

What the profiles showed (py-spy ``record`` of the served processes under wrk,
py-spy and cProfile of the in-process loop, toggling one stage at a time):

* in process, before this round: the request deadline and the idempotency layer,
  two separate ASGI layers, took the ratio from about 0.68x to 0.58-0.64x. The
  deadline armed a loop timer per request (``call_at``: a ``TimerHandle``, a heap
  push, a cancelled entry left in the heap) and ``asyncio.get_running_loop()``
  alone cost more than the rest of its setup. It now runs in
  ``ServiceMiddleware``'s frame on one shared timer (``DeadlineClock``: a dict
  insert and delete per request, the loop found from the last request's thread);
  requests whose method takes no ``Idempotency-Key`` skip that layer's frame;
* ``opentelemetry.trace.get_tracer_provider()`` reads ``os.environ`` on every call
  while no SDK is installed (bare FastAPI pays it three times a request in its own
  telemetry hooks); the server-span check now reads the API's global instead, and
  access-log lines no longer look the span up at write time (they carry the ids
  of their request's span, which the batched write used to get wrong);
* ``f"{getrandbits(128):032x}"`` cost twice ``getrandbits(128).to_bytes(16).hex()``;
* left in process after that round (medians, idle machine): about 8 µs a request
  over bare's 32.5 µs (0.80x). Callgrind, per request: bare 333k instructions,
  Aurora 376k before the docs routes moved behind (bare FastAPI still pays those
  four misses). Switching one stage off: the access log is 27k
  of the 42k (emit about 7.6k, building, scanning and rendering the line about
  19.5k; eval-loop bytecode is the largest part, then dict building, orjson, the
  secret pre-checks), the deadline 6k, the rest 1-2k each. Building the line from
  a per-shape template dict (no resize) counted 0.7k *more*, and binding the
  correlation id without its scope object saved 1.5k (0.4%): the remaining cost is
  Python bytecode spread over the stages, each doing what it is for; with every
  stage switched off the Aurora app runs at bare speed (1.03x);
* FastAPI's own request handler: a plain Starlette route answering ``/ping`` took
  13 µs where bare FastAPI took 45-72 µs on the same run, and cProfile put half of
  bare FastAPI's time under ``get_request_handler``'s ``app``: ``solve_dependencies``
  (a sub-response with its header dance, a dependency cache, two exit-stack
  lookups, four ``request_params_to_args`` passes, for an endpoint that takes
  nothing), four native-telemetry context lookups, the body and stream branches,
  and its own bytecode. ``ServiceRoute`` (aurora-app's ``_routing.py``) serves
  routes without a body or a stream with the same steps, built from FastAPI's own
  functions, and hands a request back to FastAPI's handler when it needs more.
  Callgrind, per request (``app_instructions.py``): ``/ping`` bare 332k, Aurora 248k;
  ``/records`` bare 1,380k, Aurora 1,260k; ``/records/session`` (which still solves
  its dependency) bare 1,605k, Aurora 1,576k. About 1,050k of a records request is
  the response model's validation and ``dump_json``, the same in both;
* callgrind instruction counts per request (repeatable on a loaded machine), an
  earlier round: bare 331k, Aurora 388k before it, 379k after it. Gone then: the
  deadline's own coroutine, the inert span's four calls, a clock
  read per log line (one per write now) and the hash of each line's shape;
* served, the stack cost 61 µs of server CPU per request more than bare (143 vs
  82 µs on an idle machine, 0.57x), five times the in-process gap. Switching one
  stage off at a time under wrk put 42 µs of it on the request deadline alone, and
  ``gc.get_stats()`` in the served process showed why: with the deadline on, every
  request ended as about 30 objects of cyclic garbage (the finished ``Deadline``
  kept its task and ``send``, both bound to uvicorn's per-request object, which
  holds the scope, which holds the ``Deadline``), collected by gen-0/1/2 passes
  (2 gen-2 collections a second under load) instead of by refcounting. In process
  the benchmark's driver owns the task, so the cycle never formed and the cost was
  invisible there; py-spy had spread it over allocation-heavy lines of both apps.
  ``Deadline.cancel()`` now lets go of both, a 429's error no longer keeps its own
  frame through a local, and ``libs/aurora-app/tests/test_garbage.py`` counts cyclic
  garbage (``gc.DEBUG_SAVEALL``) over real uvicorn requests of seven kinds. Served
  ``/ping`` went to 0.85-0.87x, the records page to 0.86x;
* routing: Starlette tries routes in order and each miss costs about 1.2 µs with
  FastAPI 0.165's routes (``APIRoute.matches`` looks up its effective route context
  before the regex), measured by adding 5 and 20 routes in front of ``/ping`` in bare
  FastAPI (+6 and +18 µs). FastAPI registers its four docs routes first, so every
  business request of both apps paid about 4 µs for them; the service app now moves
  them behind its own routes (as it already did with the probes), unless a catch-all
  would capture them: in process ``/ping`` went from 0.75x to 0.80x. A service with
  many routes pays the same tax for each route in front of the one it calls, in bare
  FastAPI and in Aurora alike: put hot routes first;
* the records route: FastAPI (0.165) already validates the return value with the
  response model's ``TypeAdapter`` and dumps it straight to JSON bytes
  (``dump_json``), so there was no cheaper serializer to make the default. What
  made Aurora's route faster than bare FastAPI's is the handler above; the
  serializer is the same pydantic-core call in both.

CPU time on this shared VM moves by 10-20% between runs (steal is charged to the
running process), so the in-process and served ratios are read over several runs;
``app_instructions.py`` counts instructions per request under valgrind instead, which load
does not change (two run lengths per app and route; the difference cancels the
fixed part).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel

IN_PROCESS_REQUESTS = 5_000
IN_PROCESS_ROUNDS = 7
SERVED_SECONDS = 5.0
SERVED_ROUNDS = 5
CONNECTIONS = 32
ROUTES = ("/ping", "/records", "/records/session")
BARE = "bare FastAPI"
AURORA = "aurora create_service"


# --- the apps ----------------------------------------------------------------------------


class Record(BaseModel):
    id: UUID
    name: str
    email: str
    created_at: datetime
    score: float
    tags: list[str]
    active: bool


class Page(BaseModel):
    items: list[Record]
    next_cursor: str | None


def records() -> list[dict[str, Any]]:
    """50 rows as a query returns them (mappings), built once: the stack is measured."""
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {
            "id": UUID(int=index),
            "name": f"record {index}",
            "email": f"user{index}@example.com",
            "created_at": created,
            "score": index / 7,
            "tags": ["alpha", "beta"],
            "active": index % 2 == 0,
        }
        for index in range(50)
    ]


ROWS = records()


async def session() -> AsyncIterator[list[dict[str, Any]]]:
    """Stands in for a database session dependency: set up, handed over, closed."""
    yield ROWS


def add_routes(app: Any) -> Any:
    rows = ROWS

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/records", response_model=Page)
    async def list_records() -> Any:
        return {"items": rows, "next_cursor": None}  # validated and serialized by the model

    @app.get("/records/session", response_model=Page)
    async def list_records_session(
        db: Annotated[list[dict[str, Any]], Depends(session)],
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Any:
        return {"items": db[:limit], "next_cursor": None}

    return app


def bare_app() -> Any:
    from fastapi import FastAPI

    return add_routes(FastAPI())


def aurora_app() -> Any:
    from aurora.app import create_service
    from aurora.config import ServiceConfig
    from aurora.logging import setup_logging

    setup_logging("bench", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
    config = ServiceConfig.composed().model_validate({"service": {"name": "bench"}})
    service = create_service("bench", config, configure_logging=False)
    return add_routes(service.app)


APPS: dict[str, Callable[[], Any]] = {BARE: bare_app, AURORA: aurora_app}


# --- in process --------------------------------------------------------------------------


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench/1.0")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def drive(app: Any, path: str, requests: int) -> float:
    """CPU µs per request calling ``app`` directly."""
    template = _scope(path)
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
    for index in range(requests):
        await app(dict(template), receive, send)
        if index % 32 == 0:  # let the loop run its callbacks (log flushes), as a server does
            await asyncio.sleep(0)
    elapsed = time.process_time() - start
    assert statuses == [200] * requests, set(statuses)
    return elapsed / requests * 1e6


def in_process(requests: int, rounds: int, routes: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """Median CPU µs per request of each (app, route)."""
    apps = {name: factory() for name, factory in APPS.items()}
    runs: dict[tuple[str, str], list[float]] = {(a, r): [] for a in apps for r in routes}
    for _ in range(rounds):
        for route in routes:
            for name, app in apps.items():
                runs[name, route].append(asyncio.run(drive(app, route, requests)))
    return {key: statistics.median(values) for key, values in runs.items()}


# --- served ------------------------------------------------------------------------------


def serve(kind: str, port: int) -> None:
    import uvicorn

    app = APPS[kind]()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        workers=1,
        log_level="error",
        access_log=False,
        log_config=None,
    )


def _cores() -> tuple[str, str]:
    """(server core, load core): separate when the machine has two."""
    cores = sorted(os.sched_getaffinity(0))
    return (str(cores[0]), str(cores[-1]))


def _pinned(core: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if shutil.which("taskset") else command


async def _connection(port: int, request: bytes, deadline: float, counter: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
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


async def _hammer(port: int, path: str, seconds: float) -> int:
    counter = [0]
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_connection(port, request, deadline, counter) for _ in range(CONNECTIONS))
    )
    return counter[0]


def own_client(port: int, path: str, seconds: float) -> None:
    """The script's own client (run pinned, as a subprocess): prints the request count."""
    import uvloop

    print(uvloop.run(_hammer(port, path, seconds)))


_WRK_TOTAL = re.compile(r"(\d+) requests in")
_WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _load(tool: str, port: int, path: str, seconds: float, core: str) -> int:
    """Requests completed by one load run of ``tool`` against ``port``."""
    if tool == "wrk":
        command = [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            f"http://127.0.0.1:{port}{path}",
        ]
    else:
        command = [sys.executable, __file__, "--client", str(port), path, str(seconds)]
    output = subprocess.run(
        _pinned(core, command), capture_output=True, text=True, check=True
    ).stdout
    if tool != "wrk":
        return int(output.split()[-1])
    if _WRK_ERRORS.search(output):
        raise RuntimeError(f"non-2xx answers:\n{output}")
    match = _WRK_TOTAL.search(output)
    if match is None:
        raise RuntimeError(output)
    return int(match.group(1))


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_up(port: int, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def served(
    seconds: float, rounds: int, routes: tuple[str, ...], tools: tuple[str, ...]
) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Median (req/s, server CPU µs/request) of each (tool, app, route)."""
    from aurora.testing.server import free_port

    server_core, load_core = _cores()
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    runs: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    try:
        for name in APPS:
            port = free_port()
            command = [sys.executable, __file__, "--serve", name, "--port", str(port)]
            servers[name] = (subprocess.Popen(_pinned(server_core, command)), port)
        for _, port in servers.values():
            _wait_until_up(port)
            for route in routes:  # warm up
                _load(tools[0], port, route, 1.0, load_core)
        for _ in range(rounds):
            for tool in tools:
                for route in routes:
                    for name, (process, port) in servers.items():
                        cpu, wall = server_cpu(process.pid), time.perf_counter()
                        done = _load(tool, port, route, seconds, load_core)
                        wall, cpu = time.perf_counter() - wall, server_cpu(process.pid) - cpu
                        runs.setdefault((tool, name, route), []).append(
                            (done / wall, cpu / done * 1e6)
                        )
        return {
            key: (
                statistics.median(rate for rate, _ in values),
                statistics.median(cost for _, cost in values),
            )
            for key, values in runs.items()
        }
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(10)


# --- report ------------------------------------------------------------------------------


def in_process_table(results: dict[tuple[str, str], float]) -> list[str]:
    lines = [
        "| in process | route | app | CPU µs/request | req/s (CPU) | ratio vs bare |",
        "|---|---|---|---:|---:|---:|",
    ]
    for (name, route), micros in results.items():
        ratio = results[BARE, route] / micros
        lines.append(
            f"| in process | `{route}` | {name} | {micros:.1f} | {1e6 / micros:,.0f} | {ratio:.2f}x |"
        )
    return lines


def served_table(results: dict[tuple[str, str, str], tuple[float, float]]) -> list[str]:
    lines = [
        "| served, load by | route | app | req/s | server CPU µs/request | ratio req/s | ratio CPU |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for (tool, name, route), (rate, cost) in results.items():
        bare_rate, bare_cost = results[tool, BARE, route]
        lines.append(
            f"| {tool} | `{route}` | {name} | {rate:,.0f} | {cost:.1f} | "
            f"{rate / bare_rate:.2f}x | {bare_cost / cost:.2f}x |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=list(APPS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--in-process-only", action="store_true", help="skip the served runs")
    parser.add_argument(
        "--quick", action="store_true", help="in process, /ping only, fewer requests (CI)"
    )
    parser.add_argument(
        "--min-ratio", type=float, help="exit 1 when Aurora's in-process /ping ratio is below this"
    )
    parser.add_argument(
        "--attempts",
        type=int,
        default=3,
        help="with --min-ratio: measure again, up to this many times, before failing",
    )
    parser.add_argument("--rounds", type=int, default=SERVED_ROUNDS, help="served repetitions")
    parser.add_argument("--seconds", type=float, default=SERVED_SECONDS, help="per served run")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    if args.client:
        own_client(int(args.client[0]), args.client[1], float(args.client[2]))
        return
    started = os.getloadavg()[0]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load {started:.1f}")
    # A guard, not a figure: on a shared VM one measurement in a few reads low (steal,
    # neighbours), so a failing ratio is measured again; a real regression fails every
    # attempt. Each attempt's table is printed, and reported figures use one run.
    attempts = max(1, args.attempts) if args.min_ratio is not None else 1
    for attempt in range(1, attempts + 1):
        if args.quick:
            results = in_process(2_000, 15, ("/ping",))  # more rounds: a steadier median
        else:
            results = in_process(IN_PROCESS_REQUESTS, IN_PROCESS_ROUNDS, ROUTES)
        print("\n".join(in_process_table(results)))
        ratio = results[BARE, "/ping"] / results[AURORA, "/ping"]
        if args.min_ratio is None or ratio >= args.min_ratio or attempt == attempts:
            break
        print(f"attempt {attempt}: {ratio:.2f}x is below {args.min_ratio:.2f}x, measuring again")
    if not (args.quick or args.in_process_only):
        tools = ("wrk", "own client") if shutil.which("wrk") else ("own client",)
        print()
        print("\n".join(served_table(served(args.seconds, args.rounds, ROUTES, tools))))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    if args.min_ratio is not None and ratio < args.min_ratio:
        print(f"FAIL: in-process /ping ratio {ratio:.2f}x is below {args.min_ratio:.2f}x")
        sys.exit(1)


if __name__ == "__main__":
    main()
