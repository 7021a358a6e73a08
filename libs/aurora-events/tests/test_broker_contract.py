"""Every transport honours the same stream semantics (run against each).

Where JetStream differs from Redis Streams by design (reclaiming is driven by the
consumer's ack wait; pull consumers have no named members), ``transports.guarantees``
says so and the test checks JetStream's own behaviour instead.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from redis_servers import lose_stream
from transports import guarantees

from aurora.events import (
    Broker,
    DeadLetter,
    GroupLostError,
    MemoryBroker,
    NatsBroker,
    OutgoingMessage,
    RedisBroker,
    create_subject_created_event,
    create_user_created_event,
    dead_letter_stream,
)
from aurora.events._broker import encode

STREAM = "aurora.subject"


def messages(count: int) -> list[OutgoingMessage]:
    return [encode(create_subject_created_event(str(i))) for i in range(count)]


async def test_publish_appends_in_order_and_returns_ids(broker: Broker) -> None:
    ids = await broker.publish(messages(3))
    entries = await broker.range(STREAM)
    assert [e.message_id for e in entries] == ids
    assert [e.event.subject for e in entries] == ["0", "1", "2"]


async def test_each_group_gets_every_message_once(broker: Broker) -> None:
    for group in ("a", "b"):
        await broker.ensure_group(STREAM, group)
        await broker.ensure_group(STREAM, group)  # idempotent
    await broker.publish(messages(4))
    for group in ("a", "b"):
        first = await broker.read([STREAM], group, "c1", count=10, block=0)
        again = await broker.read([STREAM], group, "c2", count=10, block=0)
        assert len(first) == 4 and again == []
        assert all(d.deliveries == 1 for d in first)


async def test_read_waits_for_a_message_published_meanwhile(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    reader = asyncio.create_task(broker.read([STREAM], "g", "c", count=10, block=2.0))
    await asyncio.sleep(0.05)
    await broker.publish(messages(1))
    assert len(await asyncio.wait_for(reader, 2.0)) == 1


async def test_a_read_over_two_streams_wakes_for_either(broker: Broker) -> None:
    other = "aurora.user"
    for stream in (STREAM, other):
        await broker.ensure_group(stream, "g")
    reader = asyncio.create_task(broker.read([STREAM, other], "g", "c", count=10, block=5.0))
    await asyncio.sleep(0.05)
    await broker.publish([encode(create_user_created_event("u"))])
    assert [d.stream for d in await asyncio.wait_for(reader, 2.0)] == [other]


async def test_read_gives_up_after_block(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    assert await broker.read([STREAM], "g", "c", count=10, block=0.05) == []


async def test_a_group_created_at_dollar_skips_history(broker: Broker) -> None:
    await broker.publish(messages(2))
    await broker.ensure_group(STREAM, "late", start_id="$")
    await broker.publish(messages(1))
    assert len(await broker.read([STREAM], "late", "c", count=10, block=0)) == 1


async def test_ack_empties_the_pending_list_in_one_call(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(5))
    got = await broker.read([STREAM], "g", "c", count=10, block=0)
    assert (await broker.group_info(STREAM, "g")).pending == 5
    assert await broker.ack(STREAM, "g", [d.message_id for d in got]) == 5
    # JetStream applies acks it has received (the flush) on its own schedule: allow it a moment.
    for _ in range(100):
        info = await broker.group_info(STREAM, "g")
        if (info.pending, info.lag) == (0, 0):
            break
        await asyncio.sleep(0.02)
    assert (info.pending, info.lag) == (0, 0)


async def test_idle_messages_are_reclaimed_with_a_higher_delivery_count(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(2))
    await broker.read([STREAM], "g", "crashed", count=10, block=0)
    assert await broker.claim(STREAM, "g", "rescuer", min_idle=5.0, count=10) == []
    idle = guarantees(broker).reclaim_after
    await asyncio.sleep(idle + 0.05)
    claimed = await broker.claim(STREAM, "g", "rescuer", min_idle=idle, count=10)
    assert [d.deliveries for d in claimed] == [2, 2]


async def test_released_messages_are_claimable_at_once_without_counting(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(2))
    got = await broker.read([STREAM], "g", "leaving", count=10, block=0)
    await broker.release(STREAM, "g", "leaving", [got[0].message_id])
    claimed = await broker.claim(STREAM, "g", "other", min_idle=60.0, count=10)
    assert [d.message_id for d in claimed] == [got[0].message_id]
    assert claimed[0].deliveries == 2  # the release itself did not count


async def test_dead_letter_moves_the_message_with_its_error_and_acks_it(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(1))
    (delivery,) = await broker.read([STREAM], "g", "c", count=10, block=0)
    await broker.dead_letter(delivery, group="g", error="ValueError: boom")
    (entry,) = await broker.range(dead_letter_stream(STREAM))
    letter = DeadLetter.from_entry(entry)
    assert letter.error == "ValueError: boom"
    assert (letter.stream, letter.original_id, letter.group) == (STREAM, delivery.message_id, "g")
    assert letter.event.subject == "0"
    assert (await broker.group_info(STREAM, "g")).pending == 0


async def test_rewinding_a_group_replays_from_an_id(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    ids = await broker.publish(messages(3))
    await broker.read([STREAM], "g", "c", count=10, block=0)
    await broker.set_group_position(STREAM, "g", ids[0])
    again = await broker.read([STREAM], "g", "c", count=10, block=0)
    assert [d.message_id for d in again] == ids[1:]


async def test_range_by_time_and_delete(broker: Broker) -> None:
    ids = await broker.publish(messages(2))
    since = (datetime.now(UTC) - timedelta(minutes=1)).timestamp()
    assert len(await broker.range(STREAM, start=f"{int(since * 1000)}-0")) == 2
    assert await broker.delete(STREAM, ids[:1]) == 1
    assert [e.message_id for e in await broker.range(STREAM)] == ids[1:]


async def test_group_info_reports_lag(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(3))
    await broker.read([STREAM], "g", "c", count=1, block=0)
    info = await broker.group_info(STREAM, "g")
    assert (info.lag, info.pending) == (2, 1)
    if guarantees(broker).names_group_members:
        assert info.consumers == 1


async def test_ping(broker: Broker) -> None:
    await broker.ping()


def test_memory_broker_maxlen_is_exact_without_groups() -> None:
    broker = MemoryBroker(maxlen=2)
    asyncio.run(broker.publish(messages(5)))
    assert [e.subject for e in broker.published_to(STREAM)] == ["0", "1", "2", "3", "4"]
    assert len(asyncio.run(broker.range(STREAM))) == 2


async def test_trimming_never_passes_the_slowest_group(broker: Broker) -> None:
    """Over the cap, entries a group has not acked stay; the cap is reported instead."""
    capped = await _capped(broker, 10)
    await capped.ensure_group(STREAM, "fast")
    await capped.ensure_group(STREAM, "offline")
    for _ in range(10):
        await capped.publish(messages(10))
        got = await capped.read([STREAM], "fast", "c", count=100, block=0)
        await capped.ack(STREAM, "fast", [d.message_id for d in got])
        await _trim_now(capped)
    assert len(await capped.range(STREAM)) == 100
    assert len(await capped.read([STREAM], "offline", "c", count=1000, block=0)) == 100
    info = await capped.stream_info(STREAM)
    assert info.over_capacity and info.length == 100 and info.max_length == 10


async def test_acked_entries_are_trimmed_down_to_the_cap(broker: Broker) -> None:
    capped = await _capped(broker, 10)
    await capped.ensure_group(STREAM, "g")
    await capped.publish(messages(300))
    got = await capped.read([STREAM], "g", "c", count=1000, block=0)
    await capped.ack(STREAM, "g", [d.message_id for d in got])
    await capped.publish(messages(1))
    await _trim_now(capped)
    info, kept = await capped.stream_info(STREAM), await capped.range(STREAM)
    assert info.length == len(kept) < 300
    assert (info.first_id, info.last_id) == (kept[0].message_id, kept[-1].message_id)


async def test_a_lost_group_raises_instead_of_being_recreated(broker: Broker) -> None:
    """After a restart without persistence the group is gone: say so, don't recreate it."""
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(2))
    await lose_stream(broker, STREAM)
    await broker.publish(messages(1))
    with pytest.raises(GroupLostError):
        await broker.read([STREAM], "g", "c", count=10, block=0)
    with pytest.raises(GroupLostError):
        await broker.claim(STREAM, "g", "c", min_idle=0, count=10)
    info = await broker.group_info(STREAM, "g")
    assert not info.exists and info.pending == 0


async def test_a_released_message_comes_back_after_its_delay(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish(messages(1))
    (got,) = await broker.read([STREAM], "g", "c", count=10, block=0)
    await broker.release(STREAM, "g", "c", [got.message_id], delay=0.2, min_idle=30.0)
    assert await broker.claim(STREAM, "g", "c", min_idle=30.0, count=10) == []
    await asyncio.sleep(0.25)
    (again,) = await broker.claim(STREAM, "g", "c", min_idle=30.0, count=10)
    assert (again.message_id, again.deliveries) == (got.message_id, 2)


async def test_group_info_reports_the_oldest_pending_entry(broker: Broker) -> None:
    await broker.ensure_group(STREAM, "g")
    ids = await broker.publish(messages(3))
    await broker.read([STREAM], "g", "c", count=2, block=0)
    info = await broker.group_info(STREAM, "g")
    assert (info.oldest_pending_id, info.lag, info.pending) == (ids[0], 1, 2)
    assert 0 <= info.oldest_pending_age < 60


async def test_a_missing_stream_has_no_info(broker: Broker) -> None:
    info = await broker.stream_info("aurora.nothing")
    assert (info.exists, info.length, info.over_capacity) == (False, 0, False)


async def test_persistence_is_reported(broker: Broker) -> None:
    persistence = await broker.persistence()
    assert persistence.durable is (not persistence.problems)
    assert persistence.incarnation and not persistence.required


async def _capped(broker: Broker, maxlen: int) -> Broker:
    if isinstance(broker, RedisBroker):
        return RedisBroker(broker.client, prefix=broker.key(""), maxlen=maxlen)
    if isinstance(broker, NatsBroker):  # shares the connection, so nothing to close
        await broker.jetstream()
        return NatsBroker(broker.address, prefix=broker.prefix, maxlen=maxlen, client=broker.client)
    return MemoryBroker(maxlen=maxlen)


async def _trim_now(broker: Broker) -> None:
    if isinstance(broker, RedisBroker | NatsBroker):  # publishing trims at most once a second
        await broker.trim(STREAM)
