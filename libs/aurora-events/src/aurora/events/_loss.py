"""``BrokerWatch``: notices that the broker lost published events, and what to resend.

The relay cannot ask a broker "what did you lose?", but it can tell when to look
and where the loss can start:

- *when*: the broker's incarnation (Redis ``run_id``) changed, so it restarted or
  failed over since the last look;
- *whether*: the newest entry this relay had published to a stream at the previous
  look (certainly sent to the old incarnation) is gone;
- *from where*: the stream's oldest entry at the previous look. Trimming never
  passes the slowest group, so everything older had been processed by every group,
  and everything from there on may be needed again.

Re-publishing from that point sends some events twice; consumers' inboxes drop the
copies. What a broker lost between two looks (``interval``) and that no relay had
published is not the outbox's to resend: ``python -m aurora.events recover`` covers
it from a point in time an operator chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aurora.events._broker import Broker, StreamInfo, stream_id_time
from aurora.events._errors import BrokerUnavailableError
from aurora.events._metrics import OutboxMetrics
from aurora.logging import get_logger

__all__ = ["BrokerWatch", "Loss"]

_MARGIN = timedelta(seconds=1)  # clocks of relay and broker differ a little


@dataclass(frozen=True, slots=True)
class Loss:
    """Events of ``stream`` published at or after ``since`` may be gone from the broker."""

    stream: str
    since: datetime


class BrokerWatch:
    """What the relay published where, checked against the broker after a restart."""

    def __init__(self, *, metrics: OutboxMetrics) -> None:
        self._metrics = metrics
        self._log = get_logger("aurora.events.relay")
        self._incarnation: str | None = None
        self._newest: dict[str, str] = {}
        self._checked: dict[str, str] = {}  # the newest ids as of the previous look
        self._floor: dict[str, datetime] = {}
        self.streams: dict[str, StreamInfo] = {}

    def published(self, stream: str, message_id: str, at: datetime) -> None:
        """Remember the newest entry sent to ``stream`` (ids grow, so the last one wins)."""
        self._newest[stream] = message_id
        self._floor.setdefault(stream, at)

    async def look(self, broker: Broker) -> list[Loss]:
        """Compare the broker with what was published; returns the losses to re-publish."""
        incarnation = (await broker.persistence()).incarnation
        restarted = self._incarnation not in (None, incarnation)
        self._incarnation = incarnation
        losses = (
            [await self._check(broker, stream) for stream in self._checked] if restarted else []
        )
        self._checked = dict(self._newest)
        await self.measure(broker)
        return [loss for loss in losses if loss is not None]

    async def _check(self, broker: Broker, stream: str) -> Loss | None:
        newest = self._checked[stream]
        if await broker.range(stream, start=newest, end=newest, count=1):
            return None
        since = self._floor[stream] - _MARGIN
        self._log.error(
            "event_broker_lost_events",
            stream=stream,
            newest_published=newest,
            republishing_since=since.isoformat(),
            hint="the broker restarted without the events: re-publishing from the outbox",
        )
        return Loss(stream, since)

    async def measure(self, broker: Broker) -> None:
        """Read the size of every stream published to (gauges, ``over_capacity``)."""
        for stream in self._newest:
            try:
                info = await broker.stream_info(stream)
            except BrokerUnavailableError:
                return
            self._record(stream, info)

    def _record(self, stream: str, info: StreamInfo) -> None:
        self.streams[stream] = info
        if info.first_id is not None:
            self._floor[stream] = stream_id_time(info.first_id)
        self._metrics.stream_length.labels(stream).set(info.length)
        self._metrics.stream_over_capacity.labels(stream).set(int(info.over_capacity))

    def over_capacity(self) -> list[StreamInfo]:
        """Streams holding more than their cap at the last look."""
        return [info for info in self.streams.values() if info.over_capacity]
