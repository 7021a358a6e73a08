"""aurora-logging's section in a service's config: every source reaches it, with its provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora.config import ServiceConfig, ValueSource, describe_config
from aurora.logging import LoggingSettings
from aurora.testing.config import SOURCES, Source, isolated_config, set_variable


@pytest.mark.parametrize("source", SOURCES)
def test_the_level_reaches_the_logging_section_from_every_source(
    source: Source, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with isolated_config(monkeypatch, tmp_path / "cwd") as workdir:
        set_variable(
            source, "AURORA_LOGGING__LEVEL", "warn", monkeypatch=monkeypatch, workdir=workdir
        )
        config = ServiceConfig.load("svc")

    assert config.section(LoggingSettings).level == "WARNING"
    origins = {entry.variable: entry.source for entry in describe_config(config)}
    assert origins["AURORA_LOGGING__LEVEL"] is ValueSource(source)


@pytest.mark.parametrize(
    ("environment", "expected"), [("development", "console"), ("prod", "json")]
)
def test_the_format_defaults_to_the_environments(
    environment: str, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with isolated_config(monkeypatch, tmp_path / "cwd"):
        # Whether aurora-db's section is composed depends on what this process imported.
        monkeypatch.setenv("AURORA_DATABASE__CURSOR_SECRET", "x")
        config = ServiceConfig.load("svc", service__environment=environment)

    assert config.section(LoggingSettings).format == expected
