"""``Consumer``: reads a consumer group's streams and runs a handler per event type.

The loop works a batch at a time: reclaim stuck messages when due, else read new
ones; run the batch's handlers (at most ``concurrency`` at once); then settle the
whole batch with one ``XACK`` per stream. Batch-at-a-time keeps acks cheap (per-
message ``XACK`` costs most of consume throughput) and makes shutdown simple: stop
taking new messages, let started handlers finish within ``shutdown_timeout``, and
hand every unfinished message straight back to the group.

A failed message is handed back with a growing delay (``Backoff``). A group the
broker lost is never recreated quietly: ``GroupWatch`` logs an error, counts it and
fails the health check; then the consumer either recreates it from the start of
what the broker kept (``on_group_lost="recreate"``, so events the relay re-publishes
reach it) or skips the stream until an operator's ``recover`` does (``"wait"``).

Delivery is at-least-once: make handlers idempotent, or use ``Inbox``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from prometheus_client import CollectorRegistry

from aurora.events._broker import Broker, Delivery, stream_for_type
from aurora.events._dispatch import ConsumerStats, Dispatcher, Handler, Outcome, Route
from aurora.events._errors import BrokerUnavailableError, GroupLostError
from aurora.events._metrics import ConsumerMetrics
from aurora.events._registry import EventRegistry, default_registry
from aurora.events._retry import Backoff, RetryPolicy
from aurora.events._settings import EventsSettings
from aurora.events._settle import Settler
from aurora.events._tracing import broker_system, group_setup_span
from aurora.events._types import EventType
from aurora.events._watch import GroupWatch
from aurora.logging import get_logger

__all__ = ["Consumer"]

_H = TypeVar("_H", bound=Handler)
_MAX_ERROR_BACKOFF = 2.0


def _default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Consumer:
    """A member of consumer group ``group``, dispatching events to handlers by type.

    Args:
        broker: Where to read (``MemoryBroker`` or ``RedisBroker``).
        group: The consumer group; every service instance of one kind shares it.
        name: This member's name in the group (unique per process by default).
        registry: Validates payloads and upcasts old versions before handlers run.
        concurrency: Handlers running at once within a batch (1 keeps stream order).
        batch_size: Messages read, and acked, per round trip.
        block: Seconds a read waits for new messages (bounds shutdown latency too).
        retry: In-process retries of a failing handler.
        redelivery: Delays between deliveries of a failing message (capped by the
            visibility timeout).
        max_deliveries: Deliveries before a failing message is dead-lettered.
        visibility_timeout: Seconds a message may stay unacked before another
            member reclaims it (a crashed consumer's messages come back after this).
        shutdown_timeout: Seconds ``stop()`` lets started handlers finish.
        start_id: Where a new group starts: ``"0"`` (the retained history) or ``"$"``.
        metrics_registry: Prometheus registry for the lag gauges (default: global).
        lag_interval: Seconds between refreshes of the lag figures while running.
        on_group_lost: ``"recreate"`` the group from the start of the stream (after
            the alarm) or ``"wait"`` for ``python -m aurora.events recover``.
        alarm_hold: Seconds the health check keeps failing after a loss.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        group: str,
        name: str | None = None,
        registry: EventRegistry | None = None,
        concurrency: int = 1,
        batch_size: int = 100,
        block: float = 1.0,
        retry: RetryPolicy | None = None,
        redelivery: Backoff | None = None,
        max_deliveries: int = 5,
        visibility_timeout: float = 30.0,
        shutdown_timeout: float = 10.0,
        start_id: str = "0",
        metrics_registry: CollectorRegistry | None = None,
        lag_interval: float = 5.0,
        on_group_lost: Literal["recreate", "wait"] = "recreate",
        alarm_hold: float = 600.0,
    ) -> None:
        if concurrency < 1 or batch_size < 1 or max_deliveries < 1:
            raise ValueError("concurrency, batch_size and max_deliveries must be positive")
        self.group = group
        self.name = name or _default_name()
        self.stats = ConsumerStats()
        self._log = get_logger("aurora.events.consumer")
        self._broker = broker
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._block = block
        self._visibility = visibility_timeout
        self._shutdown_timeout = shutdown_timeout
        self._start_id = start_id
        self._dispatcher = Dispatcher(
            broker,
            group=group,
            registry=registry if registry is not None else default_registry(),
            retry=retry or RetryPolicy(),
            max_deliveries=max_deliveries,
            stats=self.stats,
        )
        backoff = redelivery or Backoff()
        self._settler = Settler(
            broker,
            group=group,
            consumer=self.name,
            stats=self.stats,
            log=self._log,
            redelivery_delay=lambda delivery: backoff.delay(delivery.deliveries),
            visibility_timeout=visibility_timeout,
        )
        self.watch = GroupWatch(
            group=group,
            metrics=ConsumerMetrics.for_registry(metrics_registry),
            alarm_hold=alarm_hold,
        )
        self._recreate = on_group_lost == "recreate"
        self._lag_interval = lag_interval
        self._next_lag = 0.0
        self._streams: list[str] = []
        self._subscriptions: dict[str, str] = {}
        self._groups_ready = False
        self._next_claim = 0.0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls, broker: Broker, settings: EventsSettings, *, group: str, **options: Any
    ) -> Consumer:
        """A consumer tuned by ``EventsSettings``; ``options`` override single values."""
        values: dict[str, Any] = {
            "concurrency": settings.concurrency,
            "batch_size": settings.batch_size,
            "block": settings.block,
            "retry": RetryPolicy(attempts=settings.retry_attempts),
            "redelivery": Backoff(
                initial=settings.redelivery_backoff, maximum=settings.redelivery_max_backoff
            ),
            "max_deliveries": settings.max_deliveries,
            "visibility_timeout": settings.visibility_timeout,
            "shutdown_timeout": settings.shutdown_timeout,
        }
        values.update(options)
        return cls(broker, group=group, **values)

    # -- subscriptions --------------------------------------------------------------

    def subscribe(
        self,
        event_type: EventType | str,
        handler: Handler,
        *,
        stream: str | None = None,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        give_up_on: tuple[type[BaseException], ...] = (),
    ) -> None:
        """Run ``handler`` for every ``event_type`` event (older versions are upcast).

        Args:
            retry_on: Exceptions worth retrying (in-process, then by redelivery).
            give_up_on: Exceptions that will never succeed (poison input): the
                message goes straight to the dead-letter stream. Wins over ``retry_on``;
                anything outside ``retry_on`` is given up on too.

        Raises:
            UnknownEventTypeError: the registry doesn't know ``event_type``.
        """
        name = str(event_type)
        self._dispatcher.add(name, Route(handler, tuple(retry_on), tuple(give_up_on)))
        target = stream or stream_for_type(name)
        self._subscriptions[name] = target
        if target not in self._streams:
            self._streams.append(target)
            self._groups_ready = False

    def handler(
        self,
        event_type: EventType | str,
        *,
        stream: str | None = None,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        give_up_on: tuple[type[BaseException], ...] = (),
    ) -> Callable[[_H], _H]:
        """Decorator form of :meth:`subscribe`."""

        def decorate(fn: _H) -> _H:
            self.subscribe(event_type, fn, stream=stream, retry_on=retry_on, give_up_on=give_up_on)
            return fn

        return decorate

    @property
    def streams(self) -> list[str]:
        """The streams this consumer reads."""
        return list(self._streams)

    @property
    def subscriptions(self) -> dict[str, str]:
        """Each subscribed event type and the stream it is read from (AsyncAPI documents)."""
        return dict(self._subscriptions)

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Run in a background task (an app's ``on_startup`` hook)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=f"aurora-consumer-{self.name}")

    async def stop(self) -> None:
        """Stop reading, let started handlers finish, hand back the rest (``on_shutdown``)."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=self._shutdown_timeout + self._block)
        if not done:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def run(self) -> None:
        """Consume until :meth:`stop`; broker outages are waited out, not raised."""
        if asyncio.current_task() is not self._task:  # run directly, not via start()
            self._stopping = False
        if not self._streams:
            raise RuntimeError("subscribe at least one handler before consuming")
        try:
            await self._loop()
        finally:
            await self._settler.flush()

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._step()
            except Exception as exc:  # a consumer must outlive any broker trouble
                failures += 1
                delay = min(0.05 * 2 ** min(failures, 16), _MAX_ERROR_BACKOFF)
                unavailable = isinstance(exc, BrokerUnavailableError)
                self._log.warning(
                    "event_broker_unavailable" if unavailable else "event_consumer_error",
                    error=str(exc),
                    retry_in=delay,
                    exc_info=not unavailable,
                )
                await asyncio.sleep(delay)
            else:
                failures = 0

    async def _step(self) -> None:
        now = time.monotonic()
        if now >= self._next_lag and self._groups_ready:
            self._next_lag = now + self._lag_interval
            await self.watch.refresh(self._broker, self._streams)
        batch = await self._fetch(self._block)
        if batch and self._stop_requested():
            # The read raced with stop(): give it all back.
            await self._settler.settle(batch, {}, wait=True)
        elif batch:
            await self._process(batch)

    async def drain(self) -> int:
        """Process every message available now, then return how many were received.

        For tests and the embedded (in-memory) mode, where "run until idle" is the
        natural unit; production code uses :meth:`start`/:meth:`stop` or :meth:`run`.
        """
        total = 0
        try:
            while batch := await self._fetch(0.0):
                await self._process(batch)
                total += len(batch)
        finally:
            await self._settler.flush()
        return total

    def health_check(
        self, *, max_lag: int | None = None, max_pending_age: float | None = None
    ) -> Callable[[], Awaitable[Mapping[str, Any]]]:
        """An aurora-app health check on this group's true lag, per stream.

        Unhealthy (``ServiceUnavailableError``) when the broker is down, the group was
        lost or its stream went backwards (``consumer_group_lost``), the backlog
        (undelivered plus unacked) passes ``max_lag``, the oldest unacked message is
        older than ``max_pending_age`` seconds (``consumer_lagging``), or a stream
        holds more than its cap (``stream_over_capacity``). Refreshes the gauges.
        """

        async def check() -> Mapping[str, Any]:
            await self._broker.ping()
            await self.watch.refresh(self._broker, self._streams, detect_loss=self._groups_ready)
            details = self.watch.check(max_lag=max_lag, max_pending_age=max_pending_age)
            return {"broker": "reachable", "groups": details}

        return check

    # -- the loop ---------------------------------------------------------------------

    async def _fetch(self, block: float) -> list[Delivery]:
        if not self._streams:
            raise RuntimeError("subscribe at least one handler before consuming")
        if not self._groups_ready:
            for stream in self._streams:
                await self._ensure_group(stream, self._start_id)
            self._groups_ready = True
        if self._recreate and self.watch.lost:
            await self._recreate_lost()
        streams = [stream for stream in self._streams if stream not in self.watch.lost]
        if not streams:  # every group lost: wait for recovery, re-checking now and then
            await asyncio.sleep(block)
            await self.watch.refresh(self._broker, self._streams)
            return []
        try:
            batch = await self._claim_or_read(streams, block)
        except GroupLostError:
            await self.watch.refresh(self._broker, streams)
            return []
        for stream, message_id in {d.stream: d.message_id for d in batch}.items():
            self.watch.seen(stream, message_id)  # the last of each stream is enough
        return batch

    async def _recreate_lost(self) -> None:
        for stream in self.watch.lost:
            await self._ensure_group(stream, "0")
            self.watch.recreated(stream)

    async def _ensure_group(self, stream: str, start_id: str) -> None:
        with group_setup_span(stream, self.group, system=broker_system(self._broker)):
            await self._broker.ensure_group(stream, self.group, start_id=start_id)

    async def _claim_or_read(self, streams: list[str], block: float) -> list[Delivery]:
        now = time.monotonic()
        if now >= min(self._next_claim, self._settler.retry_due):
            self._next_claim = now + self._visibility / 2
            self._settler.retry_due = float("inf")
            await self._settler.flush()  # an ack in flight must not look like a stuck message
            claimed = await self._claim(streams)
            if claimed:
                if len(claimed) >= self._batch_size:
                    self._next_claim = now  # more may be waiting: look again next time
                return claimed
        wait = min(block, max(0.0, self._settler.retry_due - now))
        return await self._broker.read(
            streams, self.group, self.name, count=self._batch_size, block=wait
        )

    async def _claim(self, streams: list[str]) -> list[Delivery]:
        claimed: list[Delivery] = []
        for stream in streams:
            room = self._batch_size - len(claimed)
            if room <= 0:
                break
            claimed += await self._broker.claim(
                stream, self.group, self.name, min_idle=self._visibility, count=room
            )
        return claimed

    async def _process(self, batch: Sequence[Delivery]) -> None:
        outcomes: dict[int, Outcome] = {}
        try:
            if self._concurrency == 1:
                dispatch = self._dispatcher.dispatch
                for index, delivery in enumerate(batch):
                    if self._stopping:
                        break  # the rest is handed back by _settle
                    outcomes[index] = await dispatch(delivery)
            else:
                limit = asyncio.Semaphore(self._concurrency)

                async def one(index: int, delivery: Delivery) -> None:
                    async with limit:
                        outcomes[index] = await self._dispatch(delivery)

                async with asyncio.TaskGroup() as group:
                    for index, delivery in enumerate(batch):
                        group.create_task(one(index, delivery))
        finally:
            await self._settler.settle(batch, outcomes, wait=self._stopping)

    def _stop_requested(self) -> bool:
        # A method, not the attribute: stop() flips it while this coroutine awaits.
        return self._stopping

    async def _dispatch(self, delivery: Delivery) -> Outcome:
        if self._stopping:
            return Outcome.RELEASE
        return await self._dispatcher.dispatch(delivery)
