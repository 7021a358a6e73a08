"""Show the effective configuration, and write the ``.env.example`` it comes from.

Both walk the validated config, so they can't drift from the model: every field is
a row (a variable, its value, where it came from) and a line of ``.env.example``
(its description and default). Secrets are shown as ``**********`` and URL
passwords as ``***``; an example never holds a secret value, not even a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from aurora.config._keys import variable_for_key
from aurora.config._sections import AuroraSettings, is_secret, mask_url_password, model_settings
from aurora.config._service import ServiceConfig
from aurora.config._sources import ValueSource

__all__ = ["ConfigEntry", "describe_config", "generate_env_example", "render_config"]

_REDACTED = "**********"
_PLAIN = re.compile(r"[A-Za-z0-9_./:@,+%=-]*")


@dataclass(frozen=True)
class ConfigEntry:
    """One effective setting as an operator sees it, safe to print."""

    variable: str
    path: str
    value: str
    source: ValueSource
    origin: str
    description: str
    secret: bool


def describe_config(config: ServiceConfig) -> list[ConfigEntry]:
    """Every setting of ``config``: variable, redacted value, and the source that set it."""
    entries = []
    for key, value, field in model_settings(config):
        secret = is_secret(field)
        origin = config.origin_of(key)
        entries.append(
            ConfigEntry(
                variable=variable_for_key(key),
                path=".".join(key),
                value=_display(value, secret=secret),
                source=origin.source,
                origin=str(origin),
                description=field.description or "",
                secret=secret,
            )
        )
    return entries


def render_config(config: ServiceConfig) -> str:
    """``describe_config`` as an aligned text table, for ``python -m aurora.config show``."""
    entries = describe_config(config)
    rows = [("VARIABLE", "VALUE", "SOURCE")] + [(e.variable, e.value, e.origin) for e in entries]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip() for row in rows]
    title = f"Effective configuration of {config.service.name} (secrets redacted):"
    return "\n".join([title, *lines])


def generate_env_example(
    service_name: str = "my-service",
    /,
    *,
    config_class: type[ServiceConfig] = ServiceConfig,
    **overrides: Any,
) -> str:
    """A ``.env.example`` for ``service_name``: every variable, its description and default.

    Defaults are commented out; ``overrides`` (as for ``get_config``) are written as
    active lines, which is how the service generator pins a new service's port.
    Secrets are always blank. Reads no source: the result depends only on the model
    (``config_class``, for a service that declares its own sections) and the
    sections the installed libs compose in.
    """
    config = config_class.composed()._build(service_name, [], overrides, strict=True)
    lines = [
        f"# Configuration of {service_name}, generated from aurora.config's model.",
        "# Copy to .env and edit. Priority: arguments > environment > .env > secrets directory",
        "# > services.yml > defaults. Commented lines show the defaults; empty values count as",
        "# unset. Secrets stay blank here: in production put each in a file of the secrets",
        "# directory (AURORA_SECRETS_DIR, default /run/secrets) named like its variable.",
    ]
    entries = {entry.path: entry for entry in describe_config(config)}
    for name in type(config).model_fields:
        section = getattr(config, name)
        lines += ["", f"# ----- {name}: {_summary(type(section))}"]
        if isinstance(section, AuroraSettings):
            lines += section.example_header()
        lines += [
            _example_line(entry) for path, entry in entries.items() if _in_section(path, name)
        ]
    return "\n".join(lines) + "\n"


def _in_section(path: str, section: str) -> bool:
    return path.startswith(f"{section}.") and path != "service.name"


def _example_line(entry: ConfigEntry) -> str:
    comment = "".join(f"# {line}\n" for line in entry.description.splitlines())
    if entry.secret:
        return f"{comment}{entry.variable}="
    active = entry.source is ValueSource.OVERRIDE
    return f"{comment}{'' if active else '# '}{entry.variable}={_dotenv_value(entry.value)}"


def _summary(model: type[BaseModel]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0].replace("``", "")


def _display(value: Any, *, secret: bool) -> str:
    if value is None:
        return ""
    if secret or isinstance(value, SecretStr):
        return _REDACTED
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(_display(item, secret=False) for item in value)
    if isinstance(value, Path):
        return str(value)
    return mask_url_password(str(value))


def _dotenv_value(value: str) -> str:
    """Quote a value so python-dotenv reads it back verbatim."""
    if _PLAIN.fullmatch(value):
        return value
    if "'" not in value and "\n" not in value:
        return f"'{value}'"  # single quotes: no escapes and no ${VAR} expansion
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
