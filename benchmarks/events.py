"""aurora-events throughput against raw redis-py baselines measured in the same run.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/events.py [--events N]

Rows (events/s, medians of ``--repeat`` rounds; the ratio is the median of each
round's aurora / raw, the two measured back to back):

* publish: ``Publisher.publish_many`` (envelope serialization + pipelined ``XADD
  MAXLEN ~``) vs raw pipelined ``XADD`` (``execute_command``) of pre-encoded bodies
  with the same cap.
* consume: ``Consumer.drain`` (parse, validate, dispatch, one ``XACK`` per batch)
  vs raw ``XREADGROUP COUNT 100`` + ``XACK`` of the batch, both with no-op handling.
* outbox relay: committed outbox rows on PostgreSQL to Redis (``OutboxRelay``,
  ``FOR UPDATE SKIP LOCKED``, delete after confirm) vs raw pipelined ``XADD``
  (half as many rounds: staging the rows is the slow part).

Needs Redis (``AURORA_TEST_REDIS_URL``, default redis://127.0.0.1:6379/0) and, for the
relay row, PostgreSQL (``AURORA_TEST_POSTGRES_URL``, default the test database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from aurora.events import (
    Consumer,
    Event,
    EventType,
    OutboxRelay,
    Publisher,
    RedisBroker,
    RetryPolicy,
    add_to_outbox,
    create_subject_created_event,
    events_metadata,
)

REDIS_URL = os.environ.get("AURORA_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
POSTGRES_URL = (
    os.environ.get("AURORA_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MAXLEN = 1_000_000
CHUNK = 1000
READ_COUNT = 100


def make_events(count: int) -> list[Event]:
    return [
        create_subject_created_event(str(i), {"name": f"Subject {i}", "credits": 5}, "bench")
        for i in range(count)
    ]


Work = Callable[[], Awaitable[None]]


async def timed_runs(runs: int, count: int, setup: Work, *contenders: Work) -> list[list[float]]:
    """Events/s of every run of each contender; setup is not timed.

    Contenders alternate within each round, so that a machine getting busier or
    quieter during the benchmark affects the baseline and aurora-events alike.
    """
    rates: list[list[float]] = [[] for _ in contenders]
    for _ in range(runs):
        for index, work in enumerate(contenders):
            await setup()
            start = time.perf_counter()
            await work()
            rates[index].append(count / (time.perf_counter() - start))
    return rates


def compare(raw: list[float], ours: list[float]) -> tuple[float, float, float]:
    """Median rates, and the median of the per-round ratios (robust to load spikes)."""
    ratios = [mine / base for base, mine in zip(raw, ours, strict=True)]
    return statistics.median(raw), statistics.median(ours), statistics.median(ratios)


async def raw_xadd(client: Redis, key: str, bodies: list[bytes], event_type: str) -> None:
    # The leanest redis-py form (execute_command skips xadd()'s per-call option checks),
    # so the baseline is the best a hand-written publisher could do.
    for start in range(0, len(bodies), CHUNK):
        pipe = client.pipeline(transaction=False)
        for body in bodies[start : start + CHUNK]:
            pipe.execute_command(
                "XADD", key, "MAXLEN", "~", MAXLEN, "*", "type", event_type, "event", body
            )
        await pipe.execute()


async def raw_consume(client: Redis, key: str, group: str, count: int) -> None:
    seen = 0
    while seen < count:
        reply: Any = await client.xreadgroup(group, "raw", {key: ">"}, count=READ_COUNT)
        if not reply:
            break
        ids = [mid for mid, _ in reply[0][1]]
        seen += len(ids)
        await client.xack(key, group, *ids)


async def bench_publish(
    broker: RedisBroker, events: list[Event], runs: int
) -> tuple[float, float, float]:
    client, stream = broker.client, "aurora.subject"
    bodies = [event.to_json() for event in events]
    publisher = Publisher(broker)

    async def reset() -> None:
        await client.delete(broker.key(stream))

    async def raw() -> None:
        await raw_xadd(client, broker.key(stream), bodies, EventType.SUBJECT_CREATED)

    async def ours() -> None:
        await publisher.publish_many(events)

    raw_rates, our_rates = await timed_runs(runs, len(events), reset, raw, ours)
    return compare(raw_rates, our_rates)


async def bench_consume(
    broker: RedisBroker, events: list[Event], runs: int
) -> tuple[float, float, float]:
    client, stream = broker.client, "aurora.subject"
    key = broker.key(stream)
    await client.delete(key)
    await Publisher(broker).publish_many(events)
    groups = iter(range(1_000_000))
    current = {"group": ""}

    async def fresh_group() -> None:
        current["group"] = f"bench-{next(groups)}"
        await client.xgroup_create(key, current["group"], id="0")

    async def raw() -> None:
        await raw_consume(client, key, current["group"], len(events))

    async def noop(event: Event) -> None:
        return None

    async def ours() -> None:
        consumer = Consumer(
            broker, group=current["group"], batch_size=READ_COUNT, retry=RetryPolicy(attempts=1)
        )
        consumer.subscribe(EventType.SUBJECT_CREATED, noop)
        assert await consumer.drain() == len(events)

    raw_rates, our_rates = await timed_runs(runs, len(events), fresh_group, raw, ours)
    return compare(raw_rates, our_rates)


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[AsyncEngine]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    libpq = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"})
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(events_metadata.create_all)
        yield engine
    finally:
        await engine.dispose()
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


async def bench_relay(
    broker: RedisBroker, events: list[Event], runs: int
) -> tuple[float, float, float, float]:
    """Relay throughput (committed rows until all are in Redis), paired with raw XADD.

    Returns the raw and relay medians, the median paired ratio, and the median rate at
    which business transactions wrote the rows (1000 per transaction, not timed above).
    """
    client, key = broker.client, broker.key("aurora.subject")
    bodies = [event.to_json() for event in events]
    writes: list[float] = []
    async with postgres_schema() as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        relay = OutboxRelay(engine, broker, batch_size=1000, registry=CollectorRegistry())
        staged = False

        async def setup() -> None:
            nonlocal staged
            await client.delete(key)
            if not staged:
                start = time.perf_counter()
                for first in range(0, len(events), 1000):
                    async with sessions() as session, session.begin():
                        add_to_outbox(session, events[first : first + 1000])
                writes.append(len(events) / (time.perf_counter() - start))
                staged = True

        async def raw() -> None:
            await raw_xadd(client, key, bodies, EventType.SUBJECT_CREATED)

        async def relay_all() -> None:
            nonlocal staged
            while await relay.relay_once():
                pass
            staged = False

        raw_rates, relay_rates = await timed_runs(runs, len(events), setup, raw, relay_all)
        assert await client.xlen(key) == len(events)
    return (*compare(raw_rates, relay_rates), statistics.median(writes))


async def main(count: int, runs: int) -> None:
    started = time.perf_counter()
    events = make_events(count)
    broker = RedisBroker.from_url(REDIS_URL, prefix=f"bench-{uuid.uuid4().hex[:8]}:", maxlen=MAXLEN)
    try:
        publish = await bench_publish(broker, events, runs)
        consume = await bench_consume(broker, events, runs)
        *relay, writes = await bench_relay(broker, events, max(3, runs // 2))
    finally:
        keys = [key async for key in broker.client.scan_iter(match=broker.key("*"))]
        if keys:
            await broker.client.delete(*keys)
        await broker.close()
    rows = [
        ("publish: publish_many vs pipelined XADD", publish, ">= 0.8x"),
        ("consume: Consumer, batch XACK vs XREADGROUP + XACK", consume, ">= 0.7x"),
        ("outbox relay on PostgreSQL vs pipelined XADD", relay, "reported"),
    ]
    print(f"aurora-events benchmark: {count} events per run, medians of {runs} paired runs\n")
    print("| scenario | raw redis-py (events/s) | aurora-events (events/s) | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    for name, (raw, ours, ratio), target in rows:
        print(f"| {name} | {raw:,.0f} | {ours:,.0f} | {ratio:.2f}x | {target} |")
    print(f"\noutbox writes (add_to_outbox, 1000 events per transaction): {writes:,.0f} events/s")
    print(f"(total {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    asyncio.run(main(options.events, options.repeat))
