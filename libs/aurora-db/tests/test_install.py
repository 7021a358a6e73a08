"""install_database: the engines, the readiness checks and the migrations, through the hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora.db import EngineRegistry, database_check, database_health_check, install_database
from aurora.db.migrations import migrations_check, migrations_health_check
from aurora.testing.hooks import RecordedHooks

SERVICE = "install-service"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'install.db'}"


async def test_the_database_check_passes_while_the_service_runs(tmp_path: Path) -> None:
    hooks, registry = RecordedHooks(), EngineRegistry()

    install_database(hooks, SERVICE, sqlite_url(tmp_path), registry=registry)
    async with hooks.running():
        details = await hooks.check("database")

    assert details["backend"] == "sqlite"
    assert hooks.critical == {"database": True}


async def test_the_engines_are_disposed_at_shutdown(tmp_path: Path) -> None:
    hooks, registry = RecordedHooks(), EngineRegistry()
    install_database(hooks, SERVICE, sqlite_url(tmp_path), registry=registry)

    async with hooks.running():
        first = registry.async_engine(SERVICE)

    assert registry.async_engine(SERVICE) is not first  # the old one was disposed


def test_disposal_is_registered_first_so_it_runs_last(tmp_path: Path) -> None:
    hooks = RecordedHooks()

    install_database(hooks, SERVICE, sqlite_url(tmp_path), registry=EngineRegistry())

    assert len(hooks.shutdown) == 1  # what is installed later shuts down before it


@pytest.mark.parametrize("migrate", [True, False])
def test_migrations_run_at_start_up_or_are_reported(tmp_path: Path, migrate: bool) -> None:
    hooks = RecordedHooks()

    install_database(
        hooks,
        SERVICE,
        sqlite_url(tmp_path),
        migrations_dir=tmp_path / "migrations",
        migrate_on_startup=migrate,
        registry=EngineRegistry(),
    )

    assert len(hooks.startup) == (1 if migrate else 0)
    assert ("migrations" in hooks.checks) is not migrate
    assert hooks.critical.get("migrations", False) is False  # a deploy job may lag behind


def test_the_old_check_names_are_aliases() -> None:
    assert database_check is database_health_check
    assert migrations_check is migrations_health_check
