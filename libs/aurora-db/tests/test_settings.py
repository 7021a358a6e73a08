"""aurora-db's section: URLs from a URL, parts or the SQLite default; every field from every source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora.config import ConfigError, ServiceConfig, ValueSource, describe_config
from aurora.db import DatabaseSettings, EngineRegistry, database_target
from aurora.logging.testing import capture_logs
from aurora.testing.config import SOURCES, Source, isolated_config, set_variable


@pytest.fixture(autouse=True)
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with isolated_config(monkeypatch, tmp_path / "cwd") as directory:
        yield directory


@pytest.mark.parametrize("source", SOURCES)
def test_engine_fields_reach_the_engine_from_every_source(
    source: Source, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pool_pre_ping, slow_query_ms and sqlite_begin: once unsettable, now like any field."""
    for name, value in [
        ("POOL_PRE_PING", "false"),
        ("SLOW_QUERY_MS", "5"),
        ("SQLITE_BEGIN", "deferred"),
    ]:
        set_variable(
            source, f"AURORA_DATABASE__{name}", value, monkeypatch=monkeypatch, workdir=workdir
        )

    config = ServiceConfig.load("svc")

    settings = database_target(config.section(DatabaseSettings)).settings
    assert (settings.pool_pre_ping, settings.slow_query_ms, settings.sqlite_begin) == (
        False,
        5.0,
        "deferred",
    )
    origins = {e.variable: e.source for e in describe_config(config)}
    assert origins["AURORA_DATABASE__POOL_PRE_PING"] is ValueSource(source)


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_shared_environments_refuse_to_start_without_a_cursor_secret(
    environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURORA_SERVICE__ENVIRONMENT", environment)

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("svc")

    assert str(caught.value).splitlines()[1] == (
        f"  - AURORA_DATABASE__CURSOR_SECRET: is required in {environment}"
        " (replicas must share the cursor key)"
    )


def test_production_with_a_cursor_secret_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__ENVIRONMENT", "production")
    monkeypatch.setenv("AURORA_DATABASE__CURSOR_SECRET", "shared-by-every-replica")

    config = ServiceConfig.load("svc")

    assert config.database.cursor_secret.get_secret_value() == "shared-by-every-replica"


def test_the_cursor_key_derives_from_the_configured_secret() -> None:
    one, two = EngineRegistry(), EngineRegistry()
    for registry in (one, two):
        registry.configure("svc", DatabaseSettings(url="sqlite://", cursor_secret="shared"))

    assert one.cursor_key("svc") == two.cursor_key("svc")


def test_without_a_secret_development_gets_a_random_key_and_a_warning() -> None:
    registry = EngineRegistry()
    registry.configure("svc", DatabaseSettings(url="sqlite://"))

    with capture_logs() as logs:
        key = registry.cursor_key("svc")

    assert len(key) == 32
    assert [entry["event"] for entry in logs] == ["cursor_secret_missing"]


def _database(**values: object) -> DatabaseSettings:
    return DatabaseSettings.model_validate(values)


@pytest.mark.parametrize(
    ("url", "sync", "async_"),
    [
        (
            "postgresql://app@db:5432/app",
            "postgresql+psycopg://app@db:5432/app",
            "postgresql+psycopg://app@db:5432/app",
        ),
        (
            "postgres://app@db/app",
            "postgresql+psycopg://app@db/app",
            "postgresql+psycopg://app@db/app",
        ),
        (
            "postgresql+asyncpg://app@db/app",
            "postgresql+psycopg://app@db/app",
            "postgresql+psycopg://app@db/app",
        ),
        ("sqlite:////tmp/app.db", "sqlite:////tmp/app.db", "sqlite+aiosqlite:////tmp/app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
    ],
)
def test_drivers_are_the_ones_aurora_ships(url: str, sync: str, async_: str) -> None:
    database = _database(url=url)

    assert (database.connection_string, database.async_connection_string) == (sync, async_)


def test_url_from_parts_quotes_credentials() -> None:
    database = _database(host="db", port=6432, user="app", password="p@ss/word", name="subjects")

    assert database.connection_string == "postgresql+psycopg://app:p%40ss%2Fword@db:6432/subjects"
    assert not database.is_sqlite
    assert database.sqlite_file is None


def test_password_fills_in_a_url_without_one(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL in plain config, the password in the secrets directory."""
    monkeypatch.setenv("AURORA_DATABASE__URL", "postgresql://app@db:5432/app")
    secret = "s3cr3t-VALUE-that-must-never-leak-0123456789"
    set_variable(
        "secrets", "AURORA_DATABASE__PASSWORD", secret, monkeypatch=monkeypatch, workdir=workdir
    )

    database = ServiceConfig.load("svc").database

    assert database.connection_string == f"postgresql+psycopg://app:{secret}@db:5432/app"
    assert secret not in repr(database)


def test_url_without_a_user_is_left_alone() -> None:
    assert _database(url="postgresql://db/app", password="pw").connection_string == (
        "postgresql+psycopg://db/app"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [("sqlite://", None), ("sqlite:///:memory:", None), ("sqlite:///data/a.db", Path("data/a.db"))],
)
def test_sqlite_file(url: str, expected: Path | None) -> None:
    database = _database(url=url)

    assert database.is_sqlite
    assert database.sqlite_file == expected


def test_explicit_sqlite_path_beats_the_derived_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_DATABASE__SQLITE_PATH", "/srv/x.db")

    assert ServiceConfig.load("svc").database.connection_string == "sqlite:////srv/x.db"


def test_section_instance_keeps_derived_default_unless_set() -> None:
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "svc"}, "database": _database(pool_size=3)}
    )

    assert config.database.sqlite_path == Path("data/svc/svc.db")
    assert config.database.pool_size == 3


def test_only_the_shipped_backends_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_DATABASE__URL", "mysql://app@db/app")

    with pytest.raises(ConfigError, match="AURORA_DATABASE__URL .environment.: unsupported"):
        ServiceConfig.load("svc")


def test_a_url_needs_a_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_DATABASE__URL", "db.internal:5432")

    with pytest.raises(ConfigError, match="AURORA_DATABASE__URL .environment.: must be a URL"):
        ServiceConfig.load("svc")


def test_database_section_used_alone(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / ".env").write_text("AURORA_DATABASE__POOL_SIZE=12\nAURORA_DATABASE__URLL=ignored\n")
    monkeypatch.setenv("AURORA_DATABASE__URL", "postgresql://app@db/app")

    database = DatabaseSettings()

    assert database.connection_string == "postgresql+psycopg://app@db/app"
    assert database.pool_size == 12
    assert DatabaseSettings(pool_size=2).pool_size == 2
