"""Settings from ``AURORA_EVENTS__*`` and the broker a service gets from its config."""

from pathlib import Path

import pytest

from aurora.config import ServiceConfig, ValueSource, describe_config
from aurora.events import (
    Consumer,
    EventsSettings,
    MemoryBroker,
    RedisBroker,
    create_broker,
)
from aurora.testing.config import SOURCES, Source, isolated_config, set_variable


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


@pytest.mark.parametrize("source", SOURCES)
def test_a_field_reaches_the_events_section_from_every_source(
    source: Source, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with isolated_config(monkeypatch, tmp_path / "cwd") as workdir:
        set_variable(
            source, "AURORA_EVENTS__MAXLEN", "500", monkeypatch=monkeypatch, workdir=workdir
        )
        loaded = ServiceConfig.load("subject-service")

    assert loaded.section(EventsSettings).maxlen == 500
    assert {e.variable: e.source for e in describe_config(loaded)}[
        "AURORA_EVENTS__MAXLEN"
    ] is ValueSource(source)
