"""Prometheus metrics of the outbox relay and the consumers, on an injectable registry.

Collectors are created once per registry and shared by every relay using it:
prometheus-client refuses to register a metric name twice, and two relays in one
process (or one per test) must not collide.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["ConsumerMetrics", "OutboxMetrics"]

_M = TypeVar("_M")
_GROUP = ("stream", "group")
# One cache per metrics class: {registry: collectors}.
_CACHES: dict[type, weakref.WeakKeyDictionary[CollectorRegistry, Any]] = {}


def _collectors(
    kind: type[_M], registry: CollectorRegistry | None, create: Callable[[CollectorRegistry], _M]
) -> _M:
    target = registry if registry is not None else REGISTRY
    cache = _CACHES.setdefault(kind, weakref.WeakKeyDictionary())
    existing: _M | None = cache.get(target)
    if existing is None:
        existing = cache[target] = create(target)
    return existing


@dataclass(frozen=True, slots=True)
class OutboxMetrics:
    """The relay's collectors; ``for_registry`` builds or reuses them."""

    pending: Gauge
    oldest_age: Gauge
    relayed: Counter
    errors: Counter
    delay: Histogram
    republished: Counter
    stream_length: Gauge
    stream_over_capacity: Gauge

    @classmethod
    def for_registry(cls, registry: CollectorRegistry | None = None) -> OutboxMetrics:
        """The collectors on ``registry`` (prometheus-client's default when ``None``)."""
        return _collectors(cls, registry, cls._create)

    @classmethod
    def _create(cls, registry: CollectorRegistry) -> OutboxMetrics:
        return cls(
            pending=Gauge(
                "aurora_events_outbox_pending",
                "Outbox rows not yet published (the outbox lag).",
                registry=registry,
            ),
            oldest_age=Gauge(
                "aurora_events_outbox_oldest_age_seconds",
                "Age of the oldest unpublished outbox row.",
                registry=registry,
            ),
            relayed=Counter(
                "aurora_events_outbox_relayed",
                "Outbox rows published to the broker and removed.",
                registry=registry,
            ),
            errors=Counter(
                "aurora_events_outbox_relay_errors",
                "Relay batches that failed (broker or database unavailable).",
                registry=registry,
            ),
            delay=Histogram(
                "aurora_events_outbox_delay_seconds",
                "Time from writing an event to the outbox to the broker confirming it.",
                registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            ),
            republished=Counter(
                "aurora_events_outbox_republished",
                "Published outbox rows queued again for publishing (recovery after broker loss).",
                registry=registry,
            ),
            **_stream_gauges(registry, "relay"),
        )


def _stream_gauges(registry: CollectorRegistry, who: str) -> dict[str, Gauge]:
    # Relays and consumers each watch their streams; one name per role keeps the
    # series apart when both run in one process on one registry.
    return {
        "stream_length": Gauge(
            f"aurora_events_{who}_stream_length",
            "Entries held in the stream (compare with the configured maxlen).",
            ["stream"],
            registry=registry,
        ),
        "stream_over_capacity": Gauge(
            f"aurora_events_{who}_stream_over_capacity",
            "1 while the stream holds more than maxlen: a group is lagging or offline.",
            ["stream"],
            registry=registry,
        ),
    }


@dataclass(frozen=True, slots=True)
class ConsumerMetrics:
    """A consumer's collectors: true lag per group, and group losses."""

    lag: Gauge
    pending: Gauge
    oldest_pending_age: Gauge
    groups_lost: Counter
    stream_length: Gauge
    stream_over_capacity: Gauge

    @classmethod
    def for_registry(cls, registry: CollectorRegistry | None = None) -> ConsumerMetrics:
        """The collectors on ``registry`` (prometheus-client's default when ``None``)."""
        return _collectors(cls, registry, cls._create)

    @classmethod
    def _create(cls, registry: CollectorRegistry) -> ConsumerMetrics:
        return cls(
            lag=Gauge(
                "aurora_events_consumer_lag",
                "Entries the group has not yet been delivered plus those delivered, not acked.",
                _GROUP,
                registry=registry,
            ),
            pending=Gauge(
                "aurora_events_consumer_pending",
                "Entries delivered to the group and not yet acknowledged.",
                _GROUP,
                registry=registry,
            ),
            oldest_pending_age=Gauge(
                "aurora_events_consumer_oldest_pending_age_seconds",
                "Age of the oldest unacknowledged entry of the group.",
                _GROUP,
                registry=registry,
            ),
            groups_lost=Counter(
                "aurora_events_consumer_groups_lost",
                "Times the broker lost the group or the stream went backwards (events lost).",
                _GROUP,
                registry=registry,
            ),
            **_stream_gauges(registry, "consumer"),
        )
