"""``RedisBroker`` on a real 3-node Redis Cluster the test starts, including a node restart."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.crc import key_slot
from redis_cluster import RedisClusterNodes, redis_cluster

from aurora.events import (
    BrokerUnavailableError,
    Consumer,
    Event,
    EventType,
    OutgoingMessage,
    RedisBroker,
    RetryPolicy,
    create_subject_created_event,
    create_user_created_event,
    dead_letter_stream,
)
from aurora.events._broker import encode

SUBJECTS, USERS = "aurora.subject", "aurora.user"


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[RedisClusterNodes]:
    with redis_cluster(tmp_path) as nodes:
        yield nodes


@pytest.fixture()
async def broker(cluster: RedisClusterNodes) -> AsyncIterator[RedisBroker]:
    broker = RedisBroker.from_url(
        cluster.url, prefix="t:", socket_connect_timeout=0.5, socket_timeout=2
    )
    yield broker
    await broker.close()


def subjects(count: int, tag: str = "s") -> list[OutgoingMessage]:
    return [encode(create_subject_created_event(f"{tag}-{i}")) for i in range(count)]


async def test_a_stream_and_its_dead_letters_share_a_slot(broker: RedisBroker) -> None:
    key, dlq = broker.key(SUBJECTS), broker.key(dead_letter_stream(SUBJECTS))
    assert (key, dlq) == ("t:{aurora.subject}", "t:{aurora.subject}:dlq")
    assert key_slot(key.encode()) == key_slot(dlq.encode())
    await broker.ensure_group(SUBJECTS, "g")
    await broker.publish(subjects(1))
    (delivery,) = await broker.read([SUBJECTS], "g", "c", count=10, block=0)
    await broker.dead_letter(delivery, group="g", error="boom")  # one MULTI on one slot
    assert len(await broker.range(dead_letter_stream(SUBJECTS))) == 1
    assert (await broker.group_info(SUBJECTS, "g")).pending == 0


async def test_one_consumer_reads_streams_living_in_different_slots(broker: RedisBroker) -> None:
    assert key_slot(broker.key(SUBJECTS).encode()) != key_slot(broker.key(USERS).encode())
    for stream in (SUBJECTS, USERS):
        await broker.ensure_group(stream, "g")
    users = [encode(create_user_created_event(f"u-{i}")) for i in range(3)]
    await broker.publish(subjects(2) + users)
    got = await broker.read([SUBJECTS, USERS], "g", "c", count=10, block=0)
    assert sorted(d.stream for d in got) == [SUBJECTS] * 2 + [USERS] * 3
    waiting = asyncio.create_task(broker.read([SUBJECTS, USERS], "g", "c", count=10, block=2))
    await asyncio.sleep(0.1)
    await broker.publish(users[:1])
    assert [d.stream for d in await asyncio.wait_for(waiting, 3)] == [USERS]


async def test_consuming_carries_on_across_a_node_restart(
    broker: RedisBroker, cluster: RedisClusterNodes
) -> None:
    consumer = Consumer(broker, group="audit", block=0.1, retry=RetryPolicy(attempts=1))
    received: list[str] = []

    async def record(event: Event) -> None:
        received.append(event.subject or "")

    consumer.subscribe(EventType.SUBJECT_CREATED, record)
    await consumer.start()
    try:
        await broker.publish(subjects(10, "before"))
        await until(lambda: len(received) == 10)
        owner = cluster.owner_of(broker.key(SUBJECTS))
        cluster.kill(owner)
        with pytest.raises(BrokerUnavailableError):
            await publish_until_refused(broker)
        cluster.start(owner)  # same port, same nodes.conf and append-only file
        cluster.wait_healthy()
        await until(lambda: _publishes(broker))
        await broker.publish(subjects(10, "after"))
        await until(lambda: sum(s.startswith("after") for s in received) == 10)
    finally:
        await consumer.stop()
    assert sorted(s for s in received if s.startswith("before")) == sorted(
        f"before-{i}" for i in range(10)
    )  # acked before the restart: not redelivered after it


async def publish_until_refused(broker: RedisBroker) -> None:
    for _ in range(50):  # the client may first retry against the dead node
        await broker.publish(subjects(1, "lost"))
        await asyncio.sleep(0.1)


async def _publishes(broker: RedisBroker) -> bool:
    try:
        await broker.ping()
        await broker.group_info(SUBJECTS, "audit")
    except BrokerUnavailableError:
        return False
    return True


async def until(condition: object, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
