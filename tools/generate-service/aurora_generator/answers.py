"""The answers a service is generated from: validated here, recorded by copier.

copier writes them to ``services/<name>/.copier-answers.yml`` with the template
version (``_commit``), so ``update`` renders the same service again without asking
anything. They are checked here first, so a bad one is a one-line refusal before
copier runs, not a half-rendered service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from aurora_generator.naming import (
    check_resource_name,
    check_service_name,
    default_resource,
    default_title,
    package_name,
)
from aurora_generator.refusal import RefusalError

__all__ = [
    "ANSWERS_FILE",
    "BASE_LIBS",
    "LIB_CHOICES",
    "MAX_PORT",
    "MIN_PORT",
    "Answers",
    "load_yaml_mapping",
    "parse_with",
    "read_answers",
]

ANSWERS_FILE = ".copier-answers.yml"
"""copier's answers file, in every generated service."""

BASE_LIBS = ("app", "config", "errors", "logging", "telemetry")
"""Libs every service uses: the chassis itself."""

LIB_CHOICES: dict[str, str] = {
    "db": "aurora-db: a SQLAlchemy model, repository, CRUD routes and Alembic migrations",
    "events": "aurora-events: domain events for the example resource, through the outbox",
    "http": "aurora-http: resilient clients for the services in the registry",
}
"""What ``--with`` accepts, and what each choice adds to the service."""

MIN_PORT = 1024
MAX_PORT = 65535

_TITLE_MAX = 80
_DESCRIPTION_MAX = 200


def parse_with(value: str) -> tuple[str, ...]:
    """Parse ``--with db,http``: a sorted, de-duplicated tuple of lib choices.

    Raises:
        RefusalError: an unknown choice, or events without db.
    """
    chosen = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(chosen - LIB_CHOICES.keys())
    if unknown:
        choices = ", ".join(sorted(LIB_CHOICES))
        raise RefusalError(f"unknown --with value {unknown[0]!r}; choose from: {choices}")
    if "events" in chosen and "db" not in chosen:
        raise RefusalError(
            "--with events needs db: events are published through the transactional outbox "
            "in the service's database"
        )
    return tuple(sorted(chosen))


def _check_text(label: str, value: str, limit: int) -> None:
    if not value.strip():
        raise RefusalError(f"{label} must not be empty")
    if len(value) > limit:
        raise RefusalError(f"{label} is {len(value)} characters long; keep it under {limit}")
    if any(not ch.isprintable() for ch in value):
        raise RefusalError(f"{label} must be one line of printable text")
    if any(char in value for char in '"\\$'):
        raise RefusalError(
            f"{label} must not contain double quotes, backslashes or $ (it is written into code)"
        )


@dataclasses.dataclass(frozen=True)
class Answers:
    """Everything a service is rendered from; equal answers render identical files."""

    name: str
    port: int
    title: str
    description: str
    with_libs: tuple[str, ...] = ("db",)
    resource: str = ""

    @classmethod
    def create(
        cls,
        name: str,
        port: int,
        *,
        title: str | None = None,
        description: str | None = None,
        with_libs: Iterable[str] = ("db",),
        resource: str | None = None,
    ) -> Answers:
        """Validate raw arguments and fill in the derived defaults.

        Raises:
            RefusalError: any argument the templates can't render into a working service.
        """
        check_service_name(name)
        if not MIN_PORT <= port <= MAX_PORT:
            raise RefusalError(f"port {port} is outside {MIN_PORT}-{MAX_PORT}")
        title = title if title is not None else default_title(name)
        description = description if description is not None else f"{title} on the Aurora chassis."
        _check_text("--title", title, _TITLE_MAX)
        _check_text("--description", description, _DESCRIPTION_MAX)
        libs = parse_with(",".join(with_libs))
        if resource is None:
            resource = default_resource(name)
            try:
                check_resource_name(resource)
            except RefusalError as refusal:
                raise RefusalError(f"{refusal.reason}; pass --resource") from None
        else:
            check_resource_name(resource)
        return cls(name, port, title, description, libs, resource)

    @property
    def package(self) -> str:
        """The service's Python package: ``user_service``."""
        return package_name(self.name)

    @property
    def libs(self) -> tuple[str, ...]:
        """Every Aurora lib the service may import, sorted: the base plus ``--with``."""
        return tuple(sorted({*BASE_LIBS, *self.with_libs}))

    def to_data(self) -> dict[str, Any]:
        """The answers as copier's ``data``: what ``.copier-answers.yml`` records.

        The ``--with`` choices go both as template 2.1.0's flags and as 2.0.0's list,
        so any version can be rendered (each derives the other form, never records it).
        """
        return {
            "name": self.name,
            "port": self.port,
            "title": self.title,
            "description": self.description,
            **{lib: lib in self.with_libs for lib in sorted(LIB_CHOICES)},
            "with_libs": list(self.with_libs),
            "resource": self.resource,
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = ANSWERS_FILE) -> Answers:
        """Rebuild answers from a parsed answers file, validating them again.

        Raises:
            RefusalError: the file is missing a field or holds an invalid value.
        """
        try:
            return cls.create(
                str(data["name"]),
                int(data["port"]),
                title=str(data["title"]),
                description=str(data["description"]),
                with_libs=_recorded_libs(data),
                resource=str(data["resource"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RefusalError(f"{source} is incomplete or invalid ({exc!r})") from None


def _recorded_libs(data: Mapping[str, Any]) -> list[str]:
    """The ``--with`` choices an answers file records: flags since template 2.1.0."""
    if "with_libs" in data:  # template 2.0.0, before its migration has run
        return [str(lib) for lib in data["with_libs"] or []]
    return [lib for lib in sorted(LIB_CHOICES) if data.get(lib) is True]


def load_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping (an answers file).

    Raises:
        RefusalError: the file is not valid YAML or not a mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RefusalError(f"{path} is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise RefusalError(f"{path} is not a mapping of answers")
    return data


def read_answers(service_dir: Path) -> tuple[Answers, str]:
    """Load ``<service_dir>/.copier-answers.yml``: the answers and their template version.

    Raises:
        RefusalError: the service was not generated by this tool, or the file is broken.
    """
    path = service_dir / ANSWERS_FILE
    if not path.is_file():
        raise RefusalError(
            f"{service_dir.name} has no {ANSWERS_FILE}: it was not generated by this tool, "
            "so there is nothing to update from"
        )
    data = load_yaml_mapping(path)
    return Answers.from_mapping(data), str(data.get("_commit", ""))
