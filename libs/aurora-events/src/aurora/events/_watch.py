"""``GroupWatch``: a consumer's view of its groups: true lag, capacity, and loss.

A broker that restarts without its data, or fails over to a replica that is
behind, silently forgets events a lagging group had not read yet. The consumer
cannot get them back, but it must not carry on as if nothing happened: the watch
turns a lost group (``GroupLostError``) or a stream whose newest id is older than
one this consumer already read into an error log, a metric and a failing health
check. The check keeps failing while the group is missing and for ``alarm_hold``
seconds after the loss, long enough for an alert to fire and an operator to run
``python -m aurora.events recover``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from aurora.errors import ServiceUnavailableError
from aurora.events._broker import Broker, GroupInfo, StreamInfo
from aurora.events._metrics import ConsumerMetrics
from aurora.logging import get_logger

__all__ = ["GroupWatch"]


def _id_key(message_id: str) -> tuple[int, int]:
    ms, _, seq = message_id.partition("-")
    return int(ms or 0), int(seq or 0)


class GroupWatch:
    """Tracks lag, capacity and loss for one group on a consumer's streams."""

    def __init__(self, *, group: str, metrics: ConsumerMetrics, alarm_hold: float = 600.0) -> None:
        self.group = group
        self._metrics = metrics
        self._hold = alarm_hold
        self._log = get_logger("aurora.events.consumer")
        self._lost: dict[str, str] = {}  # stream -> why
        self._alarms: dict[str, tuple[float, str]] = {}  # stream -> (until, why)
        self._newest: dict[str, str] = {}
        self.figures: dict[str, tuple[GroupInfo, StreamInfo]] = {}

    @property
    def lost(self) -> set[str]:
        """Streams whose group is missing: the consumer does not read them."""
        return set(self._lost)

    def seen(self, stream: str, message_id: str) -> None:
        """Remember the newest id read, to notice the stream going backwards."""
        newest = self._newest.get(stream)
        if newest is None or _id_key(message_id) > _id_key(newest):
            self._newest[stream] = message_id

    def group_lost(self, stream: str, reason: str) -> None:
        """Raise the alarm for ``stream`` (once per loss)."""
        if stream in self._lost:
            return
        self._lost[stream] = reason
        self._alarm(stream, reason)
        self._log.error(
            "event_group_lost",
            stream=stream,
            group=self.group,
            reason=reason,
            hint="events may be lost: run `python -m aurora.events recover` (see README)",
        )

    def recreated(self, stream: str) -> None:
        """The consumer recreated the lost group (from the start of what the broker kept)."""
        self._lost.pop(stream, None)
        self._log.error(
            "event_group_recreated",
            stream=stream,
            group=self.group,
            hint="events the broker lost come back only from the outbox: the relay re-publishes "
            "them after a restart it notices, `python -m aurora.events recover` otherwise",
        )

    def _alarm(self, stream: str, reason: str) -> None:
        self._alarms[stream] = (time.monotonic() + self._hold, reason)
        self._metrics.groups_lost.labels(stream, self.group).inc()

    async def refresh(
        self, broker: Broker, streams: Sequence[str], *, detect_loss: bool = True
    ) -> None:
        """Read every stream's figures, update the gauges, detect loss and recovery.

        ``detect_loss=False`` before the consumer created its groups: a group that
        does not exist yet is not lost.
        """
        for stream in streams:
            info, size = await broker.group_info(stream, self.group), await broker.stream_info(
                stream
            )
            self.figures[stream] = (info, size)
            self._export(info, size)
            if not info.exists and detect_loss:
                self.group_lost(stream, "the broker has no such group (restarted without data?)")
            elif stream in self._lost:
                del self._lost[stream]
                self._log.info("event_group_restored", stream=stream, group=self.group)
            self._check_backwards(stream, size)

    def _check_backwards(self, stream: str, size: StreamInfo) -> None:
        newest = self._newest.get(stream)
        if not size.exists or stream in self._lost:
            return  # a lost group is alarmed already; the stream is gone with it
        if newest is None or _id_key(size.last_id) >= _id_key(newest):
            return
        self._newest[stream] = size.last_id
        self._alarm(stream, "the stream went backwards: the broker lost events")
        self._log.error(
            "event_stream_went_backwards",
            stream=stream,
            group=self.group,
            newest_read=newest,
            newest_now=size.last_id,
            hint="the broker lost events: run `python -m aurora.events recover` (see README)",
        )

    def _export(self, info: GroupInfo, size: StreamInfo) -> None:
        labels = (info.stream, self.group)
        self._metrics.lag.labels(*labels).set((info.lag or 0) + info.pending)
        self._metrics.pending.labels(*labels).set(info.pending)
        self._metrics.oldest_pending_age.labels(*labels).set(info.oldest_pending_age)
        self._metrics.stream_length.labels(size.stream).set(size.length)
        self._metrics.stream_over_capacity.labels(size.stream).set(int(size.over_capacity))

    def check(
        self, *, max_lag: int | None = None, max_pending_age: float | None = None
    ) -> Mapping[str, Any]:
        """Health details; raises ``ServiceUnavailableError`` on loss, lag or overflow."""
        now = time.monotonic()
        for stream, (until, reason) in self._alarms.items():
            if until > now or stream in self._lost:
                raise _unhealthy("consumer_group_lost", f"{self.group!r} on {stream!r}: {reason}")
        details = {}
        for stream, (info, size) in self.figures.items():
            details[f"{stream}/{self.group}"] = _details(info, size)
            _check_limits(info, size, max_lag=max_lag, max_pending_age=max_pending_age)
        return details


def _details(info: GroupInfo, size: StreamInfo) -> dict[str, Any]:
    return {
        "lag": info.lag,
        "pending": info.pending,
        "oldest_pending_age_seconds": round(info.oldest_pending_age, 3),
        "consumers": info.consumers,
        "stream_length": size.length,
    }


def _check_limits(
    info: GroupInfo, size: StreamInfo, *, max_lag: int | None, max_pending_age: float | None
) -> None:
    backlog = (info.lag or 0) + info.pending
    where = f"Consumer group {info.group!r} on {info.stream!r}"
    if max_lag is not None and backlog > max_lag:
        raise _unhealthy("consumer_lagging", f"{where} is {backlog} messages behind")
    if max_pending_age is not None and info.oldest_pending_age > max_pending_age:
        age = info.oldest_pending_age
        raise _unhealthy("consumer_lagging", f"{where} has a message unacked for {age:.0f}s")
    if size.over_capacity:
        raise _unhealthy(
            "stream_over_capacity",
            f"{info.stream!r} holds {size.length} entries (cap {size.max_length}): "
            "a group is lagging or offline",
        )


def _unhealthy(code: str, detail: str) -> ServiceUnavailableError:
    return ServiceUnavailableError(detail, code=code)
