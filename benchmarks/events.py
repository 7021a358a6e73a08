"""aurora-events throughput against raw redis-py and nats-py baselines measured in the same run.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/events.py [--events N]
        [--transports redis,nats]

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

The same three rows run on NATS JetStream (``NatsBroker``) against raw nats-py:
``publish_async`` of pre-encoded bodies then every PubAck awaited, and a pull
consumer's ``fetch(100)`` + ``ack()`` per message (one flush per batch).

Needs Redis (``AURORA_TEST_REDIS_URL``, default redis://127.0.0.1:6379/0), NATS with
JetStream (``AURORA_TEST_NATS_URL``, default nats://127.0.0.1:4222) and, for the relay
rows, PostgreSQL (``AURORA_TEST_POSTGRES_URL``, default the test database).
``AURORA_BENCH_SCALE`` (default 1) scales the default ``--events`` and ``--repeat`` and
the relay's fewest rounds.
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
    Broker,
    Consumer,
    Event,
    EventType,
    NatsBroker,
    OutboxRelay,
    Publisher,
    RedisBroker,
    RetryPolicy,
    add_to_outbox,
    create_subject_created_event,
    events_metadata,
)
from aurora.events._broker import encode

REDIS_URL = os.environ.get("AURORA_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
POSTGRES_URL = (
    os.environ.get("AURORA_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NATS_URL = os.environ.get("AURORA_TEST_NATS_URL") or "nats://127.0.0.1:4222"
MAXLEN = 1_000_000
CHUNK = 1000
READ_COUNT = 100
# AURORA_BENCH_SCALE shrinks every count: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
EVENTS = max(READ_COUNT, int(5_000 * SCALE))
REPEAT = max(1, int(7 * SCALE))
RELAY_RUNS = max(1, int(3 * SCALE))  # the fewest relay rounds: staging the rows is slow


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

    async def reset() -> None:
        await client.delete(key)

    async def raw() -> None:
        await raw_xadd(client, key, bodies, EventType.SUBJECT_CREATED)

    async def stored() -> int:
        return int(await client.xlen(key))

    return await relay_rows(broker, events, runs, reset=reset, raw=raw, stored=stored)


async def relay_rows(
    broker: Broker,
    events: list[Event],
    runs: int,
    *,
    reset: Work,
    raw: Work,
    stored: Callable[[], Awaitable[int]],
) -> tuple[float, float, float, float]:
    """The relay row on any transport: ``raw`` is the paired baseline, ``reset`` empties."""
    writes: list[float] = []
    async with postgres_schema() as engine:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        relay = OutboxRelay(engine, broker, batch_size=1000, registry=CollectorRegistry())
        staged = False

        async def setup() -> None:
            nonlocal staged
            await reset()
            if not staged:
                start = time.perf_counter()
                for first in range(0, len(events), 1000):
                    async with sessions() as session, session.begin():
                        add_to_outbox(session, events[first : first + 1000])
                writes.append(len(events) / (time.perf_counter() - start))
                staged = True

        async def relay_all() -> None:
            nonlocal staged
            while await relay.relay_once():
                pass
            staged = False

        raw_rates, relay_rates = await timed_runs(runs, len(events), setup, raw, relay_all)
        assert await stored() == len(events)
    return (*compare(raw_rates, relay_rates), statistics.median(writes))


async def raw_publish_async(js: Any, subject: str, bodies: list[bytes]) -> None:
    # What a hand-written JetStream publisher does: pipeline, then await every PubAck.
    futures = [await js.publish_async(subject, body) for body in bodies]
    await asyncio.gather(*futures)


async def raw_fetch_ack(sub: Any, client: Any, count: int) -> None:
    seen = 0
    while seen < count:
        msgs = await sub.fetch(READ_COUNT, timeout=1.0)
        for msg in msgs:
            await msg.ack()
        seen += len(msgs)
        await client.flush()


async def bench_nats_publish(
    broker: NatsBroker, events: list[Event], runs: int
) -> tuple[float, float, float]:
    js, stream = await broker.jetstream(), "aurora.subject"
    await broker.publish([encode(events[0])])  # creates the stream
    subject = broker.subject(stream, EventType.SUBJECT_CREATED)
    bodies = [event.to_json() for event in events]
    publisher = Publisher(broker)

    async def reset() -> None:
        await js.purge_stream(broker.stream_name(stream))

    async def raw() -> None:
        await raw_publish_async(js, subject, bodies)

    async def ours() -> None:
        await publisher.publish_many(events)

    raw_rates, our_rates = await timed_runs(runs, len(events), reset, raw, ours)
    return compare(raw_rates, our_rates)


async def bench_nats_consume(
    broker: NatsBroker, events: list[Event], runs: int
) -> tuple[float, float, float]:
    js, stream = await broker.jetstream(), "aurora.subject"
    name = broker.stream_name(stream)
    await broker.ensure_group(stream, "bench-setup")
    await js.purge_stream(name)
    await Publisher(broker).publish_many(events)
    groups = iter(range(1_000_000))
    current = {"group": ""}

    async def fresh_group() -> None:
        current["group"] = f"bench-{next(groups)}"
        await broker.ensure_group(stream, current["group"])

    async def raw() -> None:
        sub = await js.pull_subscribe_bind(durable=current["group"], stream=name)
        await raw_fetch_ack(sub, broker.client, len(events))
        await sub.unsubscribe()

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


async def bench_nats_relay(
    broker: NatsBroker, events: list[Event], runs: int
) -> tuple[float, float, float, float]:
    """The relay row on JetStream: rows are deleted only after their PubAcks."""
    js, stream = await broker.jetstream(), "aurora.subject"
    name = broker.stream_name(stream)
    subject = broker.subject(stream, EventType.SUBJECT_CREATED)
    bodies = [event.to_json() for event in events]

    async def reset() -> None:
        await js.purge_stream(name)

    async def raw() -> None:
        await raw_publish_async(js, subject, bodies)

    async def stored() -> int:
        return int((await js.stream_info(name)).state.messages)

    return await relay_rows(broker, events, runs, reset=reset, raw=raw, stored=stored)


async def redis_rows(events: list[Event], runs: int) -> list[Row]:
    broker = RedisBroker.from_url(REDIS_URL, prefix=f"bench-{uuid.uuid4().hex[:8]}:", maxlen=MAXLEN)
    try:
        publish = await bench_publish(broker, events, runs)
        consume = await bench_consume(broker, events, runs)
        *relay, writes = await bench_relay(broker, events, max(RELAY_RUNS, runs // 2))
    finally:
        keys = [key async for key in broker.client.scan_iter(match=broker.key("*"))]
        if keys:
            await broker.client.delete(*keys)
        await broker.close()
    return [
        ("Redis", "publish: publish_many vs pipelined XADD", publish, ">= 0.8x"),
        ("Redis", "consume: Consumer, batch XACK vs XREADGROUP + XACK", consume, ">= 0.7x"),
        ("Redis", "outbox relay on PostgreSQL vs pipelined XADD", (*relay,), "reported"),
        ("Redis", f"(outbox writes, 1000 per transaction: {writes:,.0f} events/s)", None, ""),
    ]


async def nats_rows(events: list[Event], runs: int) -> list[Row]:
    broker = NatsBroker(NATS_URL, prefix=f"bench_{uuid.uuid4().hex[:8]}.", maxlen=MAXLEN)
    try:
        publish = await bench_nats_publish(broker, events, runs)
        consume = await bench_nats_consume(broker, events, runs)
        *relay, _ = await bench_nats_relay(broker, events, max(RELAY_RUNS, runs // 2))
    finally:
        await broker.delete_streams()
        await broker.close()
    return [
        ("JetStream", "publish: publish_many vs publish_async + PubAcks", publish, ">= 0.8x"),
        ("JetStream", "consume: Consumer vs fetch(100) + ack", consume, ">= 0.7x"),
        ("JetStream", "outbox relay on PostgreSQL vs publish_async", (*relay,), "reported"),
    ]


Row = tuple[str, str, "tuple[float, float, float] | None", str]


async def main(count: int, runs: int, transports: list[str]) -> None:
    started = time.perf_counter()
    events = make_events(count)
    rows: list[Row] = []
    if "redis" in transports:
        rows += await redis_rows(events, runs)
    if "nats" in transports:
        rows += await nats_rows(events, runs)
    print(f"aurora-events benchmark: {count} events per run, medians of {runs} paired runs\n")
    print(
        "| transport | scenario | raw client (events/s) | aurora-events (events/s) | ratio | target |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for transport, name, figures, target in rows:
        if figures is None:
            print(f"| {transport} | {name} | | | | |")
            continue
        raw, ours, ratio = figures
        print(f"| {transport} | {name} | {raw:,.0f} | {ours:,.0f} | {ratio:.2f}x | {target} |")
    print(f"\n(total {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--transports", default="redis,nats", help="comma-separated")
    options = parser.parse_args()
    asyncio.run(main(options.events, options.repeat, options.transports.split(",")))
