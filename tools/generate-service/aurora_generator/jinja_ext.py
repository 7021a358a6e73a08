"""What the service template needs from Jinja beyond copier's defaults.

copier loads this extension by name (``_jinja_extensions`` in ``copier.yml``) in the
generator's own process, so the template can use Aurora's naming rules and
aurora-config's model directly:

- filters ``py_str`` and ``yaml_str`` (a one-line text as a double-quoted literal),
  ``pluralize`` and ``pascal_case`` (:mod:`aurora_generator.naming`);
- globals ``env_example(name, port, events)``, the ``.env.example`` aurora-config writes
  from its model so it can't drift from it, and ``template_path``, where the template
  lives in the monorepo (what the answers file records as its source);
- rendered Python and BUILD files go through black with the repo's settings, so a
  generated service passes ``pants lint`` whatever the length of its names, and no
  file starts with blank lines. That is done here, as each template is compiled, so
  copier's three renders of an update (the base, the new version, the service) are
  finished alike.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import black
from black.mode import TargetVersion
from jinja2 import Environment
from jinja2.ext import Extension
from pydantic import Field, create_model

from aurora.config import AuroraSettings, ServiceConfig, generate_env_example

from aurora_generator.naming import pascal_case, pluralize

__all__ = ["TEMPLATE_PATH", "ServiceTemplateExtension", "service_config"]

TEMPLATE_PATH = "tools/generate-service/aurora_generator/templates/service"
"""The template's directory, relative to the monorepo root."""

_BLACK_MODE = black.Mode(target_versions={TargetVersion.PY311}, line_length=100)
"""The repo's black settings (pyproject.toml's ``[tool.black]``)."""

_FORMATTED = ("py.jinja", "{{ build_file }}.jinja")


def _python_string(value: str) -> str:
    """A double-quoted Python literal (black's quote style) for any one-line text."""
    return json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=1024)
def _black(text: str) -> str:
    # Cached: an update renders the same files up to three times.
    return black.format_str(_lstrip(text), mode=_BLACK_MODE) if text.strip() else text


def _lstrip(text: str) -> str:
    """No file starts with the blank lines its opening ``{% if %}`` left."""
    return text.lstrip("\n")


def _env_example(name: str, port: int, events: bool) -> str:
    return generate_env_example(name, config_class=service_config(events), service__port=port)


def _section(kind: type[AuroraSettings]) -> Any:
    return Field(default_factory=functools.partial(kind.model_validate, {}))


@functools.cache
def service_config(events: bool) -> type[ServiceConfig]:
    """The sections a generated service's config holds: those of the libs it uses.

    Declared rather than taken from what this process has imported, so the example
    is the same however the generator was started.
    """
    from aurora.app import AppSettings, SecuritySettings
    from aurora.db import DatabaseSettings
    from aurora.http import ServiceEndpoints
    from aurora.logging import LoggingSettings

    fields: dict[str, Any] = {
        "database": (DatabaseSettings, _section(DatabaseSettings)),
        "services": (ServiceEndpoints, _section(ServiceEndpoints)),
        "security": (SecuritySettings, _section(SecuritySettings)),
        "logging": (LoggingSettings, _section(LoggingSettings)),
        "app": (AppSettings, _section(AppSettings)),
    }
    if events:  # imported only for services that use events
        from aurora.events import EventsSettings

        fields["events"] = (EventsSettings, _section(EventsSettings))
    config: type[ServiceConfig] = create_model(
        "GeneratedServiceConfig", __base__=_DeclaredConfig, **fields
    )
    return config


class _DeclaredConfig(ServiceConfig):
    compose_installed = False


class ServiceTemplateExtension(Extension):
    """Filters, globals and black formatting for the Aurora service template."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            py_str=_python_string,
            yaml_str=_python_string,  # a JSON string is a YAML double-quoted scalar
            pluralize=pluralize,
            pascal_case=pascal_case,
            black=_black,
            lstrip_newlines=_lstrip,
        )
        environment.globals.update(env_example=_env_example, template_path=TEMPLATE_PATH)

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Wrap each template file in its finishing filter: black for Python and BUILD."""
        if name is None:
            return source  # a string (a path, a default), not a file
        finish = "black" if name.endswith(_FORMATTED) else "lstrip_newlines"
        return f"{{% filter {finish} %}}{source}{{% endfilter %}}"
