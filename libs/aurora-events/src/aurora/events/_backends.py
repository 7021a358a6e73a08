"""Which broker a service uses: ``create_broker`` reads the ``events`` section's ``backend``.

``backend="auto"`` picks the in-memory broker in development and test and Redis
elsewhere, so a service runs with no Redis on a laptop but never silently drops
events in staging or production. The Redis address is the service's ``redis.url``
(one Redis setting serves caches, rate limits and events alike); NATS serves only
events, so its URL is an events setting (``nats_url``).
"""

from __future__ import annotations

from aurora.config import ServiceConfig
from aurora.events._broker import Broker
from aurora.events._memory import MemoryBroker
from aurora.events._nats import NatsBroker
from aurora.events._redis import RedisBroker
from aurora.events._settings import EventsSettings

__all__ = ["create_broker"]

_EMBEDDED_ENVIRONMENTS = frozenset({"development", "test"})


def create_broker(config: ServiceConfig, *, settings: EventsSettings | None = None) -> Broker:
    """The broker a service should use, chosen by ``settings.backend``.

    ``settings`` default to the config's ``events`` section.
    """
    opts = settings or config.section(EventsSettings)
    backend = opts.backend
    if backend == "auto":
        embedded = config.service.environment in _EMBEDDED_ENVIRONMENTS
        backend = "memory" if embedded else "redis"
    if backend == "memory":
        return MemoryBroker(maxlen=opts.maxlen)
    if backend == "nats":
        return NatsBroker.from_config(config, settings=opts)
    return RedisBroker.from_config(config, settings=opts)
