"""Cost of one log line through aurora.logging, against a bare structlog JSON pipeline.

aurora-app budgets ~25 µs for its per-request line; this measures what the
logging part of that costs. Every variant writes (and flushes) to os.devnull in
the same process, with the same fields, so the numbers differ only by pipeline:

- bare structlog: add_log_level + TimeStamper(iso, utc) + JSONRenderer (stdlib json),
  WriteLogger, make_filtering_bound_logger, concrete (not proxied) logger: the baseline.
- aurora json: setup_logging defaults (standard fields, correlation id, redaction, orjson).
- aurora json, redact=False: the same without the masking pass.
- aurora json, lazy proxy: through structlog's proxy, as a logger made before setup is.
- aurora LineWriter: the same line through the fast path (``aurora.logging.LineWriter``),
  one write per line, and in bursts of 64 lines per write as aurora-app's access log does.
- aurora via stdlib: a uvicorn.access record through the bridge.
- aurora below level: a debug call on an INFO logger (should be ~free).

Run: PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/logging_overhead.py

``AURORA_BENCH_SCALE`` (default 1) scales the default ``--lines`` and ``--repeats``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import structlog

from aurora.logging import (
    LineWriter,
    bind_correlation_id,
    get_logger,
    reset_logging,
    setup_logging,
)

FIELDS: dict[str, Any] = {
    "method": "GET",
    "path": "/api/v1/subjects/42",
    "status": 200,
    "duration_ms": 1.234,
    "client": "127.0.0.1:51234",
    "user_agent": "python-httpx/0.27.0",
}
CORRELATION_ID = "6f1c2a8e-4b7d-4f0e-9a53-2d8e1c7b9f10"
# AURORA_BENCH_SCALE shrinks every count: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
LINES = max(640, int(10_000 * SCALE))  # at least ten of LineWriter's bursts of 64
REPEATS = max(1, int(9 * SCALE))


def run(call: Callable[[], None], lines: int) -> float:
    """µs per line for ``lines`` calls."""
    started = time.perf_counter_ns()
    for _ in range(lines):
        call()
    return (time.perf_counter_ns() - started) / lines / 1000


def bare_structlog(devnull: Any) -> Callable[[], None]:
    logger = structlog.wrap_logger(
        structlog.WriteLogger(devnull),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    ).bind()  # the concrete logger, no lazy proxy: aurora's get_logger() returns one too

    def call() -> None:
        logger.info("request_completed", correlation_id=CORRELATION_ID, **FIELDS)

    return call


def aurora_json(devnull: Any, *, redact: bool) -> Callable[[], None]:
    setup_logging("bench-service", "INFO", fmt="json", stream=devnull, redact=redact)
    logger = get_logger()

    def call() -> None:
        logger.info("request_completed", **FIELDS)

    return call


def aurora_proxy(devnull: Any) -> Callable[[], None]:
    setup_logging("bench-service", "INFO", fmt="json", stream=devnull)
    # What a module-level `log = get_logger(__name__)` run before setup_logging holds.
    logger = structlog.get_logger()

    def call() -> None:
        logger.info("request_completed", **FIELDS)

    return call


def aurora_line_writer(devnull: Any, *, burst: int) -> Callable[[], None]:
    setup_logging("bench-service", "INFO", fmt="json", stream=devnull)
    writer = LineWriter("request_completed", trusted=("status", "duration_ms"))
    if burst == 1:

        def call() -> None:
            writer.write("info", FIELDS)

        return call
    lines = [("info", FIELDS)] * burst
    countdown = [burst]

    def call_in_bursts() -> None:
        # One call per line, as the others; every burst-th one writes the burst.
        countdown[0] -= 1
        if not countdown[0]:
            countdown[0] = burst
            writer.write_many(lines)

    return call_in_bursts


def aurora_stdlib(devnull: Any) -> Callable[[], None]:
    setup_logging("bench-service", "INFO", fmt="json", stream=devnull)
    access = logging.getLogger("uvicorn.access")

    def call() -> None:
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:51234", "GET", "/api/v1/subjects/42", "1.1", 200
        )

    return call


def aurora_filtered(devnull: Any) -> Callable[[], None]:
    setup_logging("bench-service", "INFO", fmt="json", stream=devnull)
    logger = get_logger()

    def call() -> None:
        logger.debug("request_completed", **FIELDS)

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINES, help="log calls per run")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per variant")
    args = parser.parse_args()

    with open(os.devnull, "w") as devnull, bind_correlation_id(CORRELATION_ID):
        variants: list[tuple[str, Callable[[], Callable[[], None]]]] = [
            ("bare structlog JSONRenderer (baseline)", lambda: bare_structlog(devnull)),
            ("aurora json (defaults, redaction on)", lambda: aurora_json(devnull, redact=True)),
            ("aurora json, redact=False", lambda: aurora_json(devnull, redact=False)),
            ("aurora json, lazy proxy (logger made before setup)", lambda: aurora_proxy(devnull)),
            ("aurora LineWriter, one line per write", lambda: aurora_line_writer(devnull, burst=1)),
            (
                "aurora LineWriter, bursts of 64 (access log)",
                lambda: aurora_line_writer(devnull, burst=64),
            ),
            ("aurora, stdlib record (uvicorn.access)", lambda: aurora_stdlib(devnull)),
            ("aurora, debug call below INFO", lambda: aurora_filtered(devnull)),
        ]
        samples: dict[str, list[float]] = {name: [] for name, _ in variants}
        try:
            # Round-robin: every variant sees the same machine load, which on a
            # shared box matters more than anything measured here.
            for round_number in range(args.repeats + 1):
                for name, prepare in variants:
                    micros = run(prepare(), args.lines)
                    if round_number:  # round 0 warms caches (logger cache, key verdicts)
                        samples[name].append(micros)
        finally:
            reset_logging()
    results = [(name, min(s), statistics.median(s)) for name, s in samples.items()]

    baseline = results[0][1]
    print(
        f"Python {sys.version.split()[0]}, structlog {structlog.__version__}, {args.lines} lines x {args.repeats} runs\n"
    )
    print("| pipeline | best µs/line | median µs/line | ratio vs bare (best) |")
    print("|---|---:|---:|---:|")
    for name, best, median in results:
        print(f"| {name} | {best:.2f} | {median:.2f} | {best / baseline:.2f}x |")


if __name__ == "__main__":
    main()
