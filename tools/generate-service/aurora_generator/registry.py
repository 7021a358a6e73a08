"""The platform's service registry: which services exist, on which port, at which URL.

One YAML file at the repo root that the generator keeps and aurora-config reads for
inter-service URLs, so a port is claimed once and a new service can find the others
without anyone copying URLs around. Environment variables
(``AURORA_SERVICES__<NAME>__URL``) still override it per deployment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from aurora_generator.refusal import RefusalError

__all__ = ["REGISTRY_FILE", "RegisteredService", "Registry"]

REGISTRY_FILE = "services.yml"

_HEADER = (
    "# Aurora's service registry: every service, its port and its URL on a developer machine.\n"
    "# Written by tools/generate-service; aurora-config reads it for inter-service URLs\n"
    "# (AURORA_SERVICES__<NAME>__URL overrides an entry, as docker-compose.yml and k8s do).\n"
)


@dataclasses.dataclass(frozen=True)
class RegisteredService:
    """One entry of the registry."""

    name: str
    port: int
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"port": self.port, "url": self.url}


@dataclasses.dataclass(frozen=True)
class Registry:
    """The parsed registry; changes return a new registry, written only when asked."""

    path: Path
    services: Mapping[str, RegisteredService]

    @classmethod
    def load(cls, root: Path) -> Registry:
        """Read ``<root>/services.yml``; a repo without one has an empty registry.

        Raises:
            RefusalError: the file exists but is not a registry.
        """
        path = root / REGISTRY_FILE
        if not path.exists():
            return cls(path, {})
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RefusalError(
                f"{REGISTRY_FILE} is not valid YAML ({type(exc).__name__})"
            ) from None
        entries = data.get("services", {}) if isinstance(data, dict) else None
        entries = {} if entries is None else entries  # `services:` with nothing under it
        if not isinstance(entries, dict):
            raise RefusalError(f"{REGISTRY_FILE} has no 'services' mapping")
        services: dict[str, RegisteredService] = {}
        for name, entry in entries.items():
            try:
                port = int(entry["port"])
                url = str(entry.get("url") or f"http://127.0.0.1:{port}")
            except (KeyError, TypeError, ValueError, AttributeError):
                raise RefusalError(f"{REGISTRY_FILE}: entry {name!r} has no valid port") from None
            services[str(name)] = RegisteredService(str(name), port, url)
        return cls(path, services)

    def port_owner(self, port: int, *, ignore: str | None = None) -> str | None:
        """The service (other than ``ignore``) that already claims ``port``, if any."""
        for service in self.services.values():
            if service.port == port and service.name != ignore:
                return service.name
        return None

    def with_service(self, name: str, port: int) -> Registry:
        """This registry with ``name`` registered (or re-registered) on ``port``."""
        services = dict(self.services)
        services[name] = RegisteredService(name, port, f"http://127.0.0.1:{port}")
        return Registry(self.path, services)

    def to_yaml(self) -> str:
        """The registry file's text, entries sorted by name for stable diffs."""
        body = {"services": {name: self.services[name].to_dict() for name in sorted(self.services)}}
        return _HEADER + str(yaml.safe_dump(body, sort_keys=False))
