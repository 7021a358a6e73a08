"""Prometheus metrics of one service, in a registry of its own.

Each app gets its own :class:`~prometheus_client.CollectorRegistry` instead of the
process-global one, so two apps in one process (tests, a gateway mounting
services) never fight over metric names.

The request metrics are a custom collector rather than ``Counter``/``Histogram``
objects: those take a lock per increment (five per request with the in-flight
gauge), which is most of the cost of metrics on the hot path. Here a request
updates a few list slots of its ``(method, route, status class)`` series, all on
the event loop thread, and the exposition format is built from a snapshot at
scrape time. Same metric names and semantics, a fraction of the cost.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

__all__ = ["DEFAULT_BUCKETS", "HTTPMetrics"]

DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
_LABELS = ("method", "route", "status")
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


class HTTPMetrics:
    """Request count, latency histogram and in-flight gauge of one app.

    Exposes ``http_requests_total`` and ``http_request_duration_seconds`` labelled
    by ``method``, ``route`` (template) and ``status`` (``2xx``), and
    ``http_requests_in_flight``.

    Args:
        registry: Where the collectors live; a fresh registry by default. Register
            your own metrics on ``metrics.registry`` to have them on ``/metrics``.
        buckets: Latency histogram upper bounds, in seconds.
        process_collectors: Also export process, platform and GC metrics.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        process_collectors: bool = True,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.buckets = tuple(sorted(buckets))
        self.in_flight = 0
        # series: [count, sum, bucket_0 .. bucket_n, +Inf bucket], non-cumulative.
        self._series: dict[tuple[str, str, int], list[float]] = {}
        self.registry.register(_RequestCollector(self))
        if process_collectors:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request and record its latency."""
        if method not in _KNOWN_METHODS:
            # Unknown methods are attacker-controlled strings: fold them into one series.
            method = "OTHER"
        key = (method, route, status // 100)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = [0.0] * (len(self.buckets) + 3)
        series[0] += 1
        series[1] += seconds
        series[2 + bisect_left(self.buckets, seconds)] += 1

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type, for ``/metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def snapshot(self) -> list[tuple[tuple[str, str, str], list[float]]]:
        """Label values and a copy of each series (``list()`` of a list is atomic under the GIL)."""
        return [
            ((method, route, _status_label(status_class)), list(series))
            for (method, route, status_class), series in list(self._series.items())
        ]


def _status_label(status_class: int) -> str:
    return _STATUS_CLASSES[status_class - 1] if 1 <= status_class <= 5 else "other"


class _RequestCollector(Collector):
    """Turns :class:`HTTPMetrics` series into Prometheus metric families at scrape time."""

    def __init__(self, metrics: HTTPMetrics) -> None:
        self._metrics = metrics

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        requests, duration, in_flight = self._families()
        bounds = [_bound(value) for value in self._metrics.buckets]
        for labels, series in self._metrics.snapshot():
            requests.add_metric(labels, series[0])
            cumulative, buckets = 0.0, []
            for bound, count in zip([*bounds, "+Inf"], series[2:], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            duration.add_metric(labels, buckets, series[1])
        in_flight.add_metric([], self._metrics.in_flight)
        yield from (requests, duration, in_flight)

    def _families(self) -> tuple[CounterMetricFamily, HistogramMetricFamily, GaugeMetricFamily]:
        return (
            CounterMetricFamily("http_requests", "HTTP requests handled.", labels=_LABELS),
            HistogramMetricFamily(
                "http_request_duration_seconds",
                "Time from request start to the end of the response, in seconds.",
                labels=_LABELS,
            ),
            GaugeMetricFamily("http_requests_in_flight", "HTTP requests being handled.", labels=[]),
        )


def _bound(value: float) -> str:
    return repr(float(value))
