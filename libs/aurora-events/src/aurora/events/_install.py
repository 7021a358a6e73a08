"""``install_events``: the one call that plugs a service's events into the service.

It picks the broker, runs the outbox relay and the consumer groups for the service's
lifetime and reports their health. The service is any :class:`aurora.utils.ServiceHooks`
(aurora-app's ``Service`` is one), so this lib never imports aurora-app.

Order is the point. Startup: the relay, then the consumers (after whatever was installed
before, so the database has migrated the outbox and inbox tables). Shutdown runs in
reverse: the consumers stop first, then the relay drains its batch, then the broker
closes; a database installed before the events disposes its engines after all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from aurora.config import ServiceConfig
from aurora.events._backends import create_broker
from aurora.events._broker import Broker
from aurora.events._consumer import Consumer
from aurora.events._envelope import Event
from aurora.events._health import broker_health_check
from aurora.events._outbox import AnySession, add_to_outbox
from aurora.events._relay import OutboxRelay
from aurora.events._settings import EventsSettings
from aurora.utils import HealthCheck, ServiceHooks

__all__ = ["EventsRuntime", "install_events"]


@dataclass(frozen=True, slots=True)
class EventsRuntime:
    """A running service's broker, outbox relay and consumers, as :func:`install_events` made them."""

    broker: Broker
    relay: OutboxRelay | None = None
    consumers: Mapping[str, Consumer] = field(default_factory=dict)
    """By consumer group; subscribe their handlers before the service starts."""

    def stage(self, session: AnySession, event: Event | Iterable[Event]) -> None:
        """Put ``event`` in ``session``'s transaction; the relay wakes once it commits."""
        wake = self.relay.wake if self.relay is not None else None
        add_to_outbox(session, event, on_commit=wake)


def install_events(
    hooks: ServiceHooks,
    config: ServiceConfig,
    *,
    outbox: AsyncEngine | None = None,
    consumer_groups: Iterable[str] = (),
    broker: Broker | None = None,
    settings: EventsSettings | None = None,
    metrics: CollectorRegistry | None = None,
    outbox_max_age: float = 60.0,
) -> EventsRuntime:
    """Run the service's events for its lifetime and report their health.

    Args:
        hooks: The service (``on_startup``, ``on_shutdown``, ``add_health_check``).
        config: The service's config; with ``settings`` it chooses the broker.
        outbox: The engine of the database whose outbox a relay publishes; no relay
            when omitted (a service that only consumes).
        consumer_groups: A consumer per group (shared by every replica), tuned by
            ``settings``; subscribe handlers on ``runtime.consumers[group]``.
        broker: Where events go and come from; ``create_broker(config, settings=...)``
            when omitted. Tests pass an in-memory one to look into.
        settings: aurora-events' settings; the config's ``events`` section when omitted.
        metrics: The Prometheus registry of the relay's metrics (the service's).
        outbox_max_age: Seconds the oldest unpublished event may wait before the
            ``outbox`` check fails.

    Health checks, all optional (a broker outage degrades the service, the outbox
    keeps its events): ``events`` (the broker, and the consumers' lag when there are
    any) and, with a relay, ``outbox``.
    """
    settings = settings if settings is not None else config.section(EventsSettings)
    broker = broker if broker is not None else create_broker(config, settings=settings)
    relay = _relay(outbox, broker, settings, metrics) if outbox is not None else None
    consumers = {
        group: Consumer.from_settings(broker, settings, group=group) for group in consumer_groups
    }
    hooks.on_shutdown(broker.close)
    if relay is not None:
        hooks.on_startup(relay.start)
        hooks.on_shutdown(relay.stop)
    for consumer in consumers.values():
        hooks.on_startup(consumer.start)
        hooks.on_shutdown(consumer.stop)
    hooks.add_health_check("events", _events_check(broker, consumers.values()), critical=False)
    if relay is not None:
        hooks.add_health_check("outbox", relay.health_check(max_age=outbox_max_age), critical=False)
    return EventsRuntime(broker, relay, consumers)


def _relay(
    engine: AsyncEngine, broker: Broker, settings: EventsSettings, metrics: CollectorRegistry | None
) -> OutboxRelay:
    return OutboxRelay(
        engine,
        broker,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval,
        registry=metrics,
        retention=settings.outbox_retention,
    )


def _events_check(broker: Broker, consumers: Iterable[Consumer]) -> HealthCheck:
    """The broker's reachability, with every consumer group's lag when there are consumers."""
    checks = [consumer.health_check() for consumer in consumers]
    if not checks:
        return broker_health_check(broker)
    if len(checks) == 1:
        return checks[0]

    async def check() -> Mapping[str, Any]:
        groups: dict[str, Any] = {}
        for each in checks:
            groups.update((await each())["groups"])
        return {"broker": "reachable", "groups": groups}

    return check
