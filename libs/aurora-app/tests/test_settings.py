"""aurora-app's sections in a service's config: every source reaches them, read once at start-up."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aurora.app import AppSettings, SecuritySettings, create_service
from aurora.config import ServiceConfig, ValueSource, describe_config
from aurora.db import DatabaseSettings, EngineRegistry
from aurora.events import create_broker
from aurora.http import ServiceClient
from aurora.testing.config import SOURCES, Source, isolated_config, set_variable


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with isolated_config(monkeypatch, tmp_path / "cwd") as directory:
        yield directory


@pytest.mark.parametrize("source", SOURCES)
def test_app_settings_reach_the_service_from_every_source(
    source: Source, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``AURORA_APP__GZIP`` in ``.env`` or the secrets dir was once silently ignored."""
    set_variable(source, "AURORA_APP__GZIP", "true", monkeypatch=monkeypatch, workdir=workdir)
    set_variable(
        source, "AURORA_APP__RATE_LIMIT__LIMIT", "7", monkeypatch=monkeypatch, workdir=workdir
    )

    config = ServiceConfig.load("demo-service")
    service = create_service("demo-service", config, configure_logging=False)

    assert (service.settings.gzip, service.settings.rate_limit.limit) == (True, 7)
    origins = {entry.variable: entry.source for entry in describe_config(config)}
    assert origins["AURORA_APP__GZIP"] is ValueSource(source)


@pytest.mark.parametrize("source", SOURCES)
def test_security_settings_reach_the_section_from_every_source(
    source: Source, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = "https://app.example"
    set_variable(
        source, "AURORA_SECURITY__CORS_ORIGINS", origin, monkeypatch=monkeypatch, workdir=workdir
    )

    config = ServiceConfig.load("demo-service")

    assert config.section(SecuritySettings).cors_origins == [origin]


class CountingEnviron(dict[str, str]):
    """``os.environ`` counting Aurora's full reads of it (every source read walks its items).

    Third-party walks (httpx looking for proxy variables) are not configuration reads.
    """

    reads = 0

    def items(self) -> Any:
        if sys._getframe(1).f_globals.get("__name__", "").startswith("aurora."):
            self.reads += 1
        return super().items()


def test_start_up_reads_the_sources_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The config load, the app, the database, the broker and a client: one read in all."""
    monkeypatch.setenv("AURORA_DATABASE__URL", "sqlite://")
    monkeypatch.setenv("AURORA_DATABASE__CURSOR_SECRET", "shared")
    environ = CountingEnviron(os.environ)
    monkeypatch.setattr(os, "environ", environ)

    config = ServiceConfig.load("demo-service", services__billing__url="http://127.0.0.1:1")
    service = create_service("demo-service", config, configure_logging=False)
    registry = EngineRegistry()
    registry.configure("demo-service", config.section(DatabaseSettings))
    registry.sessionmaker("demo-service")
    broker = create_broker(config)
    client = ServiceClient("billing", config=config)

    assert environ.reads == 1
    assert service.settings.docs is config.section(AppSettings).docs
    assert client.base_url == "http://127.0.0.1:1"
    assert broker is not None
    registry.dispose()
