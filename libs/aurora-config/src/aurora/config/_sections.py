"""The base of every settings section, and the two sections that are aurora-config's own.

A section is an :class:`AuroraSettings` subclass with its own prefix; the lib that
uses it owns it (aurora-db's ``DatabaseSettings``...). Used alone, ``RedisSettings()``
reads ``AURORA_REDIS__*`` from the same sources, in the same order, as ``get_config``
(environment, ``.env``, secrets directory). Composed into a
:class:`~aurora.config.ServiceConfig`, a section is only validated: the loader has
read every source once already, so overrides and provenance stay intact. The hooks
(``service_defaults``, ``problems_for``, ``variable_keys``, ``described_settings``,
``example_header``) let a section say what the generic loader cannot know.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from aurora.config._errors import ConfigError, ConfigProblem, validation_problems
from aurora.config._keys import Key
from aurora.config._sources import merge, read_sources

__all__ = [
    "AuroraSettings",
    "CommaList",
    "RedisSettings",
    "ServiceSettings",
    "field_at",
    "is_secret",
    "leaf_keys",
    "mask_url_password",
    "model_settings",
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

    @classmethod
    def service_defaults(cls, service: ServiceSettings) -> dict[str, Any]:
        """Defaults that depend on who the service is (``database.sqlite_path``); none here.

        Composed into a config, a section gets these unless a source set the field.
        """
        return {}

    def problems_for(self, service: ServiceSettings) -> list[ConfigProblem]:
        """What makes these settings unfit for ``service`` (its environment), per variable.

        The config refuses to load with any (``ServiceConfig.check_sections``).
        """
        return []

    @classmethod
    def variable_keys(cls, near: Key = ()) -> Iterator[Key]:
        """Keys inside this section a variable may name (for typo suggestions)."""
        yield from leaf_keys(cls)

    def described_settings(self) -> Iterator[tuple[Key, Any, FieldInfo]]:
        """Every setting of this section: key inside it, value and field (for describe_config)."""
        yield from model_settings(self)

    @classmethod
    def example_header(cls) -> list[str]:
        """Extra comment lines for this section in ``.env.example``; none here."""
        return []

    def __repr_args__(self) -> Any:
        # URLs may embed passwords; keep them out of reprs and tracebacks.
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if isinstance(value, str) else value


def leaf_keys(model: type[BaseModel], prefix: Key = ()) -> Iterator[Key]:
    """Every settable key of a model, nested models (and sections) expanded."""
    for name, field in model.model_fields.items():
        nested = nested_model(field)
        if nested is None:
            yield (*prefix, name)
        elif issubclass(nested, AuroraSettings):
            yield from ((*prefix, name, *key) for key in nested.variable_keys())
        else:
            yield from leaf_keys(nested, (*prefix, name))


def model_settings(model: BaseModel, prefix: Key = ()) -> Iterator[tuple[Key, Any, FieldInfo]]:
    """Every leaf of ``model``: its key, value and field; sections describe themselves."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, AuroraSettings):
            for key, leaf, leaf_field in value.described_settings():
                yield (*prefix, name, *key), leaf, leaf_field
        elif isinstance(value, BaseModel):
            yield from model_settings(value, (*prefix, name))
        else:
            yield (*prefix, name), value, field


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
