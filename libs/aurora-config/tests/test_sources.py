"""Where values come from and which source wins: arguments > env > .env > secrets > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora.config import ConfigError, ServiceConfig, ValueSource, get_config


def _write_env_file(path: Path, **variables: str) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in variables.items()))
    return path


@pytest.fixture()
def _every_source(workdir: Path, secrets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AURORA_SERVICE__PORT set in every source, each with a different value."""
    (secrets_dir / "AURORA_SERVICE__PORT").write_text("8004\n")
    _write_env_file(workdir / ".env", AURORA_SERVICE__PORT="8003")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "8002")


@pytest.mark.usefixtures("_every_source")
def test_argument_beats_every_source() -> None:
    config = ServiceConfig.load("svc", service={"port": 8001})

    assert config.service.port == 8001
    assert config.origin_of(("service", "port")).source is ValueSource.OVERRIDE


@pytest.mark.usefixtures("_every_source")
def test_environment_beats_dotenv_and_secrets() -> None:
    config = ServiceConfig.load("svc")

    assert config.service.port == 8002
    assert config.origin_of(("service", "port")).source is ValueSource.ENV


@pytest.mark.usefixtures("_every_source")
def test_dotenv_beats_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURORA_SERVICE__PORT")

    config = ServiceConfig.load("svc")

    assert config.service.port == 8003
    assert config.origin_of(("service", "port")).source is ValueSource.DOTENV


@pytest.mark.usefixtures("_every_source")
def test_secrets_beat_defaults(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    monkeypatch.delenv("AURORA_SERVICE__PORT")
    (workdir / ".env").unlink()

    config = ServiceConfig.load("svc")

    assert config.service.port == 8004
    assert config.origin_of(("service", "port")).source is ValueSource.SECRETS


def test_defaults_apply_when_nothing_is_set() -> None:
    config = ServiceConfig.load("svc")

    assert config.service.port == 8000
    assert config.origin_of(("service", "port")).source is ValueSource.DEFAULT


def test_sources_merge_per_value_not_per_section(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_env_file(workdir / ".env", AURORA_DATABASE__POOL_SIZE="20")
    monkeypatch.setenv("AURORA_DATABASE__URL", "postgresql://app@db/app")

    config = ServiceConfig.load("svc", database__echo=True)

    assert config.database.url == "postgresql://app@db/app"
    assert config.database.pool_size == 20
    assert config.database.echo is True


def test_overrides_accept_sections_settings_and_instances() -> None:
    from aurora.config import RedisSettings

    redis = RedisSettings.model_validate({"url": "redis://cache:6379/1"})
    config = ServiceConfig.load("svc", service={"port": 9000}, database__pool_size=7, redis=redis)

    assert (config.service.port, config.database.pool_size) == (9000, 7)
    assert config.redis.url == "redis://cache:6379/1"


def test_service_name_comes_from_the_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SERVICE__NAME", "other")

    assert ServiceConfig.load("svc").service.name == "svc"


def test_env_variable_prefix_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("aurora_service__port", "8123")

    assert ServiceConfig.load("svc").service.port == 8123


def test_empty_values_count_as_unset(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_env_file(workdir / ".env", AURORA_SECURITY__JWT_SECRET="", AURORA_SERVICE__PORT="8100")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "")

    config = ServiceConfig.load("svc")

    assert config.security.jwt_secret is None
    assert config.service.port == 8100


class TestDotenvLookup:
    def test_reads_dotenv_in_the_current_directory(self, workdir: Path) -> None:
        _write_env_file(workdir / ".env", AURORA_SERVICE__VERSION="1.2.3")

        config = ServiceConfig.load("svc")

        assert config.service.version == "1.2.3"
        origin = config.origin_of(("service", "version"))
        assert origin.location == str(Path(".env"))

    def test_explicit_env_file_wins_over_cwd(self, workdir: Path, tmp_path: Path) -> None:
        _write_env_file(workdir / ".env", AURORA_SERVICE__VERSION="1.0.0")
        other = _write_env_file(tmp_path / "svc.env", AURORA_SERVICE__VERSION="2.0.0")

        assert ServiceConfig.load("svc", env_file=other).service.version == "2.0.0"

    def test_aurora_env_file_variable_selects_the_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = _write_env_file(tmp_path / "prod.env", AURORA_SERVICE__VERSION="3.0.0")
        monkeypatch.setenv("AURORA_ENV_FILE", str(path))

        assert ServiceConfig.load("svc").service.version == "3.0.0"

    @pytest.mark.parametrize("how", ["argument", "variable"])
    def test_a_named_env_file_must_exist(
        self, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        missing = tmp_path / "missing.env"
        if how == "variable":
            monkeypatch.setenv("AURORA_ENV_FILE", str(missing))

        with pytest.raises(ConfigError, match="does not exist"):
            ServiceConfig.load("svc", env_file=missing if how == "argument" else None)

    def test_dotenv_syntax_quotes_export_and_comments(self, workdir: Path) -> None:
        (workdir / ".env").write_text(
            "# a comment\n"
            "export AURORA_SERVICE__TITLE='Subject API'\n"
            'AURORA_SERVICE__DESCRIPTION="Subjects # and topics"\n'
            "AURORA_SERVICE__VERSION=1.0.0  # trailing comment\n"
            "UNRELATED=ignored\n"
        )

        service = ServiceConfig.load("svc").service

        assert (service.title, service.description, service.version) == (
            "Subject API",
            "Subjects # and topics",
            "1.0.0",
        )

    def test_meta_variables_may_live_in_the_dotenv_file(
        self, workdir: Path, tmp_path: Path
    ) -> None:
        secrets = tmp_path / "from-dotenv"
        secrets.mkdir()
        (secrets / "AURORA_DATABASE__PASSWORD").write_text("pw\n")
        _write_env_file(workdir / ".env", AURORA_SECRETS_DIR=str(secrets))

        config = ServiceConfig.load("svc")

        assert config.database.password is not None
        assert config.database.password.get_secret_value() == "pw"


class TestSecretsDirectory:
    def test_file_named_like_the_variable_holds_the_value(self, secrets_dir: Path) -> None:
        (secrets_dir / "AURORA_SECURITY__JWT_SECRET").write_text("k" * 40 + "\n")

        config = ServiceConfig.load("svc")

        assert config.security.jwt_secret is not None
        assert config.security.jwt_secret.get_secret_value() == "k" * 40
        origin = config.origin_of(("security", "jwt_secret"))
        assert origin.source is ValueSource.SECRETS
        assert origin.location == str(secrets_dir / "AURORA_SECURITY__JWT_SECRET")

    def test_multi_line_values_such_as_pem_keys(self, secrets_dir: Path) -> None:
        pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"
        (secrets_dir / "aurora_security__jwt_public_key").write_text(pem + "\n")

        assert ServiceConfig.load("svc").security.jwt_public_key == pem

    def test_other_files_and_directories_are_ignored(self, secrets_dir: Path) -> None:
        (secrets_dir / "postgres_password").write_text("not ours")
        (secrets_dir / "AURORA_NESTED").mkdir()

        assert ServiceConfig.load("svc").service.port == 8000

    def test_explicit_secrets_dir_argument(self, tmp_path: Path) -> None:
        directory = tmp_path / "run-secrets"
        directory.mkdir()
        (directory / "AURORA_REDIS__URL").write_text("redis://:pw@cache:6379/0")

        config = ServiceConfig.load("svc", secrets_dir=directory)

        assert config.redis.url == "redis://:pw@cache:6379/0"

    def test_a_named_secrets_dir_must_exist(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="secrets_dir argument"):
            ServiceConfig.load("svc", secrets_dir=tmp_path / "nope")


def test_get_config_is_cached_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_config("svc")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "8200")

    assert get_config("svc") is first
    assert get_config("other").service.port == 8200


def test_cache_clear_and_reset_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    from aurora.config import reset_config_cache

    first = get_config("svc")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "8200")
    get_config.cache_clear()
    second = get_config("svc")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "8300")
    reset_config_cache()

    assert (first.service.port, second.service.port) == (8000, 8200)
    assert get_config("svc").service.port == 8300


def test_calls_with_overrides_are_not_cached() -> None:
    cached = get_config("svc")

    overridden = get_config("svc", service__port=8400)

    assert overridden.service.port == 8400
    assert get_config("svc") is cached


def test_calls_with_different_options_are_cached_apart(tmp_path: Path) -> None:
    env_file = _write_env_file(tmp_path / "a.env", AURORA_SERVICE__PORT="8500")

    assert get_config("svc", env_file=env_file).service.port == 8500
    assert get_config("svc").service.port == 8000
    assert get_config("svc", env_file=str(env_file)) is get_config("svc", env_file=env_file)
