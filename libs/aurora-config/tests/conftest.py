"""Every test starts from a clean slate: no AURORA_* variables, an empty cwd, no cache.

The libs' sections are imported, so the configs these tests load are composed
the way a service's is (``database``, ``security``, ``services``, ``logging``...).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora.app import AppSettings, SecuritySettings
from aurora.config import AuroraSettings
from aurora.db import DatabaseSettings
from aurora.events import EventsSettings
from aurora.http import ServiceEndpoints
from aurora.logging import LoggingSettings
from aurora.testing.config import isolated_config

LIB_SECTIONS: tuple[type[AuroraSettings], ...] = (
    AppSettings,
    DatabaseSettings,
    EventsSettings,
    LoggingSettings,
    SecuritySettings,
    ServiceEndpoints,
)
"""The libs' sections, registered by importing them: every config here composes them."""


@pytest.fixture(autouse=True)
def clean_config_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Isolate from the machine: its AURORA_* variables, a .env or services.yml in cwd."""
    with isolated_config(monkeypatch, tmp_path / "cwd") as workdir:
        yield workdir


@pytest.fixture()
def workdir(clean_config_environment: Path) -> Path:
    """The test's current directory, where ./.env and ./services.yml are looked up."""
    return clean_config_environment


@pytest.fixture()
def secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /run/secrets-style directory, selected through AURORA_SECRETS_DIR."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    monkeypatch.setenv("AURORA_SECRETS_DIR", str(directory))
    return directory


@pytest.fixture()
def secret() -> str:
    """A JWT secret long enough for HS256, and distinctive enough to grep for."""
    return "s3cr3t-VALUE-that-must-never-leak-0123456789"
