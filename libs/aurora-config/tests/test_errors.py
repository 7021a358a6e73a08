"""Errors name the variable and its source, never the value; unknown variables are reported."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from aurora.app import SecuritySettings
from aurora.config import (
    ConfigError,
    ServiceConfig,
    ServiceSettings,
    UnknownVariableWarning,
    get_config,
)


def test_invalid_value_names_the_variable_and_its_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AURORA_SERVICE__PORT", "eighty")

    with pytest.raises(ConfigError) as caught:
        get_config("subject-service")

    message = str(caught.value)
    assert message.splitlines() == [
        "Invalid configuration for 'subject-service':",
        "  - AURORA_SERVICE__PORT (environment): Input should be a valid integer,"
        " unable to parse string as an integer",
    ]
    assert "eighty" not in message
    problem = caught.value.problems[0]
    assert (problem.variable, problem.pointer) == ("AURORA_SERVICE__PORT", "#/service/port")


def test_every_invalid_value_is_reported_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "svc.env"
    env_file.write_text("AURORA_REDIS__URL=http://not-redis\n")
    monkeypatch.setenv("AURORA_SERVICE__PORT", "70000")
    monkeypatch.setenv("AURORA_LOGGING__LEVEL", "LOUD")

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("svc", env_file=env_file)

    variables = [problem.variable for problem in caught.value.problems]
    assert variables == ["AURORA_SERVICE__PORT", "AURORA_REDIS__URL", "AURORA_LOGGING__LEVEL"]
    assert f"AURORA_REDIS__URL (.env file {env_file})" in str(caught.value)


def test_a_secret_value_is_never_echoed(secrets_dir: Path, secret: str) -> None:
    """A too-short HS512 secret is invalid; the error must not show it anywhere."""
    (secrets_dir / "AURORA_SECURITY__JWT_SECRET").write_text(secret)
    (secrets_dir / "AURORA_SECURITY__JWT_ALGORITHM").write_text("HS512")

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("svc")

    error = caught.value
    assert "AURORA_SECURITY__JWT_SECRET" in str(error)
    assert "must be at least 64 bytes for HS512" in str(error)
    for text in (str(error), repr(error), repr(error.errors), repr(error.problems)):
        assert secret not in text
    assert error.__cause__ is None
    assert error.__context__ is None  # pydantic's error holds the input: not even chained


def test_a_database_url_password_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("AURORA_DATABASE__URL", f"postgresql://app:{secret}@db/app")
    monkeypatch.setenv("AURORA_DATABASE__POOL_SIZE", "0")

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("svc")

    assert "AURORA_DATABASE__POOL_SIZE" in str(caught.value)
    assert secret not in str(caught.value)


def test_secrets_never_appear_in_reprs(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("AURORA_SECURITY__JWT_SECRET", secret)
    monkeypatch.setenv("AURORA_DATABASE__URL", f"postgresql://app:{secret}@db/app")
    monkeypatch.setenv("AURORA_REDIS__URL", f"redis://:{secret}@cache:6379/0")

    config = ServiceConfig.load("svc")

    assert config.security.jwt_secret is not None
    assert config.security.jwt_secret.get_secret_value() == secret
    assert secret in config.database.connection_string
    for text in (repr(config), str(config), repr(config.database), str(config.redis)):
        assert secret not in text
    assert "postgresql://app:***@db/app" in repr(config.database)


def test_a_list_item_error_names_the_list_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SECURITY__CORS_ORIGINS", '["https://a", 5]')

    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("svc")

    assert "AURORA_SECURITY__CORS_ORIGINS (environment): item 1:" in str(caught.value)


def test_an_invalid_service_name_is_reported_without_noise() -> None:
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("no spaces please")

    assert [problem.variable for problem in caught.value.problems] == ["AURORA_SERVICE__NAME"]
    assert caught.value.problems[0].origin == "argument"


def test_a_section_used_alone_raises_the_same_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SECURITY__JWT_SECRET", "short")

    with pytest.raises(ConfigError) as caught:
        SecuritySettings()

    assert "AURORA_SECURITY__JWT_SECRET: must be at least 32 bytes for HS256" in str(caught.value)
    assert "short" not in str(caught.value)
    assert caught.value.__context__ is None


def test_a_required_field_missing_from_a_section_used_alone() -> None:
    with pytest.raises(ConfigError, match="AURORA_SERVICE__NAME: Field required"):
        ServiceSettings()


class TestUnknownVariables:
    def test_a_typo_warns_with_a_suggestion(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AURORA_DATABASE__URLL", "sqlite://")

        with pytest.warns(UnknownVariableWarning) as caught:
            config = ServiceConfig.load("svc")

        message = str(caught[0].message)
        assert "AURORA_DATABASE__URLL (environment): matches no setting;" in message
        assert "did you mean AURORA_DATABASE__URL?" in message
        assert "AURORA_CONFIG_STRICT=1" in message
        assert config.database.url is None

    @pytest.mark.parametrize("how", ["argument", "variable"])
    def test_strict_mode_refuses_to_start(self, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AURORA_SERVCE__PORT", "8001")
        if how == "variable":
            monkeypatch.setenv("AURORA_CONFIG_STRICT", "1")

        with pytest.raises(ConfigError) as caught:
            get_config("svc", strict=True if how == "argument" else None)

        assert "(strict mode)" in str(caught.value)
        assert "did you mean AURORA_SERVICE__PORT?" in str(caught.value)
        assert "8001" not in str(caught.value)

    def test_strict_false_overrides_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AURORA_CONFIG_STRICT", "true")
        monkeypatch.setenv("AURORA_LOGGING__LEVL", "DEBUG")

        with pytest.warns(UnknownVariableWarning):
            ServiceConfig.load("svc", strict=False)

    @pytest.mark.parametrize(
        "name",
        ["AURORA_DATABASE_URL", "AURORA_DATABSE__URL", "AURORA_SECURITY__CORS_ORIGIN"],
    )
    def test_near_misses_are_reported(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(name, "x")

        with pytest.raises(ConfigError, match=name):
            ServiceConfig.load("svc", strict=True)

    def test_typos_in_dotenv_and_secrets_are_reported_with_their_file(
        self, workdir: Path, secrets_dir: Path
    ) -> None:
        (workdir / ".env").write_text("AURORA_REDIS__URI=redis://x\n")
        (secrets_dir / "AURORA_SECURITY__JWT_SECRETS").write_text("x")

        with pytest.raises(ConfigError) as caught:
            ServiceConfig.load("svc", strict=True)

        origins = [problem.origin for problem in caught.value.problems]
        assert origins == [
            ".env file .env",
            f"secrets file {secrets_dir / 'AURORA_SECURITY__JWT_SECRETS'}",
        ]

    @pytest.mark.parametrize(
        "name",
        [
            "AURORA_GATEWAY_SIDECAR__MODE",
            "AURORA_TEST_POSTGRES_URL",
            "AURORA_ENV_FILE",
        ],
    )
    def test_prefixes_no_section_claims_are_not_this_configs_to_judge(
        self, name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        value = str(tmp_path) if name == "AURORA_ENV_FILE" else "x"
        monkeypatch.setenv(name, value)

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ServiceConfig.load("svc", strict=True)

    @pytest.mark.parametrize(
        ("name", "suggestion"),
        [
            ("AURORA_APP__GZIPP", "AURORA_APP__GZIP"),
            ("AURORA_EVENTS__STREAM", "AURORA_EVENTS__STREAM_PREFIX"),
            ("AURORA_DATABASE__POOL_PREPING", "AURORA_DATABASE__POOL_PRE_PING"),
        ],
    )
    def test_typos_in_every_libs_section_are_reported(
        self, name: str, suggestion: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The app's and events' sections are composed in, so their typos are caught too."""
        monkeypatch.setenv(name, "x")

        with pytest.warns(UnknownVariableWarning, match=f"did you mean {suggestion}\\?"):
            ServiceConfig.load("svc")

    def test_unknown_arguments_always_fail(self) -> None:
        with pytest.raises(ConfigError, match="database__urll"):
            ServiceConfig.load("svc", database__urll="sqlite://")

    def test_get_config_warns_once_then_serves_the_cache(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AURORA_REDIS__URLL", "redis://x")

        with pytest.warns(UnknownVariableWarning):
            first = get_config("svc")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert get_config("svc") is first
