"""Generating a service, and updating one to the current template.

Both follow the same order: validate everything (any refusal happens here, before a
single write), rebuild the template's repository from git, let copier render or
update the service in a temporary directory, print what changes, then, unless it is
a dry run, stage the service directory and swap it in, and finally register the
service in ``services.yml`` and ``docker-compose.yml``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from aurora_generator.answers import ANSWERS_FILE, Answers, load_yaml_mapping, read_answers
from aurora_generator.compose import COMPOSE_FILE, add_service, dump_compose, load_compose
from aurora_generator.legacy import LegacyService
from aurora_generator.refusal import RefusalError
from aurora_generator.registry import REGISTRY_FILE, Registry
from aurora_generator.rendering import Outcome, render_service, tree_of, update_in_scratch
from aurora_generator.report import print_tree, print_updates
from aurora_generator.staging import replace_file, staged_directory
from aurora_generator.template_repo import TemplateRepo, build_template_repo

__all__ = ["find_root", "generate", "update"]


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
        service_dir = _service_dir(root, name)
        try:
            if LegacyService.found_in(service_dir):
                answers = LegacyService(service_dir).answers
            else:
                answers = Answers.from_mapping(load_yaml_mapping(service_dir / ANSWERS_FILE))
        except (OSError, RefusalError):
            continue
        if "http" in answers.with_libs:
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


def _checked_version(repo: TemplateRepo, version: str | None) -> str:
    if version is None:
        return repo.current
    if version not in repo.versions:
        known = ", ".join(repo.versions)
        raise RefusalError(f"template version {version} is not in git history (known: {known})")
    return version


def _install(source: Path, target: Path) -> None:
    """Swap ``source``'s tree (without ``.git``) in as ``target``, whole or not at all."""
    with staged_directory(target) as stage:
        shutil.copytree(
            source, stage, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git")
        )


def generate(
    root: Path, answers: Answers, *, dry_run: bool, out: TextIO, version: str | None = None
) -> int:
    """Create ``services/<name>/`` at template ``version`` (default: current) and register it.

    Raises:
        RefusalError: the service exists, its port is taken, or the repo files are broken.
    """
    target = _service_dir(root, answers.name)
    if target.exists():
        raise RefusalError(
            f"service {answers.name} already exists (services/{answers.name}); "
            f"use `update {answers.name}` to re-render it, or --force to change its answers"
        )
    registered = Registry.load(root).services.get(answers.name)
    if registered is not None:
        raise RefusalError(
            f"service {answers.name} is already registered in {REGISTRY_FILE} "
            f"(port {registered.port}) although services/{answers.name} does not exist"
        )
    registry, compose = _registration(root, answers)
    with tempfile.TemporaryDirectory(prefix="aurora-generate-") as temp:
        repo = build_template_repo(root, Path(temp))
        rendered = Path(temp) / "service"
        render_service(repo, answers.to_data(), rendered, _checked_version(repo, version))
        would = "would " if dry_run else ""
        print_tree(out, f"services/{answers.name}", tree_of(rendered), verb=f"{would}create")
        print(f"{REGISTRY_FILE}: {would}register {answers.name} on port {answers.port}", file=out)
        print(f"{COMPOSE_FILE}: {would}add service {answers.name}", file=out)
        if dry_run:
            print("dry run: nothing was written", file=out)
            return 0
        _install(rendered, target)
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


def _recorded(service_dir: Path) -> tuple[Answers, str, LegacyService | None]:
    if LegacyService.found_in(service_dir):
        legacy = LegacyService(service_dir)
        return legacy.answers, legacy.version, legacy
    answers, version = read_answers(service_dir)
    return answers, version, None


def update(
    root: Path, name: str, *, answers: Answers | None = None, dry_run: bool, out: TextIO
) -> Outcome:
    """Bring ``services/<name>`` to the current template through copier's 3-way update.

    ``answers`` replaces the recorded ones (``--force`` with new arguments); by
    default the service is rendered from its own answers file.

    Raises:
        RefusalError: no such generated service, its version is unknown, or its new port
            is taken.
    """
    service_dir = _service_dir(root, name)
    if not service_dir.is_dir():
        raise RefusalError(f"no service {name} to update (services/{name} does not exist)")
    recorded, recorded_version, legacy = _recorded(service_dir)
    answers = answers or recorded
    registry = Registry.load(root)
    must_register = answers != recorded or name not in registry.services
    registration = _registration(root, answers) if must_register else None
    if not must_register:
        _check_port(answers, registry, load_compose(root))
    with tempfile.TemporaryDirectory(prefix="aurora-update-") as temp:
        repo = build_template_repo(root, Path(temp))
        if legacy is not None:
            legacy.register_base(repo)
        else:
            _checked_version(repo, recorded_version)
        outcome = update_in_scratch(
            repo,
            service_dir,
            Path(temp) / "service",
            data=answers.to_data() if answers != recorded else None,
            prepare=legacy.adopt if legacy is not None else None,
        )
        print(
            f"services/{name}: template {recorded_version} -> {repo.current}"
            + (" (dry run: nothing is written)" if dry_run else ""),
            file=out,
        )
        print_updates(out, outcome.changed)
        if registration is not None:
            print(
                f"{REGISTRY_FILE}, {COMPOSE_FILE}: register {name} on port {answers.port}", file=out
            )
        if dry_run:
            return outcome
        if outcome.changed:
            _install(outcome.scratch, service_dir)
    if registration is not None:
        _register(*registration, root)
    return outcome
