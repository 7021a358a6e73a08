"""aurora-events' own settings section, ``AURORA_EVENTS__*``.

aurora-config composes it into a service's config (``config.events``), so every
field is reachable from the environment, ``.env`` and the secrets directory.

The Redis address is not here: it is the service's ``redis.url`` (aurora-config's
shared section), so one Redis setting serves caches, rate limits and events alike.
NATS serves only events, so its URL is an events setting (``nats_url``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, register_section

__all__ = ["EventsSettings"]


@register_section
class EventsSettings(AuroraSettings):
    """Tuning for publishing, consuming and relaying; read from ``AURORA_EVENTS__*``.

    An aurora-config section: composed into every service's config
    (``config.section(EventsSettings)``, or ``config.events``).

    ``backend="auto"`` picks the in-memory broker in development and test and Redis
    elsewhere, so a service runs with no Redis on a laptop but never silently drops
    events in staging or production.
    """

    model_config = SettingsConfigDict(env_prefix="AURORA_EVENTS__")

    backend: Literal["auto", "memory", "redis", "nats"] = "auto"
    """Transport: auto (memory in development/test, else Redis), memory, redis or nats."""
    redis_cluster: bool = False
    """Talk to ``redis.url`` as a Redis Cluster (``?cluster=true`` in the URL does too)."""
    nats_url: str = "nats://127.0.0.1:4222"
    """NATS server URL(s), comma-separated, for ``backend="nats"`` (JetStream enabled)."""
    nats_replicas: int = Field(default=1, ge=1, le=5)
    """Replicas of each JetStream stream (3 on a JetStream cluster)."""
    stream_prefix: str = ""
    """Prepended to every stream key, to share one Redis between apps."""
    maxlen: int | None = Field(default=1_000_000, ge=1)
    """Entries a stream should stay under (trimmed only past every group's acks; above it an alarm, never a drop)."""
    accept_volatile_broker: bool = False
    """Let the relay run in staging/production on a Redis without AOF (accepting loss)."""
    outbox_retention: float = Field(default=7 * 24 * 3600.0, ge=0)
    """Seconds published outbox rows are kept for ``python -m aurora.events recover``."""
    redelivery_backoff: float = Field(default=1.0, ge=0)
    """Seconds before the first redelivery of a failed message; doubles each time."""
    redelivery_max_backoff: float = Field(default=60.0, ge=0)
    """Cap on the redelivery backoff (bounded by the visibility timeout)."""
    batch_size: int = Field(default=100, ge=1)
    """Messages a consumer reads and acks per round trip."""
    concurrency: int = Field(default=1, ge=1)
    """Handlers a consumer runs at once (1 keeps per-stream order)."""
    block: float = Field(default=1.0, ge=0)
    """Seconds a consumer read waits for new messages."""
    visibility_timeout: float = Field(default=30.0, gt=0)
    """Seconds before an unacked message is reclaimed from its consumer."""
    max_deliveries: int = Field(default=5, ge=1)
    """Deliveries of a failing message before it is dead-lettered."""
    retry_attempts: int = Field(default=3, ge=1)
    """Handler calls per delivery before the message is given back."""
    shutdown_timeout: float = Field(default=10.0, ge=0)
    """Seconds a stopping consumer lets started handlers finish."""
    relay_batch_size: int = Field(default=500, ge=1)
    """Outbox rows the relay publishes per transaction."""
    relay_poll_interval: float = Field(default=0.5, gt=0)
    """Seconds between outbox polls when it is empty."""
