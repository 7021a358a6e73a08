"""Generating a service, and updating one from a newer template.

Both follow the same order: validate everything and compute every file in memory
(any refusal happens here, before a single write), then print the plan, then, unless
it is a dry run, stage the service directory and swap it in, and finally register the
service in ``services.yml`` and ``docker-compose.yml``.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import yaml

from aurora_generator.answers import ANSWERS_FILE, Answers, read_answers
from aurora_generator.compose import COMPOSE_FILE, add_service, dump_compose, load_compose
from aurora_generator.merge import Action, FileUpdate, plan_file
from aurora_generator.refusal import RefusalError
from aurora_generator.registry import REGISTRY_FILE, Registry
from aurora_generator.report import print_tree, print_updates
from aurora_generator.staging import replace_file, staged_directory, write_tree
from aurora_generator.template import Template

__all__ = ["SNAPSHOT_DIR", "UpdateResult", "find_root", "generate", "update"]

SNAPSHOT_DIR = ".aurora-template"
"""Pristine copies of the last render: the merge base of ``--update``."""


def find_root(start: Path) -> Path:
    """The monorepo root: the nearest directory at or above ``start`` holding ``pants.toml``.

    Raises:
        RefusalError: ``start`` is not inside a Pants repo.
    """
    start = start.absolute()
    for candidate in (start, *start.parents):
        if (candidate / "pants.toml").is_file():
            return candidate
    raise RefusalError(
        f"no pants.toml at or above {start}: run this from the Aurora repo or pass --root"
    )


def _service_dir(root: Path, name: str) -> Path:
    return root / "services" / name


def _service_tree(answers: Answers, template: Template) -> dict[str, str]:
    """Everything under ``services/<name>/``: the render, its answers and its base snapshot."""
    rendered = template.render(answers)
    tree = dict(rendered)
    tree[ANSWERS_FILE] = answers.to_yaml(template.version)
    tree.update({f"{SNAPSHOT_DIR}/{path}": text for path, text in rendered.items()})
    return tree


def _published_port(mapping: object) -> str:
    """The host port of a compose ``ports`` entry: ``"8080:80"``, ``"127.0.0.1:8080:80"``
    or the long form ``{published: 8080, target: 80}``."""
    if isinstance(mapping, dict):
        return str(mapping.get("published", ""))
    parts = str(mapping).split(":")
    return parts[-2] if len(parts) > 1 else parts[0]


def _compose_port_owner(compose: Mapping[str, Any], port: int, *, ignore: str) -> str | None:
    for name, block in compose.get("services", {}).items():
        if name == ignore or not isinstance(block, dict):
            continue
        if any(_published_port(entry) == str(port) for entry in block.get("ports") or []):
            return str(name)
    return None


def _check_port(answers: Answers, registry: Registry, compose: Mapping[str, Any]) -> None:
    owner = registry.port_owner(answers.port, ignore=answers.name)
    if owner is not None:
        raise RefusalError(f"port {answers.port} is already used by {owner} ({REGISTRY_FILE})")
    owner = _compose_port_owner(compose, answers.port, ignore=answers.name)
    if owner is not None:
        raise RefusalError(f"port {answers.port} is already published by {owner} ({COMPOSE_FILE})")


def _http_services(root: Path, registry: Registry) -> set[str]:
    """Registered services generated ``--with http``: they learn every new service's URL."""
    found = set()
    for name in registry.services:
        path = _service_dir(root, name) / ANSWERS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and "http" in (data.get("with") or []):
            found.add(name)
    return found


def _registration(root: Path, answers: Answers) -> tuple[Registry, dict[str, Any]]:
    """The registry and compose file with ``answers``' service in them (not yet written)."""
    registry = Registry.load(root)
    compose = load_compose(root)
    _check_port(answers, registry, compose)
    http_services = _http_services(root, registry)
    registry = registry.with_service(answers.name, answers.port)
    compose = add_service(compose, answers, registry, http_services=http_services)
    return registry, compose


def _register(registry: Registry, compose: dict[str, Any], root: Path) -> None:
    replace_file(registry.path, registry.to_yaml())
    replace_file(root / COMPOSE_FILE, dump_compose(compose))


def generate(
    root: Path, answers: Answers, *, template: Template, dry_run: bool, out: TextIO
) -> int:
    """Create ``services/<name>/`` and register it; 0 on success.

    Raises:
        RefusalError: the service exists, its port is taken, or the repo files are broken.
    """
    target = _service_dir(root, answers.name)
    if target.exists():
        raise RefusalError(
            f"service {answers.name} already exists (services/{answers.name}); "
            f"use --update {answers.name} to re-render it, or --force to change its answers"
        )
    registered = Registry.load(root).services.get(answers.name)
    if registered is not None:
        raise RefusalError(
            f"service {answers.name} is already registered in {REGISTRY_FILE} "
            f"(port {registered.port}) although services/{answers.name} does not exist"
        )
    registry, compose = _registration(root, answers)
    tree = _service_tree(answers, template)
    would = "would " if dry_run else ""
    print_tree(out, f"services/{answers.name}", tree, verb=f"{would}create")
    print(f"{REGISTRY_FILE}: {would}register {answers.name} on port {answers.port}", file=out)
    print(f"{COMPOSE_FILE}: {would}add service {answers.name}", file=out)
    if dry_run:
        print("dry run: nothing was written", file=out)
        return 0
    with staged_directory(target) as stage:
        write_tree(stage, tree)
    try:
        _register(registry, compose, root)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # a service nobody registered is half-made
        raise
    print(
        f"next: ./pants test lint check services/{answers.name}:: && "
        f"./pants run services/{answers.name}",
        file=out,
    )
    return 0


@dataclasses.dataclass(frozen=True)
class UpdateResult:
    """What an update did: every file decision, and whether any of them conflicts."""

    updates: tuple[FileUpdate, ...]

    @property
    def conflicts(self) -> tuple[str, ...]:
        return tuple(item.path for item in self.updates if item.action is Action.CONFLICT)


def _read_optional(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, IsADirectoryError):
        return ""  # not text the template could have made: treated as edited


def _read_snapshot(service_dir: Path) -> dict[str, str]:
    snapshot = service_dir / SNAPSHOT_DIR
    if not snapshot.is_dir():
        return {}
    return {
        path.relative_to(snapshot).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(snapshot.rglob("*"))
        if path.is_file()
    }


def plan_update(
    service_dir: Path, answers: Answers, template: Template
) -> tuple[UpdateResult, dict[str, str | None]]:
    """Every file decision of re-rendering ``service_dir`` for ``answers``, and the tree to write."""
    rendered = template.render(answers)
    snapshot = _read_snapshot(service_dir)
    updates = tuple(
        plan_file(
            path,
            ours=_read_optional(service_dir / path),
            base=snapshot.get(path),
            theirs=rendered.get(path),
        )
        for path in sorted(set(rendered) | set(snapshot))
    )
    tree: dict[str, str | None] = {item.path: item.text for item in updates if item.writes}
    tree[ANSWERS_FILE] = answers.to_yaml(template.version)
    for path in snapshot.keys() - rendered.keys():
        tree[f"{SNAPSHOT_DIR}/{path}"] = None
    tree.update({f"{SNAPSHOT_DIR}/{path}": text for path, text in rendered.items()})
    return UpdateResult(updates), tree


def update(
    root: Path,
    name: str,
    *,
    template: Template,
    answers: Answers | None = None,
    dry_run: bool,
    out: TextIO,
) -> UpdateResult:
    """Re-render ``services/<name>`` from the current template and merge it in.

    ``answers`` replaces the recorded ones (``--force`` with new arguments); by
    default the service is re-rendered from its own answers file.

    Raises:
        RefusalError: no such generated service, or its new port is taken.
    """
    service_dir = _service_dir(root, name)
    if not service_dir.is_dir():
        raise RefusalError(f"no service {name} to update (services/{name} does not exist)")
    recorded, recorded_version = read_answers(service_dir)
    answers = answers or recorded
    registry = Registry.load(root)
    must_register = answers != recorded or name not in registry.services
    registration = _registration(root, answers) if must_register else None
    if not must_register:
        _check_port(answers, registry, load_compose(root))
    result, tree = plan_update(service_dir, answers, template)
    print(
        f"services/{name}: template {recorded_version} -> {template.version}"
        + (" (dry run: nothing is written)" if dry_run else ""),
        file=out,
    )
    print_updates(out, result.updates)
    if registration is not None:
        print(f"{REGISTRY_FILE}, {COMPOSE_FILE}: register {name} on port {answers.port}", file=out)
    if dry_run:
        return result
    with staged_directory(service_dir, copy_existing=True) as stage:
        write_tree(stage, tree)
    if registration is not None:
        _register(*registration, root)
    return result
