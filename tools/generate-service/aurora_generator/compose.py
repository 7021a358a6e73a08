"""The repo's ``docker-compose.yml``: PostgreSQL, Redis and every service, wired by env.

The generator adds a service's block and leaves every other value as it found it,
so hand edits to the file survive (its comments do not: PyYAML drops them, which is
why the header says so). Services reach each other by compose service name, so each
``--with http`` service gets ``AURORA_SERVICES__<OTHER>__URL`` for every other one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from aurora_generator.answers import Answers
from aurora_generator.refusal import RefusalError
from aurora_generator.registry import Registry

__all__ = ["COMPOSE_FILE", "INFRASTRUCTURE", "add_service", "dump_compose", "load_compose"]

COMPOSE_FILE = "docker-compose.yml"

_PORT_MAPPING = re.compile(r"\d+:\d+")

INFRASTRUCTURE = ("postgres", "postgres-init", "redis")
"""Compose services that are platform, not Aurora services (the registry doesn't list them)."""

_POSTGRES_IMAGE = "postgres:16-alpine"
_HEADER = (
    "# Aurora on one machine: `docker compose up --build` after `./pants package services::`.\n"
    "# Written by tools/generate-service, which adds each new service here. Edits to values\n"
    "# are kept when it does; comments are not. The credentials are for local use only.\n"
)

# One database per service, created when the stack starts; `$$` is compose's literal `$`.
_CREATE_DATABASES = (
    "for db in $$AURORA_DATABASES; do "
    "psql -d aurora -tAc \"SELECT 1 FROM pg_database WHERE datname = '$$db'\" | grep -q 1 "
    '|| createdb "$$db"; done'
)


def _skeleton() -> dict[str, Any]:
    healthy = {"interval": "5s", "timeout": "3s", "retries": 20}
    return {
        "name": "aurora",
        "services": {
            "postgres": {
                "image": _POSTGRES_IMAGE,
                "environment": {
                    "POSTGRES_USER": "aurora",
                    "POSTGRES_PASSWORD": "aurora",
                    "POSTGRES_DB": "aurora",
                },
                "ports": ["5432:5432"],
                "volumes": ["postgres-data:/var/lib/postgresql/data"],
                "healthcheck": {"test": ["CMD-SHELL", "pg_isready -U aurora -d aurora"], **healthy},
            },
            "postgres-init": {
                "image": _POSTGRES_IMAGE,
                "depends_on": {"postgres": {"condition": "service_healthy"}},
                "environment": {
                    "PGHOST": "postgres",
                    "PGUSER": "aurora",
                    "PGPASSWORD": "aurora",
                    "AURORA_DATABASES": "",
                },
                "command": ["sh", "-c", _CREATE_DATABASES],
                "restart": "no",
            },
            "redis": {
                "image": "redis:7-alpine",
                "command": ["redis-server", "--appendonly", "yes"],
                "ports": ["6379:6379"],
                "volumes": ["redis-data:/data"],
                "healthcheck": {"test": ["CMD", "redis-cli", "ping"], **healthy},
            },
        },
        "volumes": {"postgres-data": {}, "redis-data": {}},
    }


def load_compose(root: Path) -> dict[str, Any]:
    """Read ``<root>/docker-compose.yml``, or start from PostgreSQL and Redis alone.

    Raises:
        RefusalError: the file exists but is not a compose file.
    """
    path = root / COMPOSE_FILE
    if not path.exists():
        return _skeleton()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RefusalError(f"{COMPOSE_FILE} is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise RefusalError(f"{COMPOSE_FILE} has no 'services' mapping")
    return data


def _service_url_var(name: str) -> str:
    return f"AURORA_SERVICES__{name.replace('-', '_').upper()}__URL"


def _service_block(answers: Answers, registry: Registry) -> dict[str, Any]:
    port = answers.port
    environment: dict[str, str] = {
        "AURORA_SERVICE__ENVIRONMENT": "development",
        "AURORA_SERVICE__HOST": "0.0.0.0",  # noqa: S104 - inside its container, on purpose
        "AURORA_SERVICE__PORT": str(port),
        "AURORA_LOGGING__FORMAT": "json",
        "AURORA_REDIS__URL": "redis://redis:6379/0",
    }
    depends_on: dict[str, Any] = {}
    if "db" in answers.with_libs:
        environment["AURORA_DATABASE__URL"] = (
            f"postgresql+psycopg://aurora:aurora@postgres:5432/{answers.package}"
        )
        depends_on["postgres-init"] = {"condition": "service_completed_successfully"}
    if "events" in answers.with_libs:
        # "auto" means in-memory in development: events must cross containers here.
        environment["AURORA_EVENTS__BACKEND"] = "redis"
        depends_on["redis"] = {"condition": "service_healthy"}
    if "http" in answers.with_libs:
        for other in sorted(registry.services.values(), key=lambda service: service.name):
            if other.name != answers.name:
                environment[_service_url_var(other.name)] = f"http://{other.name}:{other.port}"
    block: dict[str, Any] = {
        "build": {"context": ".", "dockerfile": f"services/{answers.name}/Dockerfile"},
        "image": f"aurora/{answers.name}:dev",
        "ports": [f"{port}:{port}"],
        "environment": environment,
    }
    if depends_on:
        block["depends_on"] = depends_on
    return block


def add_service(
    compose: dict[str, Any], answers: Answers, registry: Registry, *, http_services: set[str]
) -> dict[str, Any]:
    """Return ``compose`` with ``answers``' service wired in.

    An existing block for the service keeps its hand edits; only its port and the
    variables the generator owns are set. ``http_services`` are the registered
    services that use aurora-http: each learns the new service's URL.
    """
    services: dict[str, Any] = compose.setdefault("services", {})
    block = _service_block(answers, registry)
    existing = services.get(answers.name)
    if isinstance(existing, dict):
        existing["ports"] = block["ports"]
        existing.setdefault("environment", {}).update(block["environment"])
        if "depends_on" in block:
            existing.setdefault("depends_on", {}).update(block["depends_on"])
    else:
        services[answers.name] = block
    if "db" in answers.with_libs and isinstance(services.get("postgres-init"), dict):
        env = services["postgres-init"].setdefault("environment", {})
        databases = set(str(env.get("AURORA_DATABASES", "")).split())
        env["AURORA_DATABASES"] = " ".join(sorted(databases | {answers.package}))
    url_var, url = _service_url_var(answers.name), f"http://{answers.name}:{answers.port}"
    for other in sorted(http_services - {answers.name}):
        other_block = services.get(other)
        if isinstance(other_block, dict):
            other_block.setdefault("environment", {})[url_var] = url
    return compose


class _IndentedDumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML is untyped
    """Indents list items under their key, as compose files are usually written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, indentless=False)


def _quoted_port_mapping(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # "8005:8005" quoted, as compose's docs advise: YAML 1.1 reads some HH:MM as numbers.
    style = '"' if _PORT_MAPPING.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_IndentedDumper.add_representer(str, _quoted_port_mapping)


def dump_compose(compose: dict[str, Any]) -> str:
    """The compose file's text (key order kept, so diffs stay small)."""
    body = str(yaml.dump(compose, Dumper=_IndentedDumper, sort_keys=False, width=1000))
    return _HEADER + body
