"""Prometheus metrics of the outbox relay, on an injectable registry.

Collectors are created once per registry and shared by every relay using it:
prometheus-client refuses to register a metric name twice, and two relays in one
process (or one per test) must not collide.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["OutboxMetrics"]

_BY_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, OutboxMetrics] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class OutboxMetrics:
    """The relay's collectors; ``for_registry`` builds or reuses them."""

    pending: Gauge
    oldest_age: Gauge
    relayed: Counter
    errors: Counter
    delay: Histogram

    @classmethod
    def for_registry(cls, registry: CollectorRegistry | None = None) -> OutboxMetrics:
        """The collectors on ``registry`` (prometheus-client's default when ``None``)."""
        target = registry if registry is not None else REGISTRY
        existing = _BY_REGISTRY.get(target)
        if existing is None:
            existing = _BY_REGISTRY[target] = cls._create(target)
        return existing

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
        )
