"""Service names, and every identifier the templates derive from them.

A service name travels far: directory, Pants target, Python package, Kubernetes
object names, compose service, ``AURORA_SERVICES__<NAME>__URL``. So it is checked
once, here, against all of those at the same time, and refused with one line
saying why rather than producing a service that breaks somewhere downstream.
"""

from __future__ import annotations

import keyword
import re
import sys

from aurora_generator.refusal import RefusalError

__all__ = [
    "MAX_NAME_LENGTH",
    "check_resource_name",
    "check_service_name",
    "default_resource",
    "default_title",
    "package_name",
    "pascal_case",
    "pluralize",
]

MAX_NAME_LENGTH = 50
"""Kubernetes names are DNS labels (63 characters); the manifests add suffixes such as ``-secrets``."""

_KEBAB = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

_AURORA_LIBS = (
    "app", "config", "db", "errors", "events", "http", "logging", "telemetry", "testing", "utils"
)  # fmt: skip

# Top-level modules of the monorepo's resolve: a service package named like one would shadow it.
_THIRD_PARTY_MODULES = frozenset(
    {
        "aiosqlite", "alembic", "anyio", "asgi_lifespan", "black", "cryptography", "fastapi",
        "httpx", "hypothesis", "jinja2", "jwt", "mypy", "orjson", "prometheus_client", "psycopg",
        "pydantic", "pydantic_settings", "pytest", "redis", "ruff", "schemathesis", "sniffio",
        "sqlalchemy", "starlette", "structlog", "uvicorn", "yaml",
    }
)  # fmt: skip

_RESERVED: dict[str, str] = {
    "aurora": "the aurora namespace belongs to the shared libraries",
    **{lib: "it is the name of an Aurora library" for lib in _AURORA_LIBS},
    **{f"aurora-{lib}": "it is the name of an Aurora library" for lib in _AURORA_LIBS},
    "test": "pytest would take it for a test module",
    "tests": "pytest would take it for a test module",
    "postgres": "docker-compose.yml already runs the platform's PostgreSQL under that name",
    "postgres-init": "docker-compose.yml already uses it to create the service databases",
    "redis": "docker-compose.yml already runs the platform's Redis under that name",
    "service": "it says nothing about what the service does",
    "services": "it is the directory that holds every service",
    "libs": "it is a top-level directory of the monorepo",
    "tools": "it is a top-level directory of the monorepo",
    "src": "it is the source root of every service",
    "main": "it is the entry-point module of every service",
    "migrations": "it is the migrations package of every service",
    "update": "it is the generator's update command",
}

# Names the templates import next to the resource's classes: a resource called like one
# would shadow it (``class Base(Base)``).
_TEMPLATE_NAMES = frozenset(
    {
        "Annotated", "Any", "APIRouter", "AsyncIterator", "AsyncSession", "Base", "BaseModel",
        "BaseSettings", "ConfigDict", "Depends", "Field", "Mapped", "Query", "Response",
        "Service", "ServiceConfig", "ServiceRouter", "SettingsConfigDict", "String", "Text", "TestClient",
        "TimestampMixin", "UUID", "UUIDPrimaryKeyMixin", "VersionedMixin",
    }
)  # fmt: skip


def check_service_name(name: str) -> None:
    """Refuse a service name that would break any of the places it is used.

    Raises:
        RefusalError: the name is not kebab-case, too long, or reserved.
    """
    if not _KEBAB.fullmatch(name):
        raise RefusalError(
            f"service name {name!r} is not kebab-case "
            "(lowercase letters and digits in words joined by single '-', starting with a letter), "
            "e.g. 'user-service'"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise RefusalError(
            f"service name {name!r} is {len(name)} characters long; "
            f"Kubernetes object names allow at most {MAX_NAME_LENGTH} here"
        )
    package = package_name(name)
    if name in _RESERVED:
        raise RefusalError(f"service name {name!r} is reserved: {_RESERVED[name]}")
    if name.startswith("aurora-"):
        raise RefusalError(f"service name {name!r} is reserved: {_RESERVED['aurora']}")
    if keyword.iskeyword(package):
        raise RefusalError(
            f"service name {name!r} is reserved: its package {package!r} is a Python keyword"
        )
    if package in sys.stdlib_module_names:
        raise RefusalError(
            f"service name {name!r} is reserved: its package {package!r} would shadow "
            "the standard library module of that name"
        )
    if package in _THIRD_PARTY_MODULES or package == "aurora_generator":
        raise RefusalError(
            f"service name {name!r} is reserved: its package {package!r} would shadow "
            "a module the monorepo already uses"
        )


def check_resource_name(resource: str) -> None:
    """Refuse an example-resource name the templates can't turn into clean identifiers.

    Raises:
        RefusalError: the name is not kebab-case or its class name would shadow an import.
    """
    if not _KEBAB.fullmatch(resource) or len(resource) > MAX_NAME_LENGTH:
        raise RefusalError(
            f"resource name {resource!r} is not a short kebab-case singular noun, e.g. 'user'"
        )
    snake = package_name(resource)
    if keyword.iskeyword(snake) or pascal_case(resource) in _TEMPLATE_NAMES:
        raise RefusalError(
            f"resource name {resource!r} is reserved: it collides with a name the templates use"
        )


def package_name(name: str) -> str:
    """The Python identifier for a kebab-case name: ``user-service`` -> ``user_service``."""
    return name.replace("-", "_")


def pascal_case(name: str) -> str:
    """The class-name form of a kebab-case name: ``order-line`` -> ``OrderLine``."""
    return "".join(word.capitalize() for word in name.split("-"))


def default_title(name: str) -> str:
    """A human title from the name: ``user-service`` -> ``User Service``."""
    return " ".join(word.capitalize() for word in name.split("-"))


def default_resource(name: str) -> str:
    """The example resource a service is most likely about: ``user-service`` -> ``user``.

    The usual suffixes go; what is left is taken as a singular noun. A name that is
    nothing but a suffix falls back to ``item``.
    """
    words = name.split("-")
    while words and words[-1] in {"service", "svc", "api", "app", "server"}:
        words.pop()
    return "-".join(words) if words else "item"


def pluralize(word: str) -> str:
    """English plural of the last word of a kebab-case noun, good enough for table names.

    ``user`` -> ``users``, ``category`` -> ``categories``, ``address`` -> ``addresses``.
    Irregular nouns are rare in resource names; ``--resource`` can sidestep one.
    """
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
