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

Exemplars: a request observed inside a sampled span leaves its trace and span id
on the latency bucket it fell in (the latest one per bucket), so a dashboard can
jump from a slow bucket to a trace. They are exposed in the OpenMetrics format,
which a scraper asks for with ``Accept: application/openmetrics-text`` (Prometheus
with exemplar storage on does); the classic text format has no place for them and
is unchanged. Untraced requests pay nothing for this: the ids are only looked at
when the request has a sampled span.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from time import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    Exemplar,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
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
_OPENMETRICS = "application/openmetrics-text"
# (trace id, span id, seconds, unix time) of the latest traced request in a bucket
_Exemplar = tuple[str, str, float, float]


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
        # per series, one slot per bucket (+Inf included); made at the first traced request
        self._exemplars: dict[tuple[str, str, int], list[_Exemplar | None]] = {}
        self.registry.register(_RequestCollector(self))
        if process_collectors:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)

    def observe(
        self,
        method: str,
        route: str,
        status: int,
        seconds: float,
        trace_ids: tuple[str, str] | None = None,
    ) -> None:
        """Count one finished request and record its latency.

        ``trace_ids`` (trace id, span id) of the request's sampled span become the
        exemplar of the bucket the latency falls in.
        """
        if method not in _KNOWN_METHODS:
            # Unknown methods are attacker-controlled strings: fold them into one series.
            method = "OTHER"
        key = (method, route, status // 100)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = [0.0] * (len(self.buckets) + 3)
        bucket = bisect_left(self.buckets, seconds)
        series[0] += 1
        series[1] += seconds
        series[2 + bucket] += 1
        if trace_ids is not None:
            exemplars = self._exemplars.get(key)
            if exemplars is None:
                exemplars = self._exemplars[key] = [None] * (len(self.buckets) + 1)
            exemplars[bucket] = (*trace_ids, seconds, time())

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition and its content type, for ``/metrics``.

        ``accept`` is the scraper's ``Accept`` header: OpenMetrics (with exemplars)
        when it asks for it, the classic text format otherwise.
        """
        if accept and _OPENMETRICS in accept:
            encoder, content_type = choose_encoder(accept)
            return encoder(self.registry), content_type
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def snapshot(self) -> list[tuple[tuple[str, str, str], list[float]]]:
        """Label values and a copy of each series (``list()`` of a list is atomic under the GIL)."""
        return [(labels, series) for labels, series, _ in self._rows()]

    def _rows(self) -> list[tuple[tuple[str, str, str], list[float], list[_Exemplar | None]]]:
        """Each series' label values, with copies of its counts and its exemplar slots."""
        none = [None] * (len(self.buckets) + 1)
        exemplars = self._exemplars
        return [
            (
                (method, route, _status_label(status_class)),
                list(series),
                list(exemplars.get((method, route, status_class), none)),
            )
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
        for labels, series, exemplars in self._metrics._rows():
            requests.add_metric(labels, series[0])
            cumulative = 0.0
            buckets: list[tuple[str, float] | tuple[str, float, Exemplar]] = []
            for bound, count, exemplar in zip(
                [*bounds, "+Inf"], series[2:], exemplars, strict=True
            ):
                cumulative += count
                if exemplar is None:
                    buckets.append((bound, cumulative))
                else:
                    trace_id, span_id, seconds, when = exemplar
                    ids = {"trace_id": trace_id, "span_id": span_id}
                    buckets.append((bound, cumulative, Exemplar(ids, seconds, when)))
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
