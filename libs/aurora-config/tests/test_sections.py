"""Each section works alone, and composes into ServiceConfig (or a service's subclass)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from aurora.app import SecuritySettings
from aurora.config import (
    AuroraSettings,
    ConfigError,
    RedisSettings,
    ServiceConfig,
    ServiceSettings,
    UnknownVariableWarning,
    ValueSource,
    describe_config,
    generate_env_example,
)
from aurora.logging import LoggingSettings


def test_sections_used_alone_read_env_dotenv_and_secrets(
    workdir: Path, secrets_dir: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    (secrets_dir / "AURORA_SECURITY__JWT_SECRET").write_text(secret)
    (workdir / ".env").write_text("AURORA_LOGGING__LEVEL=ERROR\nAURORA_REDIS__URL=redis://a\n")
    monkeypatch.setenv("AURORA_REDIS__URL", "redis://b")

    assert LoggingSettings().level == "ERROR"
    assert RedisSettings().url == "redis://b"
    jwt_secret = SecuritySettings().jwt_secret
    assert jwt_secret is not None
    assert jwt_secret.get_secret_value() == secret
    assert ServiceSettings(name="svc").port == 8000


def test_a_section_used_alone_prefers_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_LOGGING__LEVEL", "ERROR")

    assert LoggingSettings(level="DEBUG").level == "DEBUG"


def test_nested_sections_do_not_reread_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An argument must survive validation: the section must not read env behind it."""
    monkeypatch.setenv("AURORA_REDIS__URL", "redis://from-env")

    config = ServiceConfig.load("svc", redis__url="redis://from-argument")

    assert config.redis.url == "redis://from-argument"


def test_sections_are_frozen() -> None:
    redis = RedisSettings.model_validate({})

    with pytest.raises(ValueError, match="frozen"):
        redis.url = "redis://x"  # type: ignore[misc]


@pytest.mark.parametrize(("algorithm", "length"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_hmac_secrets_must_be_as_long_as_the_hash(algorithm: str, length: int) -> None:
    ok = SecuritySettings.model_validate({"jwt_algorithm": algorithm, "jwt_secret": "k" * length})
    assert ok.jwt_secret is not None

    with pytest.raises(ValueError, match=f"at least {length} bytes"):
        SecuritySettings.model_validate(
            {"jwt_algorithm": algorithm, "jwt_secret": "k" * (length - 1)}
        )


def test_asymmetric_algorithms_take_any_secret_length() -> None:
    settings = SecuritySettings.model_validate({"jwt_algorithm": "RS256", "jwt_secret": "short"})

    assert settings.jwt_algorithm == "RS256"


@pytest.mark.parametrize(("raw", "expected"), [("dev", "development"), ("Staging", "staging")])
def test_environment_aliases(raw: str, expected: str) -> None:
    service = ServiceSettings.model_validate({"name": "svc", "environment": raw})

    assert service.environment == expected
    assert not service.is_production


# A service that composes another library's settings: a subclass with one more section.
class RateLimit(BaseModel):
    enabled: bool = False
    limit: int = 100


class GatewaySettings(AuroraSettings):
    """Gateway-specific knobs."""

    model_config = SettingsConfigDict(env_prefix="AURORA_GATEWAY__")

    upstreams: list[str] = Field(default_factory=list)
    """Upstream names."""
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    """Quota."""


class ForeignSettings(BaseSettings):
    """A settings class from another library, unaware of Aurora's sources."""

    model_config = SettingsConfigDict(env_prefix="AURORA_APP__", frozen=True)

    headers: tuple[str, ...] = ()


class GatewayConfig(ServiceConfig):
    gateway: GatewaySettings = Field(default_factory=lambda: GatewaySettings.model_validate({}))
    app: ForeignSettings = Field(default_factory=ForeignSettings)


def test_a_subclass_composes_extra_sections(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / ".env").write_text("AURORA_APP__HEADERS=X-A,X-B\n")
    monkeypatch.setenv("AURORA_GATEWAY__UPSTREAMS", "a,b")
    monkeypatch.setenv("AURORA_GATEWAY__RATE_LIMIT__ENABLED", "true")

    config = GatewayConfig.load("gateway")

    assert isinstance(config, GatewayConfig)
    assert config.gateway.upstreams == ["a", "b"]
    assert config.gateway.rate_limit == RateLimit(enabled=True)
    assert config.app.headers == ("X-A", "X-B")
    entries = {entry.variable: entry for entry in describe_config(config)}
    assert entries["AURORA_GATEWAY__RATE_LIMIT__ENABLED"].source is ValueSource.ENV
    assert entries["AURORA_APP__HEADERS"].source is ValueSource.DOTENV


class EventsLikeSettings(AuroraSettings):
    model_config = SettingsConfigDict(env_prefix="AURORA_EVENTSLIKE__")

    batch_size: int = 100


class ConfigWithRequiredSection(ServiceConfig):
    eventslike: EventsLikeSettings


def test_a_subclass_section_without_default_is_built_from_its_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ConfigWithRequiredSection.load("svc").eventslike.batch_size == 100
    monkeypatch.setenv("AURORA_EVENTSLIKE__BATCH_SIZE", "5")
    assert ConfigWithRequiredSection.load("svc").eventslike.batch_size == 5


def test_a_subclass_env_example_lists_its_sections() -> None:
    text = generate_env_example("gateway", config_class=GatewayConfig, gateway__upstreams=["a"])

    assert "# ----- gateway: Gateway-specific knobs.\n" in text
    assert "\nAURORA_GATEWAY__UPSTREAMS=a\n" in text
    assert "\n# AURORA_GATEWAY__RATE_LIMIT__LIMIT=100\n" in text
    assert "\n# AURORA_APP__HEADERS=\n" in text


def test_a_subclass_reports_typos_in_its_extra_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_GATEWAY__RATE_LIMIT__ENABLD", "true")
    monkeypatch.setenv("AURORA_APP__HEADERZ", "x")

    with pytest.warns(UnknownVariableWarning) as caught:
        GatewayConfig.load("gateway")

    message = str(caught[0].message)
    assert "did you mean AURORA_GATEWAY__RATE_LIMIT__ENABLED?" in message
    assert "did you mean AURORA_APP__HEADERS?" in message


def test_a_subclass_section_error_names_the_nested_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AURORA_GATEWAY__RATE_LIMIT__LIMIT", "many")

    with pytest.raises(ConfigError, match="AURORA_GATEWAY__RATE_LIMIT__LIMIT .environment."):
        GatewayConfig.load("gateway")


def test_a_subclass_section_takes_arguments() -> None:
    assert GatewayConfig.load("gateway", gateway__upstreams=["x"]).gateway.upstreams == ["x"]
    assert GatewayConfig.load("orders", gateway__upstreams=["y"]).gateway.upstreams == ["y"]
