"""What a CircuitBreaker costs per call, against calling the function bare, same run.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/utils_breaker.py

aurora-http wraps every outbound request in a breaker, so its per-call cost must
stay far below a network round trip. Each variant runs several rounds and keeps
its best (the least disturbed by the machine); the table prints per-call time
and the overhead over the bare call. Also times uuid7() against uuid.uuid4().
Finishes in well under a minute; ``AURORA_BENCH_SCALE`` (default 1) scales the calls
and rounds, which the smoke test uses to run it at 2% of its size.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable

from aurora.utils import CircuitBreaker, generate_uuid7, uuid7

# AURORA_BENCH_SCALE shrinks every count: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
CALLS = max(1_000, int(100_000 * SCALE))
ROUNDS = max(1, int(5 * SCALE))


def work(value: int) -> int:
    return value + 1


async def async_work(value: int) -> int:
    return value + 1


def best_ns_per_call(run: Callable[[], None], calls: int = CALLS) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        run()
        best = min(best, (time.perf_counter_ns() - start) / calls)
    return best


def sync_variants() -> dict[str, float]:
    breaker = CircuitBreaker("bench")
    guarded = breaker(work)

    def bare() -> None:
        for i in range(CALLS):
            work(i)

    def call() -> None:
        for i in range(CALLS):
            breaker.call(work, i)

    def decorated() -> None:
        for i in range(CALLS):
            guarded(i)

    def low_level() -> None:
        for i in range(CALLS):
            breaker.acquire()
            work(i)
            breaker.record_success(0.0)

    return {
        "sync: bare function": best_ns_per_call(bare),
        "sync: breaker.call": best_ns_per_call(call),
        "sync: @breaker": best_ns_per_call(decorated),
        "sync: acquire/record_success": best_ns_per_call(low_level),
    }


def async_variants() -> dict[str, float]:
    breaker = CircuitBreaker("bench")

    async def bare() -> None:
        for i in range(CALLS):
            await async_work(i)

    async def call() -> None:
        for i in range(CALLS):
            await breaker.call_async(async_work, i)

    return {
        "async: bare await": best_ns_per_call(lambda: asyncio.run(bare())),
        "async: breaker.call_async": best_ns_per_call(lambda: asyncio.run(call())),
    }


def id_variants() -> dict[str, float]:
    def v4() -> None:
        for _ in range(CALLS):
            uuid.uuid4()

    def v7() -> None:
        for _ in range(CALLS):
            uuid7()

    def v7_str() -> None:
        for _ in range(CALLS):
            generate_uuid7()

    return {
        "ids: uuid.uuid4()": best_ns_per_call(v4),
        "ids: uuid7()": best_ns_per_call(v7),
        "ids: generate_uuid7()": best_ns_per_call(v7_str),
    }


def table(rows: dict[str, float], baseline: str) -> list[str]:
    base = rows[baseline]
    lines = []
    for name, ns in rows.items():
        extra = "" if name == baseline else f"{(ns - base) / 1000:+.2f} µs"
        lines.append(f"| {name} | {ns / 1000:.3f} µs | {ns / base:.1f}x | {extra} |")
    return lines


def main() -> None:
    print(f"{CALLS:,} calls per round, best of {ROUNDS} rounds\n")
    print("| variant | per call | vs baseline | overhead |")
    print("| --- | --- | --- | --- |")
    for line in table(sync_variants(), "sync: bare function"):
        print(line)
    for line in table(async_variants(), "async: bare await"):
        print(line)
    for line in table(id_variants(), "ids: uuid.uuid4()"):
        print(line)


if __name__ == "__main__":
    main()
