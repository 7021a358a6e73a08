"""The seed's usage example, and the defaults that make it work with nothing set."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora.config import ServiceConfig, get_config


def test_seed_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    config = get_config("subject-service")
    print(config.database.connection_string)

    assert capsys.readouterr().out == "sqlite:///data/subject-service/subject-service.db\n"


def test_defaults_need_nothing_set() -> None:
    config = get_config("subject-service")

    assert config.service.name == "subject-service"
    assert config.service.title == "Subject Service"
    assert config.service.environment == "development"
    assert config.service.data_dir == Path("data/subject-service")
    assert config.database.is_sqlite
    assert config.database.async_connection_string == (
        "sqlite+aiosqlite:///data/subject-service/subject-service.db"
    )
    assert config.redis.url == "redis://127.0.0.1:6379/0"
    assert len(config.services) == 0
    assert config.security.jwt_secret is None
    assert config.security.cors_origins == []
    assert config.logging.level == "INFO"


def test_sqlite_file_follows_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__DATA_DIR", "/var/lib/subjects")

    config = get_config("subject-service")

    assert config.database.sqlite_file == Path("/var/lib/subjects/subject-service.db")
    assert config.database.connection_string == "sqlite:////var/lib/subjects/subject-service.db"


def test_log_format_is_console_in_development_and_json_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_config("a").logging.format == "console"
    monkeypatch.setenv("AURORA_SERVICE__ENVIRONMENT", "prod")
    monkeypatch.setenv("AURORA_DATABASE__CURSOR_SECRET", "shared")

    assert get_config("b").logging.format == "json"
    assert get_config("b").service.environment == "production"


def test_config_is_frozen() -> None:
    config = get_config("subject-service")

    with pytest.raises(ValueError, match="frozen"):
        config.service.port = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        config.database = config.database  # type: ignore[misc]


def test_direct_construction_reads_no_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """ServiceConfig(...) is for tests: only what is passed, plus derived defaults."""
    monkeypatch.setenv("AURORA_SERVICE__PORT", "9999")
    monkeypatch.setenv("AURORA_DATABASE__URL", "postgresql://env@db/app")

    config = ServiceConfig.composed().model_validate({"service": {"name": "x"}})

    assert config.service.port == 8000
    assert config.database.connection_string == "sqlite:///data/x/x.db"
