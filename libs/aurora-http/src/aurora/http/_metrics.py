"""Prometheus metrics per target service, on a registry the application chooses.

Families are created once per ``CollectorRegistry`` (prometheus-client refuses
duplicates) and the labelled children for one service are cached, because
``labels()`` costs more than the increment itself on the hot path.
"""

from __future__ import annotations

import threading
import weakref

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

__all__ = ["BREAKER_STATE_VALUES", "ServiceMetrics"]

BREAKER_STATE_VALUES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Families:
    def __init__(self, registry: CollectorRegistry) -> None:
        prefix = "aurora_http_client_"
        self.requests = Counter(
            prefix + "requests",
            "Attempts sent to a service, by method and status (or failure kind).",
            ["service", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            prefix + "request_duration_seconds",
            "Duration of single attempts to a service.",
            ["service"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            prefix + "retries",
            "Retries scheduled, by reason.",
            ["service", "reason"],
            registry=registry,
        )
        self.budget_exhausted = Counter(
            prefix + "retry_budget_exhausted",
            "Retries refused because the service's retry budget was spent.",
            ["service"],
            registry=registry,
        )
        self.breaker_state = Gauge(
            prefix + "circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
            ["service"],
            registry=registry,
        )


_FAMILIES: weakref.WeakKeyDictionary[CollectorRegistry, _Families] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _families(registry: CollectorRegistry) -> _Families:
    with _LOCK:
        families = _FAMILIES.get(registry)
        if families is None:
            families = _FAMILIES[registry] = _Families(registry)
        return families


class ServiceMetrics:
    """The metrics of one target service; ``registry=None`` means the default registry."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        families = _families(REGISTRY if registry is None else registry)
        self._service = service
        self._families = families
        self._duration = families.duration.labels(service)
        self._budget_exhausted = families.budget_exhausted.labels(service)
        self._breaker_state = families.breaker_state.labels(service)
        self._requests: dict[tuple[str, str], MetricWrapperBase] = {}

    def attempt(self, method: str, status: str, duration: float | None) -> None:
        """Count one attempt; ``duration`` is ``None`` when nothing was sent."""
        child = self._requests.get((method, status))
        if child is None:
            child = self._families.requests.labels(self._service, method, status)
            self._requests[(method, status)] = child
        child.inc()  # type: ignore[attr-defined]
        if duration is not None:
            self._duration.observe(duration)

    def retry(self, reason: str) -> None:
        """Count a retry that was scheduled."""
        self._families.retries.labels(self._service, reason).inc()

    def budget_exhausted(self) -> None:
        """Count a retry the budget refused."""
        self._budget_exhausted.inc()

    def breaker_state(self, state: str) -> None:
        """Publish the breaker's new state."""
        self._breaker_state.set(BREAKER_STATE_VALUES.get(state, 2.0))
