"""``python -m aurora.events``: dead-letter operations, group replay, a standalone relay.

    python -m aurora.events dlq list aurora.subject
    python -m aurora.events dlq show aurora.subject 1764150000000-0
    python -m aurora.events dlq replay aurora.subject --all
    python -m aurora.events dlq purge aurora.subject 1764150000000-0
    python -m aurora.events replay aurora.subject --group billing --since 2026-11-26T10:00:00Z
    python -m aurora.events relay --service subject-service
    python -m aurora.events recover --service subject-service --since 2026-11-26T10:00:00Z \
        --group search-index --group billing

Redis comes from ``--redis-url`` or ``AURORA_REDIS__URL`` (aurora-config), the stream
prefix from ``--prefix`` or ``AURORA_EVENTS__STREAM_PREFIX``. With
``AURORA_EVENTS__BACKEND=nats`` (and no ``--redis-url``) the commands work on
JetStream at ``AURORA_EVENTS__NATS_URL``; dead-letter ids are then stream sequences.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from aurora.config import RedisSettings, ServiceConfig, get_config
from aurora.db import get_async_engine
from aurora.errors import AuroraError
from aurora.events import _dlq
from aurora.events._broker import Broker, DeadLetter
from aurora.events._nats import NatsBroker
from aurora.events._recover import recover_from_outbox
from aurora.events._redis import RedisBroker
from aurora.events._relay import OutboxRelay
from aurora.events._settings import EventsSettings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aurora.events", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--redis-url", help="default: AURORA_REDIS__URL")
    parser.add_argument("--prefix", help="stream key prefix; default: AURORA_EVENTS__STREAM_PREFIX")
    commands = parser.add_subparsers(dest="command", required=True)

    dlq = commands.add_parser("dlq", help="dead-lettered events").add_subparsers(
        dest="action", required=True
    )
    listing = dlq.add_parser("list", help="list a stream's dead letters")
    listing.add_argument("stream")
    listing.add_argument("--count", type=int, default=100)
    listing.add_argument("--start", default="-", help="first dead-letter id")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    show = dlq.add_parser("show", help="show one dead letter with its event and error")
    show.add_argument("stream")
    show.add_argument("id")
    for name, text in (("replay", "republish to the original stream"), ("purge", "delete")):
        action = dlq.add_parser(name, help=f"{text} dead letters")
        action.add_argument("stream")
        action.add_argument("ids", nargs="*")
        action.add_argument("--all", action="store_true", help="every dead letter of the stream")

    replay = commands.add_parser("replay", help="rewind a consumer group")
    replay.add_argument("stream")
    replay.add_argument("--group", required=True)
    where = replay.add_mutually_exclusive_group(required=True)
    where.add_argument("--after-id", help="re-read entries after this id")
    where.add_argument("--since", type=datetime.fromisoformat, help="ISO 8601 time")

    relay = commands.add_parser("relay", help="run the outbox relay until SIGINT/SIGTERM")
    relay.add_argument("--service", required=True, help="service whose database holds the outbox")
    relay.add_argument("--batch-size", type=int)

    recover = commands.add_parser(
        "recover", help="publish again every outbox event published since a time (broker loss)"
    )
    recover.add_argument("--service", required=True, help="service whose database holds the outbox")
    recover.add_argument("--since", required=True, type=_moment, help="ISO 8601 time")
    recover.add_argument("--stream", help="only this stream (default: every stream)")
    recover.add_argument(
        "--group",
        action="append",
        default=[],
        help="consumer group to recreate first if the broker lost it (repeatable)",
    )
    return parser


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = _parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        asyncio.run(_dispatch(args, stream))
    except AuroraError as exc:
        print(f"error: {exc.detail or exc.title}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


async def _dispatch(args: argparse.Namespace, out: TextIO) -> None:
    if args.command == "relay":
        await _run_relay(args)
        return
    if args.command == "recover":
        await _recover(args, out)
        return
    settings = EventsSettings()
    prefix = settings.stream_prefix if args.prefix is None else args.prefix
    broker: Broker
    if settings.backend == "nats" and args.redis_url is None:
        broker = NatsBroker.from_settings(settings.model_copy(update={"stream_prefix": prefix}))
    else:
        url = args.redis_url or RedisSettings().url
        broker = RedisBroker.from_url(url, prefix=prefix, cluster=settings.redis_cluster)
    try:
        if args.command == "replay":
            position = await _dlq.replay_group(
                broker, args.stream, args.group, after_id=args.after_id, since=args.since
            )
            print(f"group {args.group} on {args.stream} rewound to {position}", file=out)
        else:
            await _dlq_command(broker, args, out)
    finally:
        await broker.close()


async def _dlq_command(broker: Broker, args: argparse.Namespace, out: TextIO) -> None:
    if args.action == "list":
        letters = await _dlq.list_dead_letters(
            broker, args.stream, start=args.start, count=args.count
        )
        for letter in letters:
            print(json.dumps(_summary(letter)) if args.json else _line(letter), file=out)
        return
    if args.action == "show":
        letter = await _dlq.get_dead_letter(broker, args.stream, args.id)
        print(json.dumps(_details(letter), indent=2), file=out)
        return
    if not args.ids and not args.all:
        raise ValueError("give dead-letter ids or --all")
    ids = None if args.all else args.ids
    if args.action == "replay":
        moved = await _dlq.replay_dead_letters(broker, args.stream, ids)
        for old, new in moved.items():
            print(f"{old} -> {args.stream} {new}", file=out)
        print(f"replayed {len(moved)}", file=out)
    else:
        print(f"purged {await _dlq.purge_dead_letters(broker, args.stream, ids)}", file=out)


def _last_line(error: str) -> str:
    lines = [line for line in error.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _summary(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.message_id,
        "type": letter.event_type,
        "original_id": letter.original_id,
        "group": letter.group,
        "deliveries": letter.deliveries,
        "failed_at": letter.failed_at,
        "error": _last_line(letter.error),
    }


def _line(letter: DeadLetter) -> str:
    return (
        f"{letter.message_id}  {letter.event_type}  group={letter.group} "
        f"deliveries={letter.deliveries}  {_last_line(letter.error)}"
    )


def _details(letter: DeadLetter) -> dict[str, Any]:
    details = _summary(letter)
    details["error"] = letter.error
    try:
        details["event"] = letter.event.to_cloudevent()
    except ValueError:
        details["event"] = letter.body
    return details


def _real_broker(config: ServiceConfig, settings: EventsSettings) -> Broker:
    """The relay's and recovery's broker: always a real one, even where "auto" means memory."""
    if settings.backend == "nats":
        return NatsBroker.from_config(config, settings=settings)
    return RedisBroker.from_config(config, settings=settings)


async def _run_relay(args: argparse.Namespace) -> None:
    config = get_config(args.service)
    settings = config.section(EventsSettings)
    broker = _real_broker(config, settings)
    relay = OutboxRelay(
        get_async_engine(args.service),
        broker,
        batch_size=args.batch_size or settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval,
        retention=settings.outbox_retention,
    )
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    await relay.start()
    try:
        await stopped.wait()
    finally:
        await relay.stop()
        await broker.close()


async def _recover(args: argparse.Namespace, out: TextIO) -> None:
    config = get_config(args.service)
    settings = config.section(EventsSettings)
    broker = _real_broker(config, settings)
    try:
        done = await recover_from_outbox(
            get_async_engine(args.service),
            broker,
            since=args.since,
            stream=args.stream,
            groups=args.group,
            batch_size=settings.relay_batch_size,
        )
    finally:
        await broker.close()
    for stream in done.streams:
        groups = ", ".join(args.group) or "none"
        print(f"{stream}: groups ensured: {groups}", file=out)
    print(
        f"re-queued {done.requeued} events published since {args.since.isoformat()}; "
        f"published {done.published}",
        file=out,
    )
