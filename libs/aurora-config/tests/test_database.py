"""connection_string: the URL SQLAlchemy takes, from a URL, parts, or the SQLite default."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora.config import ConfigError, DatabaseSettings, ServiceConfig


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
            "postgresql+asyncpg://app@db/app",
        ),
        ("sqlite:////tmp/app.db", "sqlite:////tmp/app.db", "sqlite+aiosqlite:////tmp/app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("mysql://app@db/app", "mysql://app@db/app", "mysql://app@db/app"),
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
    secrets_dir: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    """The URL in plain config, the password in the secrets directory."""
    monkeypatch.setenv("AURORA_DATABASE__URL", "postgresql://app@db:5432/app")
    (secrets_dir / "AURORA_DATABASE__PASSWORD").write_text(secret)

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
    config = ServiceConfig.model_validate(
        {"service": {"name": "svc"}, "database": _database(pool_size=3)}
    )

    assert config.database.sqlite_path == Path("data/svc/svc.db")
    assert config.database.pool_size == 3


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
