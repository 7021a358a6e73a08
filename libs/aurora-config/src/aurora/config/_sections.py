"""The per-concern settings sections a service config is composed of.

Each section is its own pydantic-settings class with its own prefix, usable alone:
``LoggingSettings()`` reads ``AURORA_LOGGING__*`` from the same sources, in the same
order, as ``get_config`` (environment, ``.env``, secrets directory). Composed into a
:class:`~aurora.config.ServiceConfig`, a section is only validated: the loader has
read every source once already, so overrides and provenance stay intact.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from aurora.config._errors import ConfigError, validation_problems
from aurora.config._keys import Key
from aurora.config._sources import merge, read_sources

__all__ = [
    "AuroraSettings",
    "CommaList",
    "LoggingSettings",
    "RedisSettings",
    "SecuritySettings",
    "ServiceSettings",
    "field_at",
    "is_secret",
    "mask_url_password",
    "nested_model",
    "split_list",
]

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*(?=@)")


def mask_url_password(value: str) -> str:
    """``postgresql://app:hunter2@db/app`` -> ``postgresql://app:***@db/app``."""
    return _URL_PASSWORD.sub(r"\g<head>***", value)


def split_list(value: object) -> object:
    """Accept ``a,b`` as well as ``["a", "b"]`` for list settings: people write both."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError("is neither a JSON list nor comma-separated values") from exc
    return [item.strip() for item in text.split(",") if item.strip()]


def is_secret(field: FieldInfo) -> bool:
    """Whether a field holds a secret (``SecretStr`` or ``SecretStr | None``)."""
    return SecretStr in (field.annotation, *get_args(field.annotation))


CommaList = Annotated[list[str], BeforeValidator(split_list)]
"""A ``list[str]`` setting that also accepts comma-separated text."""


def nested_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model class a field holds (``X`` or ``X | None``), if any."""
    candidates = (field.annotation, *get_args(field.annotation))
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def field_at(model: type[BaseModel], key: Key) -> FieldInfo | None:
    """The leaf field ``key`` names inside ``model``, following nested models.

    A key that stops at a nested model is not a leaf: it names no single variable.
    """
    if not key or (field := model.model_fields.get(key[0])) is None:
        return None
    nested = nested_model(field)
    if nested is None:
        return field if len(key) == 1 else None
    if issubclass(nested, AuroraSettings):
        return nested.field_for(key[1:])
    return field_at(nested, key[1:])


class AuroraSettings(BaseSettings):
    """Base of every section: frozen, documented, and fed by Aurora's sources.

    A section's ``env_prefix`` is ``AURORA_<SECTION>__``; its fields' attribute
    docstrings become the descriptions in ``.env.example``.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        use_attribute_docstrings=True,
        env_nested_delimiter="__",
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = validation_problems(exc, prefix=(self.section_name(),))
        else:
            return
        # Outside the except block: pydantic's error holds the input values.
        raise ConfigError(f"Invalid {type(self).__name__}:", problems)

    # Declare this __init__ pydantic's own, as BaseModel.__init__ is: pydantic then
    # validates a nested section without calling it, so a section composed into
    # ServiceConfig does not read the sources a second time behind the loader's back.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _AuroraSource(settings_cls))

    @classmethod
    def section_name(cls) -> str:
        """``database`` for ``AURORA_DATABASE__``: the section's key in ``ServiceConfig``."""
        prefix = str(cls.model_config.get("env_prefix", ""))
        return prefix.removeprefix("AURORA_").removesuffix("__").lower()

    @classmethod
    def field_for(cls, key: Key) -> FieldInfo | None:
        """The field a key inside this section names (``("url",)``), or ``None``."""
        return field_at(cls, key)

    def __repr_args__(self) -> Any:
        # URLs may embed passwords; keep them out of reprs and tracebacks.
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if isinstance(value, str) else value


class _AuroraSource(PydanticBaseSettingsSource):
    """Feeds a section used alone from the sources ``get_config`` reads, in its order.

    Variables that match no field are ignored here, as pydantic-settings does;
    ``get_config`` is where they are reported.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the whole section at once

    def __call__(self) -> dict[str, Any]:
        section = self.settings_cls
        assert issubclass(section, AuroraSettings)
        name = section.section_name()
        layers = read_sources(environ=os.environ).layers
        values, _ = merge(
            layer.without(key for key in layer.values if not self._owns(name, key))
            for layer in layers
        )
        section_values: dict[str, Any] = values.get(name, {})
        return section_values

    def _owns(self, name: str, key: Key) -> bool:
        section = self.settings_cls
        assert issubclass(section, AuroraSettings)
        return key[0] == name and section.field_for(key[1:]) is not None


Environment = Literal["development", "test", "staging", "production"]
_ENVIRONMENT_ALIASES = {
    "dev": "development",
    "testing": "test",
    "stage": "staging",
    "prod": "production",
}


class ServiceSettings(AuroraSettings):
    """Who the service is and where it listens: ``AURORA_SERVICE__*``."""

    model_config = SettingsConfigDict(env_prefix="AURORA_SERVICE__")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=63)
    """Service name, kebab-case by convention; get_config's argument sets it."""
    title: str = Field(default_factory=lambda data: _title(data.get("name", "")))
    """Human-readable name for API docs; derived from the name by default."""
    description: str = ""
    """One-line description for API docs."""
    version: str = "0.1.0"
    """Version reported by /info and API docs."""
    environment: Environment = "development"
    """Deployment environment: development, test, staging or production."""
    host: str = "127.0.0.1"
    """Interface the HTTP server binds; 0.0.0.0 inside containers."""
    port: int = Field(default=8000, ge=1, le=65535)
    """TCP port the HTTP server binds."""
    data_dir: Path = Field(default_factory=lambda data: Path("data") / data.get("name", "service"))
    """Directory for the service's own files (the default SQLite database lives here)."""

    @field_validator("environment", mode="before")
    @classmethod
    def _normalize_environment(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            return _ENVIRONMENT_ALIASES.get(value, value)
        return value

    @property
    def is_production(self) -> bool:
        """True in production, where unsafe development conveniences must be off."""
        return self.environment == "production"


def _title(name: str) -> str:
    return " ".join(word.capitalize() for word in re.split(r"[-_.]+", name) if word)


class RedisSettings(AuroraSettings):
    """Where Redis is: ``AURORA_REDIS__*``."""

    model_config = SettingsConfigDict(env_prefix="AURORA_REDIS__")

    url: str = "redis://127.0.0.1:6379/0"
    """Redis URL (redis://, rediss:// or unix://); may embed a password."""
    socket_timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for a reply before giving up."""
    connect_timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for a connection."""

    @field_validator("url")
    @classmethod
    def _check_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value


JwtAlgorithm = Literal[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "ES256",
    "ES384",
    "ES512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
]


class SecuritySettings(AuroraSettings):
    """Token verification, identity provider, outbound credentials and CORS: ``AURORA_SECURITY__*``.

    Keys come from the environment (``jwt_secret``/``jwt_public_key``), from a JWKS
    URL, or from an OpenID Connect issuer's discovery document; at most one of the
    two remote sources. With a remote source an audience is required: an identity
    provider signs tokens for every service it knows, and without an audience check
    a token meant for one of them would be accepted by all.
    """

    model_config = SettingsConfigDict(env_prefix="AURORA_SECURITY__")

    jwt_algorithm: JwtAlgorithm = "HS256"
    """JWT signing algorithm; HS* use jwt_secret, the others the key pair."""
    jwt_secret: SecretStr | None = None
    """Shared secret for HS* algorithms, at least as long as the hash (32 bytes for HS256)."""
    jwt_public_key: str | None = None
    """PEM public key that verifies RS/ES/PS/EdDSA tokens."""
    jwt_private_key: SecretStr | None = None
    """PEM private key, only for the service that issues tokens."""
    jwks_url: str | None = Field(default=None, validate_default=True)
    """URL of the identity provider's JWKS (signing keys, chosen by kid)."""
    oidc_issuer_url: str | None = Field(default=None, validate_default=True)
    """OpenID Connect issuer; its /.well-known/openid-configuration names the JWKS and the iss."""
    jwt_issuer: str | None = None
    """Expected iss claim; the discovered issuer with oidc_issuer_url; unchecked when empty."""
    jwt_audience: str | None = Field(default=None, validate_default=True)
    """Expected aud claim (required with an identity provider); when empty, tokens with an aud are refused."""
    jwt_algorithms: CommaList = Field(default_factory=list, validate_default=True)
    """Accepted algorithms; by default RS256..EdDSA with an identity provider, else jwt_algorithm."""
    jwt_required_claims: CommaList = Field(default_factory=lambda: ["exp"])
    """Claims every token must carry besides sub, comma-separated."""
    jwt_roles_claim: str = "roles"
    """Claim holding the roles, dotted for nested ones: realm_access.roles (Keycloak), roles (Entra)."""
    jwt_leeway: int = Field(default=30, ge=0)
    """Seconds of clock skew tolerated on exp/nbf/iat."""
    jwks_cache_ttl: float = Field(default=300.0, gt=0)
    """Seconds keys stay fresh when the JWKS response has no Cache-Control max-age."""
    jwks_refetch_interval: float = Field(default=30.0, gt=0)
    """Minimum seconds between JWKS fetches (an unknown kid triggers at most one per interval)."""
    jwks_max_stale: float = Field(default=3600.0, ge=0)
    """Seconds cached keys keep verifying past their freshness while the provider is unreachable."""
    jwks_fetch_timeout: float = Field(default=5.0, gt=0)
    """Seconds allowed for one fetch of the JWKS or the discovery document."""
    oauth_token_url: str | None = Field(default=None, validate_default=True)
    """OAuth 2 token endpoint this service gets its own tokens from (client credentials)."""
    oauth_client_id: str | None = Field(default=None, validate_default=True)
    """This service's client id at the token endpoint."""
    oauth_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    """This service's client secret at the token endpoint."""
    oauth_scope: str | None = None
    """Scopes requested with client credentials, space-separated."""
    access_token_ttl: int = Field(default=900, gt=0)
    """Lifetime of issued access tokens, in seconds."""
    refresh_token_ttl: int = Field(default=604_800, gt=0)
    """Lifetime of issued refresh tokens, in seconds."""
    cors_origins: CommaList = Field(default_factory=list)
    """Origins allowed by CORS, comma-separated or a JSON list; empty disables CORS."""
    cors_allow_credentials: bool = False
    """Whether CORS responses allow cookies and Authorization headers."""

    _HMAC_MIN_BYTES: ClassVar[dict[str, int]] = {"HS256": 32, "HS384": 48, "HS512": 64}

    @property
    def identity_provider(self) -> str | None:
        """The remote key source (JWKS or issuer URL), if one is configured."""
        return self.jwks_url or self.oidc_issuer_url

    @field_validator("jwt_secret")
    @classmethod
    def _check_secret_length(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        # RFC 7518 3.2: an HMAC key shorter than the hash weakens it; PyJWT warns too.
        minimum = cls._HMAC_MIN_BYTES.get(info.data.get("jwt_algorithm", ""), 0)
        if value is not None and len(value.get_secret_value().encode()) < minimum:
            raise ValueError(f"must be at least {minimum} bytes for {info.data['jwt_algorithm']}")
        return value

    @field_validator("jwks_url", "oidc_issuer_url", "oauth_token_url")
    @classmethod
    def _check_remote_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        _check_https(value)
        if info.field_name == "oidc_issuer_url" and info.data.get("jwks_url"):
            raise ValueError("set either this or AURORA_SECURITY__JWKS_URL, not both")
        return value

    @field_validator("jwt_audience")
    @classmethod
    def _audience_with_provider(cls, value: str | None, info: ValidationInfo) -> str | None:
        provider = info.data.get("jwks_url") or info.data.get("oidc_issuer_url")
        if provider and not value:
            raise ValueError(
                "is required with an identity provider (tokens are issued for many services)"
            )
        return value or None

    @field_validator("jwt_algorithms")
    @classmethod
    def _check_algorithms(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = get_args(JwtAlgorithm)
        for algorithm in value:
            if algorithm not in known:
                raise ValueError(f"{algorithm!r} is not one of {', '.join(known)}")
        remote = info.data.get("jwks_url") or info.data.get("oidc_issuer_url")
        if remote and any(algorithm.startswith("HS") for algorithm in value):
            raise ValueError("HS* algorithms cannot verify keys published by an identity provider")
        return value

    @field_validator("oauth_client_id", "oauth_client_secret")
    @classmethod
    def _credentials_complete(cls, value: Any, info: ValidationInfo) -> Any:
        if info.data.get("oauth_token_url") and not value:
            raise ValueError("is required with AURORA_SECURITY__OAUTH_TOKEN_URL")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _strip_trailing_slash(cls, value: list[str]) -> list[str]:
        # Browsers send Origin without a trailing slash; a configured one would never match.
        return [origin.rstrip("/") for origin in value]


def _check_https(value: str) -> None:
    # Keys and tokens fetched over plain HTTP can be swapped on the way; loopback is
    # the only network where that is not a concern (local IdPs, tests).
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.netloc or not (parts.scheme == "https" or loopback):
        raise ValueError("must be an absolute https:// URL (http:// only on loopback)")


class LoggingSettings(AuroraSettings):
    """How the service logs: ``AURORA_LOGGING__*``."""

    model_config = SettingsConfigDict(env_prefix="AURORA_LOGGING__")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Minimum level: DEBUG, INFO, WARNING, ERROR or CRITICAL."""
    format: Literal["json", "console"] = "json"
    """json (one JSON object per line) or console (readable); console in development by default."""

    @field_validator("level", "format", mode="before")
    @classmethod
    def _normalize_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        if info.field_name == "format":
            return value.strip().lower()
        level = value.strip().upper()
        return "WARNING" if level == "WARN" else level
