"""``OutboxRelay``: moves committed outbox rows to the broker, in batches, at least once.

One relay transaction: lock a batch of unpublished rows (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so several relays share the table without waiting on each other),
publish it in one pipeline, mark the rows published, commit. If the broker or the
commit fails they stay unpublished and are sent again (consumers deduplicate with
the inbox). Published rows are kept for ``retention`` seconds (``_retention``), so
events the broker loses are published again: automatically when the relay notices
a broker restart that lost them (``_loss``), or by ``python -m aurora.events
recover --since``.

At start-up the relay reads the broker's persistence and refuses a volatile one
(Redis without AOF) when the broker says durability is required (staging and
production, unless ``AURORA_EVENTS__ACCEPT_VOLATILE_BROKER`` accepts the risk).

Order per aggregate survives concurrent relays: a relay keeps a row only if every
older row of the same aggregate is in its own batch, so it never overtakes a row
another relay has locked.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aurora.errors import ServiceUnavailableError
from aurora.events._broker import Broker, OutgoingMessage
from aurora.events._errors import BrokerNotDurableError, BrokerUnavailableError
from aurora.events._loss import BrokerWatch
from aurora.events._metrics import OutboxMetrics
from aurora.events._retention import mark_published, purge_published, requeue_published
from aurora.events._tables import outbox_table
from aurora.events._tracing import broker_system, publish_spans
from aurora.logging import get_logger

__all__ = ["OutboxLag", "OutboxRelay"]

_OUTBOX = outbox_table
_C = _OUTBOX.c


@dataclass(frozen=True, slots=True)
class OutboxLag:
    """How far the relay is behind: rows waiting and the age of the oldest."""

    pending: int
    oldest_age: float


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OutboxRelay:
    """Publishes outbox rows until stopped; start it in a lifespan or run it standalone.

    Args:
        sessions: An ``async_sessionmaker`` or ``AsyncEngine`` on the outbox's database.
        broker: Where to publish.
        batch_size: Rows per transaction (and per broker pipeline).
        poll_interval: Seconds between polls when the outbox is empty; ``wake()``
            cuts the wait short.
        max_backoff: Cap on the wait after consecutive failures.
        lock_rows: Use ``FOR UPDATE SKIP LOCKED``; by default on PostgreSQL only.
        registry: Prometheus registry for the metrics (default: the global one).
        lag_interval: Seconds between refreshes of the lag gauges (a ``count(*)``) and
            looks at the broker (restarts, stream sizes).
        retention: Seconds published rows are kept for re-publishing (0: removed at
            the next purge).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | AsyncEngine,
        broker: Broker,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        max_backoff: float = 10.0,
        lock_rows: bool | None = None,
        registry: CollectorRegistry | None = None,
        lag_interval: float = 5.0,
        shutdown_timeout: float = 10.0,
        retention: float = 7 * 24 * 3600.0,
    ) -> None:
        if isinstance(sessions, AsyncEngine):
            sessions = async_sessionmaker(sessions, expire_on_commit=False)
        self._sessions = sessions
        self._broker = broker
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._lock_rows = lock_rows
        self._lag_interval = lag_interval
        self._shutdown_timeout = shutdown_timeout
        self.metrics = OutboxMetrics.for_registry(registry)
        self.watch = BrokerWatch(metrics=self.metrics)
        self._retention = retention
        self._next_purge = 0.0
        self._durability_checked = False
        self._refused: BrokerNotDurableError | None = None
        self._log = get_logger("aurora.events.relay")
        self._stopping = False
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._next_lag = 0.0
        self._system = broker_system(broker)  # span attribute

    # -- one batch ----------------------------------------------------------------------

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were relayed.

        Raises:
            BrokerUnavailableError: the broker refused the batch (rows stay).
        """
        async with self._sessions() as session, session.begin():
            rows = await self._lock_batch(session)
            if not rows:
                return 0
            with publish_spans(rows, system=self._system):
                ids = await self._broker.publish(
                    [OutgoingMessage(r.stream, r.event_type, r.payload.encode()) for r in rows]
                )
            now = datetime.now(UTC)
            await mark_published(session, [r.id for r in rows], now)
        for row, message_id in zip(rows, ids, strict=True):
            self.watch.published(row.stream, message_id, now)
        self._observe(rows, now)
        return len(rows)

    async def requeue(self, *, since: datetime, stream: str | None = None) -> int:
        """Publish again every retained row published at or after ``since`` (recovery)."""
        count = await requeue_published(self._sessions, since=since, stream=stream)
        self.metrics.republished.inc(count)
        self.wake()
        return count

    async def purge(self) -> int:
        """Delete published rows older than the retention window; returns how many."""
        return await purge_published(self._sessions, older_than=self._retention)

    async def check_broker(self) -> None:
        """Read the broker's persistence; refuse a volatile one when durability is required.

        Raises:
            BrokerNotDurableError: durability is required and the broker lacks it.
            BrokerUnavailableError: the broker did not answer (checked again later).
        """
        persistence = await self._broker.persistence()
        self._durability_checked = True
        if persistence.durable:
            return
        problems = "; ".join(persistence.problems)
        if persistence.required:
            self._refused = BrokerNotDurableError(
                f"Refusing to relay to a broker that loses events on restart: {problems}",
                context={"problems": list(persistence.problems)},
            )
            self._log.error("event_broker_not_durable", problems=problems, refused=True)
            raise self._refused
        self._log.warning("event_broker_not_durable", problems=problems, refused=False)

    async def _lock_batch(self, session: AsyncSession) -> Sequence[Any]:
        locking = self._lock_rows
        if locking is None:
            locking = self._lock_rows = session.get_bind().dialect.name == "postgresql"
        query = (
            select(_C.id, _C.stream, _C.aggregate, _C.event_type, _C.payload, _C.created_at)
            .where(_C.published_at.is_(None))
            .order_by(_C.id)
            .limit(self._batch_size)
        )
        if locking:
            query = query.with_for_update(skip_locked=True)
        rows = (await session.execute(query)).all()
        if locking and rows:
            rows = await self._heads_only(session, rows)
        return rows

    async def _heads_only(self, session: AsyncSession, rows: Sequence[Any]) -> Sequence[Any]:
        """Drop each aggregate's rows from the first older row that isn't ours onwards."""
        mine = {row.id for row in rows}
        older = await session.execute(
            select(_C.aggregate, _C.id)
            .where(
                _C.published_at.is_(None),
                _C.aggregate.in_({row.aggregate for row in rows}),
                _C.id <= rows[-1].id,
            )
            .order_by(_C.id)
        )
        blocked: set[str] = set()
        allowed: set[int] = set()
        for aggregate, row_id in older:
            if aggregate in blocked:
                continue
            if row_id in mine:
                allowed.add(row_id)
            else:
                blocked.add(aggregate)
        return [row for row in rows if row.id in allowed]

    def _observe(self, rows: Sequence[Any], now: datetime) -> None:
        self.metrics.relayed.inc(len(rows))
        for row in rows:
            self.metrics.delay.observe(max(0.0, (now - _aware(row.created_at)).total_seconds()))

    async def lag(self) -> OutboxLag:
        """Rows waiting and the oldest one's age; also refreshes the gauges."""
        async with self._sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(_C.created_at)).where(_C.published_at.is_(None))
                )
            ).one()
        age = 0.0 if oldest is None else (datetime.now(UTC) - _aware(oldest)).total_seconds()
        self.metrics.pending.set(count)
        self.metrics.oldest_age.set(max(0.0, age))
        return OutboxLag(int(count), max(0.0, age))

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Relay until :meth:`stop`; outages of the broker or database are waited out."""
        self._bind_loop()
        failures = 0
        while not self._stopping:
            try:
                if not self._durability_checked:
                    await self.check_broker()
                relayed = await self.relay_once()
                await self._refresh_lag()
            except BrokerNotDurableError:
                return  # logged by check_broker; the health check reports it
            except Exception as exc:  # the relay must outlive any outage: rows wait safely
                failures += 1
                self.metrics.errors.inc()
                delay = min(self._poll_interval * 2 ** min(failures, 16), self._max_backoff)
                expected = isinstance(exc, BrokerUnavailableError | DBAPIError | OSError)
                self._log.warning(
                    "outbox_relay_failed", error=str(exc), retry_in=delay, exc_info=not expected
                )
                await self._pause(delay)
                continue
            failures = 0
            if relayed < self._batch_size:
                await self._pause(self._poll_interval)

    async def start(self) -> None:
        """Run in a background task (an app's ``on_startup`` hook).

        Raises:
            BrokerNotDurableError: the broker is volatile and durability is required
                (a broker unreachable now is checked once it answers).
        """
        if self._task is None or self._task.done():
            with contextlib.suppress(BrokerUnavailableError):
                await self.check_broker()
            self._stopping = False
            self._bind_loop()
            self._task = asyncio.create_task(self.run(), name="aurora-outbox-relay")

    async def stop(self) -> None:
        """Finish the current batch and stop (an app's ``on_shutdown`` hook)."""
        self._stopping = True
        self.wake()
        task, self._task = self._task, None
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=self._shutdown_timeout)
            if not done:
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def wake(self) -> None:
        """Relay now instead of at the next poll; safe from any thread."""
        loop, wakeup = self._loop, self._wakeup
        if loop is None or wakeup is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wakeup.set()
        else:
            loop.call_soon_threadsafe(wakeup.set)

    def health_check(
        self, *, max_age: float | None = None
    ) -> Callable[[], Awaitable[Mapping[str, Any]]]:
        """An aurora-app check reporting the lag; unhealthy past ``max_age`` seconds."""

        async def check() -> Mapping[str, Any]:
            if self._refused is not None:
                raise self._refused
            lag = await self.lag()
            await self.watch.measure(self._broker)
            over = self.watch.over_capacity()
            if over:
                info = over[0]
                raise ServiceUnavailableError(
                    f"{info.stream!r} holds {info.length} entries (cap {info.max_length}): "
                    "a consumer group is lagging or offline",
                    context={"stream": info.stream, "length": info.length},
                    code="stream_over_capacity",
                )
            if max_age is not None and lag.oldest_age > max_age:
                raise ServiceUnavailableError(
                    f"The oldest outbox event waits for {lag.oldest_age:.1f}s",
                    context={"pending": lag.pending, "oldest_age": lag.oldest_age},
                    code="outbox_lagging",
                )
            return {"pending": lag.pending, "oldest_age_seconds": round(lag.oldest_age, 3)}

        return check

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._wakeup is None:
            self._loop, self._wakeup = loop, asyncio.Event()

    async def _pause(self, seconds: float) -> None:
        if self._stopping or self._wakeup is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        self._wakeup.clear()

    async def _refresh_lag(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_lag:
            self._next_lag = now + self._lag_interval
            await self.lag()
            for loss in await self.watch.look(self._broker):
                await self.requeue(since=loss.since, stream=loss.stream)
        if now >= self._next_purge:
            self._next_purge = now + max(self._lag_interval, 60.0)
            await self.purge()
