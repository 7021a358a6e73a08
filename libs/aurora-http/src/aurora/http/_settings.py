"""aurora-http's settings section: where the other services are, ``AURORA_SERVICES__<NAME>__*``.

aurora-http owns it (its clients are what read it); aurora-config composes it into
a service's config under the ``services`` key and feeds it from the variables and
from the ``services.yml`` registry the service generator writes (variables win).
Names are kebab-case in code and SNAKE_CASE in variables; lookups accept either.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, field_at, register_section, service_key

__all__ = ["ServiceEndpoint", "ServiceEndpoints"]

Key = tuple[str, ...]


class ServiceEndpoint(BaseModel):
    """How to reach one service: its base URL and the client limits for it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    url: str
    """Base URL of the service (http:// or https://)."""
    timeout: float = Field(default=10.0, gt=0)
    """Seconds allowed for one request, connection included."""
    connect_timeout: float = Field(default=5.0, gt=0)
    """Seconds allowed to open a connection."""
    max_connections: int = Field(default=100, ge=1)
    """Connections the client may hold open to this service."""

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_url(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")  # a base URL: paths are appended to it


@register_section
class ServiceEndpoints(AuroraSettings):
    """The service registry, name to endpoint: ``AURORA_SERVICES__<NAME>__*``.

    Behaves as a read-only mapping: ``config.services["subject-service"]``,
    ``config.services.get("subject-service")``, ``"subject-service" in config.services``.
    """

    model_config = SettingsConfigDict(env_prefix="AURORA_SERVICES__")

    endpoints: dict[str, ServiceEndpoint] = Field(default_factory=dict)
    """Endpoints by kebab-case service name."""

    @model_validator(mode="before")
    @classmethod
    def _accept_flat_mapping(cls, data: Any) -> Any:
        # Sources provide {name: endpoint}; only ServiceEndpoints(endpoints=...) nests.
        if isinstance(data, dict) and set(data) != {"endpoints"}:
            data = {"endpoints": data}
        if isinstance(data, dict) and isinstance(data["endpoints"], dict):
            data = {"endpoints": {service_key(str(k)): v for k, v in data["endpoints"].items()}}
        return data

    @classmethod
    def field_for(cls, key: Key) -> FieldInfo | None:
        # Any name is a service: the field is the endpoint's (("subject-service", "url")).
        return field_at(ServiceEndpoint, key[1:]) if len(key) == 2 else None

    @classmethod
    def variable_keys(cls, near: Key = ()) -> Iterator[Key]:
        # Names are open-ended: suggest only the fields of the service a variable names.
        if near:
            yield from ((near[0], name) for name in ServiceEndpoint.model_fields)

    def described_settings(self) -> Iterator[tuple[Key, Any, FieldInfo]]:
        for service, endpoint in self.items():
            for name, field in ServiceEndpoint.model_fields.items():
                yield (service, name), getattr(endpoint, name), field

    @classmethod
    def example_header(cls) -> list[str]:
        lines = ["# One block per service this one calls; <NAME> is the name in SNAKE_CASE."]
        for name, field in ServiceEndpoint.model_fields.items():
            default = "" if field.is_required() else str(field.default)
            lines += [
                f"# {field.description}",
                f"# AURORA_SERVICES__<NAME>__{name.upper()}={default}",
            ]
        return lines

    def get(self, name: str, default: ServiceEndpoint | None = None) -> ServiceEndpoint | None:
        """The endpoint of ``name`` (kebab- or snake-case), or ``default``."""
        return self.endpoints.get(service_key(name), default)

    def __getitem__(self, name: str) -> ServiceEndpoint:
        endpoint = self.get(name)
        if endpoint is None:
            known = ", ".join(sorted(self.endpoints)) or "none"
            variable = f"AURORA_SERVICES__{service_key(name).upper().replace('-', '_')}__URL"
            raise KeyError(f"no endpoint for service {name!r} (set {variable}; known: {known})")
        return endpoint

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and service_key(name) in self.endpoints

    def __len__(self) -> int:
        return len(self.endpoints)

    def keys(self) -> KeysView[str]:
        return self.endpoints.keys()

    def values(self) -> ValuesView[ServiceEndpoint]:
        return self.endpoints.values()

    def items(self) -> ItemsView[str, ServiceEndpoint]:
        return self.endpoints.items()
