"""Settings from ``AURORA_EVENTS__*`` and the broker a service gets from its config."""

import pytest

from aurora.config import ServiceConfig
from aurora.events import (
    Consumer,
    EventsSettings,
    MemoryBroker,
    RedisBroker,
    create_broker,
)


def config(environment: str) -> ServiceConfig:
    return ServiceConfig.composed().model_validate(
        {
            "service": {"name": "subject-service", "environment": environment},
            "redis": {"url": "redis://127.0.0.1:6390/2"},
        }
    )


def test_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_EVENTS__BATCH_SIZE", "250")
    monkeypatch.setenv("AURORA_EVENTS__BACKEND", "redis")
    settings = EventsSettings()
    assert (settings.batch_size, settings.backend) == (250, "redis")


@pytest.mark.parametrize("environment", ["development", "test"])
async def test_auto_backend_is_in_memory_where_embedded(environment: str) -> None:
    assert isinstance(create_broker(config(environment), settings=EventsSettings()), MemoryBroker)


async def test_auto_backend_is_redis_from_the_config_url_elsewhere() -> None:
    broker = create_broker(config("production"), settings=EventsSettings(stream_prefix="p:"))
    try:
        assert isinstance(broker, RedisBroker)
        assert broker.address == "127.0.0.1:6390"
        assert broker.key("aurora.subject") == "p:aurora.subject"
    finally:
        await broker.close()


async def test_explicit_backend_wins() -> None:
    broker = create_broker(config("production"), settings=EventsSettings(backend="memory"))
    assert isinstance(broker, MemoryBroker)


def test_consumers_take_their_tuning_from_settings() -> None:
    settings = EventsSettings(batch_size=7, max_deliveries=2, visibility_timeout=3.0)
    consumer = Consumer.from_settings(MemoryBroker(), settings, group="g", concurrency=4)
    assert consumer.group == "g"
    assert (consumer._batch_size, consumer._concurrency, consumer._visibility) == (7, 4, 3.0)
