"""Dead-letter operations and the CLI on JetStream: the same tools, another transport."""

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from nats_servers import isolated_nats_broker, nats_url

from aurora.events import (
    Consumer,
    Event,
    EventType,
    NatsBroker,
    RetryPolicy,
    create_subject_created_event,
    list_dead_letters,
    replay_dead_letters,
    replay_group,
)
from aurora.events._broker import encode
from aurora.testing.process import child_env

STREAM = "aurora.subject"


@pytest.fixture()
async def broker() -> AsyncIterator[NatsBroker]:
    async with isolated_nats_broker(nats_url()) as broker:
        yield broker


async def dead_letter_two(broker: NatsBroker) -> None:
    consumer = Consumer(broker, group="ops", max_deliveries=1, retry=RetryPolicy(attempts=1))

    async def fail(event: Event) -> None:
        raise LookupError(f"no such subject {event.subject}")

    consumer.subscribe(EventType.SUBJECT_CREATED, fail)
    await broker.publish([encode(create_subject_created_event(str(i))) for i in range(2)])
    await consumer.drain()


async def test_dead_letters_replay_into_their_stream(broker: NatsBroker) -> None:
    await dead_letter_two(broker)
    letters = await list_dead_letters(broker, STREAM)
    assert [letter.event.subject for letter in letters] == ["0", "1"]
    assert "LookupError: no such subject 0" in letters[0].error
    replayed = await replay_dead_letters(broker, STREAM, [letters[0].message_id])
    assert list(replayed) == [letters[0].message_id]
    assert [letter.event.subject for letter in await list_dead_letters(broker, STREAM)] == ["1"]
    assert (await broker.range(STREAM))[-1].event.subject == "0"


async def test_a_group_replays_from_a_point_in_time(broker: NatsBroker) -> None:
    await broker.ensure_group(STREAM, "g")
    await broker.publish([encode(create_subject_created_event("old"))])
    await asyncio.sleep(0.05)
    since = (await broker.range(STREAM))[0].event.time
    await broker.read([STREAM], "g", "c", count=10, block=0)
    await replay_group(broker, STREAM, "g", since=since)
    again = await broker.read([STREAM], "g", "c", count=10, block=0)
    assert [Event.from_json(d.body).subject for d in again] == ["old"]


async def test_the_cli_lists_dead_letters_on_jetstream(broker: NatsBroker) -> None:
    await dead_letter_two(broker)
    env = child_env(
        {
            "AURORA_EVENTS__BACKEND": "nats",
            "AURORA_EVENTS__NATS_URL": broker.address,
            "AURORA_EVENTS__STREAM_PREFIX": broker.prefix,
        }
    )
    command = [sys.executable, "-m", "aurora.events", "dlq", "list", STREAM, "--json"]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [row["group"] for row in rows] == ["ops", "ops"]
