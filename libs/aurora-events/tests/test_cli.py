"""``python -m aurora.events``: list, show, replay and purge dead letters; rewind groups."""

import asyncio
import io
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from aurora.events import (
    Consumer,
    Event,
    EventType,
    OutboxRecord,
    RedisBroker,
    RetryPolicy,
    add_to_outbox,
    create_subject_created_event,
    events_metadata,
    list_dead_letters,
)
from aurora.events._cli import main
from aurora.testing.process import child_env

STREAM = "aurora.subject"


async def dead_letter_two(broker: RedisBroker) -> Consumer:
    consumer = Consumer(broker, group="cli", max_deliveries=1, retry=RetryPolicy(attempts=1))

    async def fail(event: Event) -> None:
        raise LookupError(f"no such subject {event.subject}")

    consumer.subscribe(EventType.SUBJECT_CREATED, fail)
    await broker.publish([_encoded(str(i)) for i in range(2)])
    await consumer.drain()
    return consumer


def _encoded(subject: str):  # type: ignore[no-untyped-def]
    from aurora.events._broker import encode

    return encode(create_subject_created_event(subject))


def run_cli(broker: RedisBroker, *args: str) -> str:
    out = io.StringIO()
    url = broker.client.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/{url.get('db', 0)}"
    code = main(["--redis-url", redis_url, "--prefix", broker.key(""), *args], out=out)
    assert code == 0
    return out.getvalue()


async def test_list_shows_one_line_per_dead_letter(redis_broker: RedisBroker) -> None:
    await dead_letter_two(redis_broker)
    output = await asyncio.to_thread(run_cli, redis_broker, "dlq", "list", STREAM)
    lines = output.strip().splitlines()
    assert len(lines) == 2
    assert "LookupError: no such subject 0" in lines[0] and "deliveries=1" in lines[0]


async def test_list_json_and_show(redis_broker: RedisBroker) -> None:
    await dead_letter_two(redis_broker)
    listed = await asyncio.to_thread(run_cli, redis_broker, "dlq", "list", STREAM, "--json")
    first = json.loads(listed.splitlines()[0])
    assert first["type"] == EventType.SUBJECT_CREATED and first["group"] == "cli"
    shown = json.loads(
        await asyncio.to_thread(run_cli, redis_broker, "dlq", "show", STREAM, first["id"])
    )
    assert shown["event"]["subject"] == "0"
    assert "Traceback" in shown["error"]


async def test_replay_republishes_and_removes_dead_letters(redis_broker: RedisBroker) -> None:
    consumer = await dead_letter_two(redis_broker)
    output = await asyncio.to_thread(run_cli, redis_broker, "dlq", "replay", STREAM, "--all")
    assert "replayed 2" in output
    assert await list_dead_letters(redis_broker, STREAM) == []
    handled: list[str | None] = []

    async def ok(event: Event) -> None:
        handled.append(event.subject)

    fixed = Consumer(redis_broker, group="cli")
    fixed.subscribe(EventType.SUBJECT_CREATED, ok)
    await fixed.drain()
    assert handled == ["0", "1"]
    assert consumer.stats.dead_lettered == 2


async def test_purge_one_dead_letter(redis_broker: RedisBroker) -> None:
    await dead_letter_two(redis_broker)
    first = (await list_dead_letters(redis_broker, STREAM))[0]
    output = await asyncio.to_thread(
        run_cli, redis_broker, "dlq", "purge", STREAM, first.message_id
    )
    assert output.strip() == "purged 1"
    assert len(await list_dead_letters(redis_broker, STREAM)) == 1


async def test_replay_rewinds_a_group_to_a_time(redis_broker: RedisBroker) -> None:
    consumer = Consumer(redis_broker, group="rewind")
    seen: list[str | None] = []

    async def record(event: Event) -> None:
        seen.append(event.subject)

    consumer.subscribe(EventType.SUBJECT_CREATED, record)
    await redis_broker.publish([_encoded("a"), _encoded("b")])
    await consumer.drain()
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    output = await asyncio.to_thread(
        run_cli, redis_broker, "replay", STREAM, "--group", "rewind", "--since", since
    )
    assert "rewound" in output
    await consumer.drain()
    assert seen == ["a", "b", "a", "b"]


def test_show_of_a_missing_id_fails_cleanly(
    redis_broker: RedisBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    url = redis_broker.client.connection_pool.connection_kwargs
    code = main(
        [
            "--redis-url",
            f"redis://{url['host']}:{url['port']}/0",
            "--prefix",
            redis_broker.key(""),
            "dlq",
            "show",
            STREAM,
            "1-0",
        ]
    )
    assert code == 1
    assert "not found" in capsys.readouterr().err


def test_replay_needs_ids_or_all(
    redis_broker: RedisBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    url = redis_broker.client.connection_pool.connection_kwargs
    code = main(["--redis-url", f"redis://{url['host']}:{url['port']}/0", "dlq", "replay", STREAM])
    assert code == 2
    assert "--all" in capsys.readouterr().err


def test_the_module_runs_as_a_program() -> None:
    env = child_env()
    result = subprocess.run(
        [sys.executable, "-m", "aurora.events", "dlq", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "list" in result.stdout and "replay" in result.stdout


async def test_the_standalone_relay_publishes_until_sigterm(
    tmp_path: Path, redis_broker: RedisBroker, redis_test_url: str
) -> None:
    database = tmp_path / "relay.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.begin() as connection:
        await connection.run_sync(events_metadata.create_all)
    async with async_sessionmaker(engine)() as session, session.begin():
        add_to_outbox(session, [create_subject_created_event(str(i)) for i in range(25)])
    env = {
        **child_env(),
        "AURORA_DATABASE__URL": f"sqlite:///{database}",
        "AURORA_REDIS__URL": redis_test_url,
        "AURORA_EVENTS__STREAM_PREFIX": redis_broker.key(""),
        "AURORA_EVENTS__RELAY_POLL_INTERVAL": "0.05",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "aurora.events", "relay", "--service", "relay-test"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1500):
            if await redis_broker.client.xlen(redis_broker.key(STREAM)) == 25:
                break
            await asyncio.sleep(0.02)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
    assert code == 0
    assert len(await redis_broker.range(STREAM)) == 25
    waiting = (
        select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    )
    async with async_sessionmaker(engine)() as session:
        assert (await session.execute(waiting)).scalar_one() == 0  # published, kept for recovery
    await engine.dispose()
