"""Where configuration values come from, and which source won each one.

Every source becomes a :class:`Layer`: a flat mapping from a *key* (the setting's
path, ``("database", "url")``) to a raw value, plus where each value was found.
Layers merge leaf by leaf, highest priority first, so that ``describe_config`` can
say which source set every value::

    overrides > environment > .env file > secrets directory > registry file > defaults

Variables map to keys as ``_keys`` says. Empty values count as unset, so a copied
``.env.example`` with blank secrets is valid.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_settings import DotEnvSettingsSource

from aurora.config._errors import ConfigError, ConfigProblem
from aurora.config._keys import (
    DELIMITER,
    ENV_FILE_VARIABLE,
    PREFIX,
    REGISTRY_VARIABLE,
    SECRETS_DIR_VARIABLE,
    STRICT_VARIABLE,
    Key,
    key_for_variable,
    normalize_key,
    service_key,
    variable_for_key,
)

__all__ = [
    "Layer",
    "Origin",
    "Sources",
    "ValueSource",
    "merge",
    "overrides_layer",
    "read_sources",
]

_DEFAULT_SECRETS_DIR = Path("/run/secrets")
_REGISTRY_FILE = "services.yml"
_REPO_MARKERS = ("pants.toml", ".git")
_TRUTHY = frozenset({"1", "true", "yes", "on"})


class ValueSource(StrEnum):
    """Which source set a value, from lowest to highest priority."""

    DEFAULT = "default"
    REGISTRY = "registry"
    SECRETS = "secrets"
    DOTENV = "dotenv"
    ENV = "env"
    OVERRIDE = "override"


_LABELS = {
    ValueSource.DEFAULT: "default",
    ValueSource.REGISTRY: "registry file",
    ValueSource.SECRETS: "secrets file",
    ValueSource.DOTENV: ".env file",
    ValueSource.ENV: "environment",
    ValueSource.OVERRIDE: "argument",
}


@dataclass(frozen=True)
class Origin:
    """A source and, for files, which file: what an operator needs to fix a value."""

    source: ValueSource
    location: str | None = None

    def __str__(self) -> str:
        label = _LABELS[self.source]
        return f"{label} {self.location}" if self.location else label


@dataclass
class Layer:
    """The values one source provides, keyed by setting path."""

    source: ValueSource
    values: dict[Key, Any] = field(default_factory=dict)
    variables: dict[Key, str] = field(default_factory=dict)
    locations: dict[Key, str] = field(default_factory=dict)

    def add(
        self, key: Key, value: Any, *, variable: str | None = None, location: str | None = None
    ) -> None:
        self.values[key] = value
        self.variables[key] = variable or variable_for_key(key)
        if location is not None:
            self.locations[key] = location

    def add_variables(self, items: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Add ``(name, value, location)`` triples, skipping non-settings and empty values."""
        for name, value, location in items:
            key = key_for_variable(name)
            if key is not None and value:
                self.add(key, value, variable=name, location=location)

    def origin(self, key: Key) -> Origin:
        return Origin(self.source, self.locations.get(key))

    def without(self, keys: Iterable[Key]) -> Layer:
        """This layer minus ``keys`` (unknown variables must not reach validation)."""
        dropped = set(keys)
        kept = Layer(self.source)
        for key, value in self.values.items():
            if key not in dropped:
                kept.add(key, value, variable=self.variables[key], location=self.locations.get(key))
        return kept


def overrides_layer(overrides: Mapping[str, Any]) -> Layer:
    """Explicit arguments: ``database={"url": ...}``, ``database__url=...`` or a section instance."""
    layer = Layer(ValueSource.OVERRIDE)
    for name, value in overrides.items():
        for key, leaf in _flatten(tuple(name.lower().split(DELIMITER)), value):
            layer.add(normalize_key(key), leaf)
    return layer


def _flatten(key: Key, value: Any) -> Iterator[tuple[Key, Any]]:
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_unset=True)
    if isinstance(value, Mapping):
        for name, item in value.items():
            yield from _flatten((*key, str(name)), item)
    else:
        yield key, value


def merge(layers: Iterable[Layer]) -> tuple[dict[str, Any], dict[Key, Origin]]:
    """Merge layers given highest priority first: the first layer holding a key wins it.

    Returns the nested values ready for validation and the origin of every value.
    """
    values: dict[Key, Any] = {}
    origins: dict[Key, Origin] = {}
    for layer in layers:
        for key, value in layer.values.items():
            if key not in values:
                values[key] = value
                origins[key] = layer.origin(key)
    tree: dict[str, Any] = {}
    for key, value in values.items():
        node = tree
        for part in key[:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = value
    return tree, origins


@dataclass
class Sources:
    """Every layer read for one load, highest priority first, and the strict switch."""

    layers: list[Layer]
    strict: bool


def read_sources(
    *,
    environ: Mapping[str, str],
    env_file: str | os.PathLike[str] | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
    registry: str | os.PathLike[str] | None = None,
    service_name: str | None = None,
) -> Sources:
    """Read the environment, ``.env`` file, secrets directory and registry file.

    Locations, each first match wins:

    - ``.env``: ``env_file``, ``$AURORA_ENV_FILE``, ``./.env`` when it exists.
    - secrets: ``secrets_dir``, ``$AURORA_SECRETS_DIR``, ``/run/secrets`` when it exists.
      Each file named like a variable (``AURORA_SECURITY__JWT_SECRET``) holds its value.
    - registry: ``registry``, ``$AURORA_SERVICES_REGISTRY``, ``./services.yml``, then
      ``services.yml`` at the repository root (nearest parent with ``pants.toml`` or ``.git``).

    The three ``AURORA_*`` location variables and ``AURORA_CONFIG_STRICT`` may also be
    set in the ``.env`` file. An explicitly named file or directory must exist.
    """
    env = Layer(ValueSource.ENV)
    env.add_variables((name, value, None) for name, value in environ.items())
    env_path = _locate(env_file, "env_file", environ, ENV_FILE_VARIABLE, _default_env_file)
    dotenv_values = _read_dotenv(env_path) if env_path else {}
    dotenv = Layer(ValueSource.DOTENV)
    dotenv.add_variables((name, value, str(env_path)) for name, value in dotenv_values.items())
    layers = [env, dotenv]

    meta: Mapping[str, str] = ChainMap(dict(environ), dotenv_values)
    secrets_path = _locate(secrets_dir, "secrets_dir", meta, SECRETS_DIR_VARIABLE, _default_secrets)
    if secrets_path is not None:
        layers.append(_secrets_layer(secrets_path))
    registry_path = _locate(registry, "services_registry", meta, REGISTRY_VARIABLE, _find_registry)
    if registry_path is not None:
        layers.append(_registry_layer(registry_path, service_name))
    strict = meta.get(STRICT_VARIABLE, "").strip().lower() in _TRUTHY
    return Sources(layers=layers, strict=strict)


def _locate(
    explicit: str | os.PathLike[str] | None,
    argument: str,
    meta: Mapping[str, str],
    variable: str,
    default: Callable[[], Path | None],
) -> Path | None:
    """The argument, else the variable (both must name something that exists), else default."""
    if explicit is not None:
        return _existing(Path(explicit), f"{argument} argument")
    if configured := meta.get(variable):
        return _existing(Path(configured), variable)
    return default()


def _default_env_file() -> Path | None:
    path = Path(".env")
    return path if path.is_file() else None


def _default_secrets() -> Path | None:
    return _DEFAULT_SECRETS_DIR if _DEFAULT_SECRETS_DIR.is_dir() else None


def _existing(path: Path, named_by: str) -> Path:
    if not path.exists():
        problem = ConfigProblem(named_by, f"{path} does not exist")
        raise ConfigError("Cannot read configuration:", [problem])
    return path


def _unreadable(path: Path, exc: Exception) -> ConfigError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    return ConfigError("Cannot read configuration:", [ConfigProblem(str(path), reason)])


def _read_dotenv(path: Path) -> dict[str, str]:
    try:
        # pydantic-settings' own .env parser (python-dotenv), so the syntax is the one
        # its users know: quotes, `export`, comments and ${VAR} expansion.
        values = DotEnvSettingsSource._static_read_env_file(path, case_sensitive=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from exc
    return {name: value for name, value in values.items() if value is not None}


def _secrets_layer(directory: Path) -> Layer:
    if not directory.is_dir():
        problem = ConfigProblem(str(directory), "the secrets directory is not a directory")
        raise ConfigError("Cannot read configuration:", [problem])
    layer = Layer(ValueSource.SECRETS)
    for path in sorted(directory.iterdir()):
        if path.name.upper().startswith(PREFIX) and path.is_file():
            try:
                value = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise _unreadable(path, exc) from exc
            layer.add_variables([(path.name, value, str(path))])
    return layer


def _find_registry() -> Path | None:
    """``./services.yml``, else the one at the repository root, if any."""
    start = Path.cwd()
    here = start / _REGISTRY_FILE
    if here.is_file():
        return here
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in _REPO_MARKERS):
            candidate = directory / _REGISTRY_FILE
            return candidate if candidate.is_file() else None
    return None


def _registry_layer(path: Path, service_name: str | None) -> Layer:
    """Entries ``name: {port, url, ...}``; a port alone means ``http://127.0.0.1:<port>``.

    The entry named like the loading service also sets its own ``service.port``. Keys
    other than ``port`` map to endpoint fields; the ones that match none are left to
    other tools sharing the file.
    """
    layer = Layer(ValueSource.REGISTRY)
    location = str(path)
    own_name = service_key(service_name) if service_name else None
    for name, entry in _read_registry(path).items():
        fields = _entry_fields(entry)
        port = fields.pop("port", None)
        if port is not None:
            fields.setdefault("url", f"http://127.0.0.1:{port}")
            if service_key(name) == own_name:
                layer.add(("service", "port"), port, location=location)
        for field_name, value in fields.items():
            if value is not None:
                key = normalize_key(("services", name, field_name))
                layer.add(key, value, location=location)
    return layer


def _entry_fields(entry: Any) -> dict[str, Any]:
    """``{port, url, ...}``, or the shorthands ``name: 8002`` and ``name: http://...``."""
    if isinstance(entry, Mapping):
        return {str(name): value for name, value in entry.items()}
    return {"port": entry} if isinstance(entry, int) else {"url": entry}


def _read_registry(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from exc
    except yaml.YAMLError as exc:
        # Only the problem and line: PyYAML's full message quotes the file's content.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = ConfigProblem(str(path), f"invalid YAML{where}: {getattr(exc, 'problem', '')}")
        raise ConfigError("Cannot read the services registry:", [problem]) from exc
    if isinstance(data, Mapping) and isinstance(data.get("services"), Mapping):
        data = data["services"]  # the generator's layout; other top-level keys are metadata
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        problem = ConfigProblem(str(path), "must map service names to {port, url}")
        raise ConfigError("Cannot read the services registry:", [problem])
    return {str(name): entry for name, entry in data.items()}
